"""Jaga's functional corpus as evaluation cases: beside the corpus it reads, so that evaluation
never imports training code (evaluation comes before training in the import order)."""

from __future__ import annotations

from jaga.evaluation.functional import Case
from jaga.training.corpus import load_corpus


def corpus_cases(split: str = "test") -> list[Case]:
    """The held-back split of Jaga's functional corpus (`jaga.training.corpus`) as suite cases: its
    templates were never trained on, so it measures unseen phrasings in all 11 languages."""
    return [Case(text=case.text, hateful=case.hateful, functionality=case.functionality, target=case.target,
                 language=case.language) for case in load_corpus(splits=[split])]
