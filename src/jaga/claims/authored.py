"""The project's own claim-matching pairs (`jaga/claims/pairs/<language>.yaml`) and their split.

Each pair is a message as a rumour circulates (forwarded chains, Facebook posts, TikTok captions,
retellings, code-mixed) and the ids of the real fact-checks it repeats, or no id at all for a hard
negative (a message on the same topic that repeats no fact-checked claim). The claim encoder is
trained on the `train` claims' pairs, the matcher's calibration is fitted on the `calibration`
claims', and the held-back `test` claims' are what `jaga eval claims` reports.

The split is by claim, never by message: a hash of the claim's key (its smallest fact-check id, or
for a hard negative the claim it is `near`) puts one claim in three in `test` and one in six in
`calibration`, so no test claim is seen in training or calibration in any language or wording.
Nobody picks the split by hand, and adding pairs never moves a claim from one side to another.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import Any, Literal

import yaml

LANGUAGES = ("id", "ms", "tl", "th", "vi", "km", "lo", "my", "en", "zh", "ta")
STYLES = frozenset({"forward", "facebook", "tiktok", "tweet", "retell", "news"})
TEST_EVERY = 3   # one claim in three is held back
CALIBRATION_EVERY = 6   # of the others, one in four (a sixth of all claims) calibrates the matcher
Split = Literal["train", "calibration", "test"]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class AuthoredPairError(ValueError):
    """A pairs file that cannot be used as it is; the message names the file and the entry."""


@dataclass(frozen=True)
class AuthoredPair:
    id: str
    language: str
    text: str
    fact_checks: tuple[str, ...]   # the fact-checks the message repeats; empty for a hard negative
    style: str
    near: str | None = None        # a hard negative's nearest claim (it shares that claim's split)

    @property
    def negative(self) -> bool:
        return not self.fact_checks

    @property
    def claim_key(self) -> str:
        """What decides the split: the claim's smallest fact-check id (a claim the registry holds
        more than once is one claim), else the claim a hard negative is near, else its own id."""
        return min(self.fact_checks) if self.fact_checks else (self.near or self.id)

    @property
    def split(self) -> Split:
        return split_of(self.claim_key)


def split_of(claim_key: str) -> Split:
    """'test' for one claim in three and 'calibration' for one in six, fixed by a hash of its key.

    The calibration claims train nothing: the matcher's thresholds are fitted on them, on messages
    and hard negatives the claim encoder never saw (fitted on training claims, whose messages the
    encoder has pulled onto their fact-checks and whose hard negatives it has pushed away, the
    thresholds came out too low: 21.5 % of the test split's hard negatives matched)."""
    digest = int.from_bytes(hashlib.sha256(claim_key.encode("utf-8")).digest()[:4], "big")
    if digest % TEST_EVERY == 0:
        return "test"
    return "calibration" if digest % CALIBRATION_EVERY == 1 else "train"


def pairs_directory() -> Traversable:
    return resources.files("jaga.claims") / "pairs"


def load_pairs(directory: Traversable | Path | None = None, split: Split | None = None) -> list[AuthoredPair]:
    """Every pair in every `<language>.yaml` (or only `split`'s). Raises AuthoredPairError on a bad
    entry, on a duplicate id, and when one fact-check id is grouped with different ids in two
    entries (the split would then depend on the entry, and a claim could leak into training)."""
    folder = directory if directory is not None else pairs_directory()
    pairs: list[AuthoredPair] = []
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.name.endswith(".yaml"):
            pairs.extend(_read_file(item.name, item.read_text(encoding="utf-8")))
    groups = _claim_groups(pairs)
    # A hard negative follows the split of the claim it is near, named by any of its ids.
    pairs = [replace(pair, near=min(groups[pair.near])) if pair.near else pair for pair in pairs]
    return [pair for pair in pairs if split is None or pair.split == split]


def _read_file(name: str, text: str) -> list[AuthoredPair]:
    try:
        document = yaml.load(text, Loader=_LOADER)  # a safe loader, in C when built
    except yaml.YAMLError as error:
        raise AuthoredPairError(f"{name}: not valid YAML: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("pairs"), list):
        raise AuthoredPairError(f"{name}: expected a mapping with 'language' and a 'pairs' list")
    language = document.get("language")
    if language not in LANGUAGES or name != f"{language}.yaml":
        raise AuthoredPairError(f"{name}: language {language!r} must be one of {LANGUAGES} and name the file")
    return [_pair(name, position, language, entry) for position, entry in enumerate(document["pairs"], start=1)]


def _pair(name: str, position: int, language: str, entry: Any) -> AuthoredPair:
    where = f"{name}, pair {position}"
    if not isinstance(entry, dict):
        raise AuthoredPairError(f"{where}: expected a mapping")
    identifier, text, style = entry.get("id"), entry.get("text"), entry.get("style")
    fact_checks, near = entry.get("fact_checks"), entry.get("near")
    if not isinstance(identifier, str) or not identifier.startswith(f"{language}-"):
        raise AuthoredPairError(f"{where}: 'id' must be a string starting with '{language}-'")
    if not isinstance(text, str) or not text.strip():
        raise AuthoredPairError(f"{where} ({identifier}): 'text' is empty")
    if style not in STYLES:
        raise AuthoredPairError(f"{where} ({identifier}): style {style!r} is not one of {sorted(STYLES)}")
    if not isinstance(fact_checks, list) or not all(isinstance(item, str) and ":" in item for item in fact_checks):
        raise AuthoredPairError(f"{where} ({identifier}): 'fact_checks' must be a list of ids like 'afnc_th:74850'")
    if near is not None and (fact_checks or not isinstance(near, str)):
        raise AuthoredPairError(f"{where} ({identifier}): only a hard negative (no fact_checks) may name 'near'")
    return AuthoredPair(identifier, language, text.strip(), tuple(sorted(set(fact_checks))), style, near)


def _claim_groups(pairs: list[AuthoredPair]) -> dict[str, tuple[str, ...]]:
    """Each fact-check id -> the ids it is always listed with (checked to be the same everywhere)."""
    seen: set[str] = set()
    group_of: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        if pair.id in seen:
            raise AuthoredPairError(f"duplicate pair id {pair.id}")
        seen.add(pair.id)
        for fact_check in pair.fact_checks:
            if group_of.setdefault(fact_check, pair.fact_checks) != pair.fact_checks:
                raise AuthoredPairError(f"{pair.id}: {fact_check} is listed with {list(pair.fact_checks)} here but "
                                        f"with {list(group_of[fact_check])} elsewhere; list the same ids everywhere")
    for pair in pairs:
        if pair.near and pair.near not in group_of:
            raise AuthoredPairError(f"{pair.id}: 'near' {pair.near} is not a fact-check any pair repeats")
    return group_of
