"""Language offsets for e5's vectors (see `jaga.text.encoder.shift_languages`), fitted on the
training corpus: social posts in every language, so that the offsets differ by language and not by
genre (fact-checks exist in four languages only)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from jaga.text.encoder import pretrained_vectors

PER_LANGUAGE = 300
MIN_PER_LANGUAGE = 50  # fewer texts give a mean that is mostly their topics


def fit_language_offsets(texts: Sequence[str], languages: Sequence[str], per_language: int = PER_LANGUAGE,
                         seed: int = 0) -> dict[str, np.ndarray]:
    """Per language with enough texts: the mean of a seeded sample's pretrained vectors (the only
    ones shifted), minus the mean of those means."""
    rng = np.random.default_rng(seed)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for row, language in enumerate(languages):
        rows_of[language].append(row)
    means = {}
    for language in sorted(rows_of):
        rows = rows_of[language]
        if len(rows) < MIN_PER_LANGUAGE:
            continue
        sample = rng.choice(rows, min(per_language, len(rows)), replace=False)
        means[language] = pretrained_vectors([texts[row] for row in sample]).mean(axis=0)
    overall = np.mean(list(means.values()), axis=0)
    return {language: (mean - overall).astype(np.float32) for language, mean in means.items()}


def save_language_offsets(offsets: dict[str, np.ndarray], path: Path) -> None:
    # numpy's stub lets **kwds reach the `allow_pickle: bool` keyword too; the keys are language codes
    np.savez(path, **cast("dict[str, Any]", offsets))
