"""The harm taxonomy is closed: a `Category` added without everything that acts on it fails here,
not in production. Every category must have a rule in every jurisdiction's policy, words in every
user-notice language, a DSA Transparency Database mapping and a description."""

from __future__ import annotations

import pytest

from jaga.policy import PolicyEngine
from jaga.policy.dsa import CATEGORIES as DSA_CATEGORIES
from jaga.policy.dsa import TAXONOMY
from jaga.policy.notices import _texts as load_notices
from jaga.types import CATEGORY_DESCRIPTIONS, Category


@pytest.fixture(scope="module")
def engine() -> PolicyEngine:
    return PolicyEngine()


def test_every_jurisdiction_has_a_policy_for_every_category(engine: PolicyEngine) -> None:
    missing = {code: [c.value for c in Category if c not in loaded.policy.categories]
               for code, loaded in engine.policies.items()}
    assert not {code: cats for code, cats in missing.items() if cats}


def test_every_notice_language_names_every_category() -> None:
    notices = load_notices()
    assert "en" in notices
    for language, block in notices.items():
        named = block["categories"]
        assert set(named) == {c.value for c in Category}, language
        assert all(isinstance(words, str) and words.strip() for words in named.values()), language


def test_every_category_maps_to_the_dsa_database_and_has_a_description() -> None:
    for category in Category:
        dsa_category, keyword = TAXONOMY[category]
        assert dsa_category in DSA_CATEGORIES and keyword.startswith("KEYWORD_"), category
        assert CATEGORY_DESCRIPTIONS[category].strip(), category
