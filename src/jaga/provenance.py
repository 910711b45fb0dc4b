"""The licences of the data behind a detection model: said once when the model loads, and enforced
where a deployment asks (`JAGA_LICENCES`).

Why: a model inherits the terms of the data it learnt from. The bundled models learnt from
datasets published for non-commercial research (vihsd, id_multilabel_hate_abusive, my_hatespeech)
and from some whose licence is unknown. A platform that runs Jaga commercially must learn that when
its first post is moderated, not from a table in the model card; and a deployment that may only run
models free of such data (`JAGA_LICENCES=permissive`) gets a refusal naming the datasets and the
remedy instead of a model it may not use. A fast tier trained with `jaga train --licence permissive`
and no contextual model beside it would otherwise pick up the bundled contextual model, and with it
the data it was meant to leave out.

A model's metadata lists its datasets as `{"name", "licence"}` (written by `jaga train`, the
contextual and heads trainers and the claim encoder's and reranker's); a model without that list is
of unknown provenance. The claim models are checked too: they learnt from fact-check sets whose terms
are unstated.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from jaga.config import accepted_licences

RESTRICTED = ("non-commercial", "copyleft", "unknown")
"""Licence classes that limit what a model trained on them may be used for."""
REMEDY = ("`jaga train --licence permissive -o DIR` builds a fast tier without them (with `--contextual` and "
          "`--heads`, those tiers, into the same DIR) and JAGA_MODEL_DIR=DIR runs on it")

_log = logging.getLogger(__name__)
_said: set[str] = set()
_lock = threading.Lock()


class ModelLicenceError(RuntimeError):
    """A model trained on data whose licence class `JAGA_LICENCES` does not accept."""


def licence_classes(metadata: Mapping[str, Any]) -> dict[str, list[str]]:
    """Licence class -> the model's datasets of that class, from its metadata's `datasets`; a model
    that does not list them is all `unknown`."""
    datasets = metadata.get("datasets")
    if not isinstance(datasets, list) or not datasets:
        return {"unknown": ["(the model does not list its training data)"]}
    classes: dict[str, list[str]] = {}
    for dataset in datasets:
        classes.setdefault(str(dataset.get("licence", "unknown")), []).append(str(dataset.get("name", "?")))
    return classes


def check(model: str, metadata: Mapping[str, Any], remedy: str = REMEDY) -> None:
    """Refuse `model` (a name for messages: "the contextual tier (contextual-20261206a)") when its
    data carry a licence class `JAGA_LICENCES` does not accept; otherwise log its restricted data,
    if any: a warning the first time this process meets those data, at info level after. `remedy`
    says how to run without such a model (the detection tiers' by default)."""
    classes = licence_classes(metadata)
    accepted = accepted_licences()
    refused = {licence: names for licence, names in classes.items() if accepted and licence not in accepted}
    if refused:
        raise ModelLicenceError(f"{model} was trained on {_describe(refused)}, and JAGA_LICENCES accepts only "
                                f"{', '.join(accepted)}: {remedy}.")
    restricted = {licence: classes[licence] for licence in RESTRICTED if licence in classes}
    if not restricted:
        return
    described = _describe(restricted)
    with _lock:
        first = described not in _said  # the bundled models share their data: one warning says it for all
        _said.add(described)
    _log.log(logging.WARNING if first else logging.INFO,
             "%s was trained on %s: its use is limited by those terms (docs/MODEL_CARD.md lists every dataset's); "
             "%s, and JAGA_LICENCES=permissive refuses any other.", model, described, remedy)


def _describe(classes: Mapping[str, list[str]]) -> str:
    return "; ".join(f"{licence} data ({', '.join(sorted(names))})" for licence, names in classes.items())
