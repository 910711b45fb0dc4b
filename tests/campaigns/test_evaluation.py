from __future__ import annotations

import pytest

from jaga.campaigns import detect_campaigns
from jaga.campaigns.evaluation import CAMPAIGNS, inject, score
from jaga.config import data_dir

needs_data = pytest.mark.skipif(not (data_dir() / "vihsd").is_dir(), reason="shared datasets not present")


@pytest.fixture(scope="module")
def injection():  # type: ignore[no-untyped-def]
    return inject(organic=3_000, seed=25)


@needs_data
def test_injected_campaigns_are_recovered(injection) -> None:  # type: ignore[no-untyped-def]
    scores = score(detect_campaigns(injection.batch), injection)
    assert scores.campaigns_injected == len(CAMPAIGNS)
    assert scores.account_precision >= 0.9 and scores.account_recall >= 0.9
    assert scores.post_precision >= 0.9 and scores.post_recall >= 0.9
    assert scores.lookalike_accounts_flagged == 0


@needs_data
def test_the_scores_see_look_alikes_when_one_shared_story_is_enough(injection) -> None:  # type: ignore[no-untyped-def]
    scores = score(detect_campaigns(injection.batch, min_weight=1), injection)
    assert scores.lookalike_accounts_flagged > 30 and scores.account_precision < 0.75


@needs_data
def test_the_injection_is_what_it_claims(injection) -> None:  # type: ignore[no-untyped-def]
    batch = injection.batch
    assert len(set(batch.ids)) == len(batch) and list(batch.times) == sorted(batch.times)
    posted = {author for author, post_id in zip(batch.authors, batch.ids, strict=True)
              if post_id in injection.campaign_posts}
    assert posted == injection.campaign_accounts
    assert any("\u1039" in text for text in batch.texts)  # some Burmese typed in Zawgyi
    assert len(injection.sources) >= 6 and injection.lookalike_accounts
