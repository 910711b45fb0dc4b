"""Per-language term lists (data files in `lexicons/`) as a detector.

All lexicons are matched against every post, not only the post's detected language: code-mixed
posts ("slot gacor guys, sure win one") and mis-detected short posts must still be caught, and one
combined pattern is cheaper than eleven.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import ClassVar

import ahocorasick
import yaml

from jaga.detect.base import Detector, PreparedPost
from jaga.text.alternation import any_term
from jaga.text.language import script_counts
from jaga.text.normalise import canonical_key
from jaga.types import Category, Signal, Span

UNSPACED_SCRIPTS = {"thai", "lao", "khmer", "myanmar", "han"}
EXTRA_TERM_BONUS = 0.05
MAX_LEXICON_SCORE = 0.85


@dataclass(frozen=True)
class LexiconEntry:
    language: str
    category: Category
    score: float
    term: str


class LexiconError(ValueError):
    """A lexicon file that cannot be used, with the file named in the message."""


def load_lexicons(directory: Path | None = None) -> tuple[list[LexiconEntry], dict[str, str]]:
    """All entries of every `*.yaml` lexicon, plus each language's list version."""
    root = directory or Path(str(resources.files("jaga.detect") / "lexicons"))
    entries: list[LexiconEntry] = []
    versions: dict[str, str] = {}
    for path in sorted(root.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            language = str(data["language"])
            versions[language] = str(data["version"])
            for category_name, block in data["categories"].items():
                category = Category(category_name)
                score = float(block["score"])
                if not 0.0 < score < 1.0:
                    raise ValueError(f"score for {category_name} must be in (0, 1), got {score}")
                for term in block["terms"]:
                    key = canonical_key(str(term))
                    if key:
                        entries.append(LexiconEntry(language, category, score, key))
        except (KeyError, TypeError, ValueError, yaml.YAMLError) as error:
            raise LexiconError(f"{path}: {error}") from error
    return entries, versions


class LexiconDetector(Detector):
    name: ClassVar[str] = "lexicon"
    categories: ClassVar[tuple[Category, ...]] = tuple(Category)

    def __init__(self, directory: Path | None = None) -> None:
        entries, self.versions = load_lexicons(directory)
        self._by_term: dict[str, list[LexiconEntry]] = defaultdict(list)
        for entry in entries:
            self._by_term[entry.term].append(entry)

    @property
    def version(self) -> str:
        return ",".join(f"{language}:{version}" for language, version in sorted(self.versions.items()))

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        bounded: list[str] = []
        unbounded: list[str] = []
        for term in self._by_term:
            scripts = script_counts(term)
            target = unbounded if scripts and set(scripts) <= UNSPACED_SCRIPTS else bounded
            target.append(term)
        return re.compile(r"(?<!\w)" + any_term(bounded) + r"(?!\w)|" + any_term(unbounded))

    @cached_property
    def _terms(self) -> ahocorasick.Automaton:
        """Every term as an Aho-Corasick automaton: one C pass says whether a post holds any term at
        all (most hold none), before the pattern's word-boundary search, which costs about 40 us a
        post in Python's `re` whatever it finds. A superset test: the matches are the pattern's."""
        automaton = ahocorasick.Automaton()
        for term in self._by_term:
            automaton.add_word(term, term)
        automaton.make_automaton()
        return automaton

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the compiled pattern and automaton: each worker builds its own on first use."""
        return {key: value for key, value in self.__dict__.items() if key not in ("_pattern", "_terms")}

    def detect(self, batch: Sequence[PreparedPost]) -> list[list[Signal]]:
        return [self._detect_one(prepared) for prepared in batch]

    def _detect_one(self, prepared: PreparedPost) -> list[Signal]:
        if not self._by_term or next(self._terms.iter(prepared.text.text), None) is None:
            return []
        hits: dict[Category, list[tuple[LexiconEntry, Span]]] = defaultdict(list)
        for match in self._pattern.finditer(prepared.text.text):
            span = prepared.span(match.start(), match.end())
            for entry in self._by_term[match.group()]:
                hits[entry.category].append((entry, span))
        signals = []
        for category, found in hits.items():
            strongest = max(found, key=lambda item: item[0].score)[0]
            distinct_terms = {entry.term for entry, _ in found}
            score = min(MAX_LEXICON_SCORE, strongest.score + EXTRA_TERM_BONUS * (len(distinct_terms) - 1))
            spans = list({(span.start, span.end): span for _, span in found}.values())
            signals.append(Signal(
                source=f"lexicon:{strongest.language}",
                category=category,
                score=round(score, 4),
                evidence=spans[:10],
                details={"terms": sorted(distinct_terms)[:10]},
                model_version=self.version,
            ))
        return signals
