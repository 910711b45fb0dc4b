"""Campaigns in the store (SQLite and PostgreSQL), and the signal they become on later posts."""

from __future__ import annotations

from sqlalchemy import inspect

from jaga.campaigns import detect_campaigns
from jaga.campaigns.indicators import CampaignMatcher
from jaga.store import Store, _alembic_config, make_engine, migrate

from .posts import MESSAGES, campaign_posts


def test_campaigns_are_saved_replaced_scoped_and_audited(database_url: str) -> None:
    store = Store(database_url).scoped("acme")
    [campaign] = detect_campaigns(campaign_posts()).campaigns
    assert store.save_campaigns([campaign]) == 1
    assert store.save_campaigns([campaign]) == 1  # found again: replaced, not doubled
    [saved] = store.campaigns()
    assert saved["id"] == campaign.id and saved["size"] == 6
    assert store.campaigns_of_posts(["c0-0", "c2-5", "nope"]) == {"c0-0": [campaign.id], "c2-5": [campaign.id]}
    assert store.scoped("other").campaigns() == [] and store.scoped("other").campaigns_of_posts(["c0-0"]) == {}
    [matches] = CampaignMatcher(store.campaign_indicators()).match_many([MESSAGES[1]])
    assert [match.campaign for match in matches] == [campaign.id]
    assert store.delete_campaign(campaign.id) and not store.delete_campaign(campaign.id)
    assert store.campaigns() == [] and store.campaigns_of_posts(["c0-0"]) == {}
    assert store.verify_audit() == []
    store.close()


def test_migration_0013_goes_both_ways(database_url: str) -> None:
    from alembic import command

    engine = make_engine(database_url)
    migrate(engine, "0012")
    assert "campaigns" not in inspect(engine).get_table_names()
    migrate(engine)
    assert {"campaigns", "campaign_posts"} <= set(inspect(engine).get_table_names())
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
    assert not {"campaigns", "campaign_posts"} & set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_saved_campaign_is_a_signal_on_a_later_post_that_repeats_it(database_url: str) -> None:
    """`jaga campaigns --save` (or the store) records a campaign; the registry moderator then matches
    new posts against it, so policy can act on a repeat (the ASEAN baseline sends it to a person)."""
    from jaga.moderation import registry_moderator
    from jaga.types import Post

    store = Store(database_url)
    [campaign] = detect_campaigns(campaign_posts()).campaigns
    store.save_campaigns([campaign])
    moderator = registry_moderator(database_url)
    repeat, unrelated = moderator.moderate_batch([Post(id="later", text=MESSAGES[1]),
                                                  Post(id="other", text="Selamat pagi, cuaca cerah hari ini")])
    sources = [signal.source for signal in repeat.signals]
    assert f"campaign:{campaign.id}" in sources
    assert not [signal for signal in unrelated.signals if signal.source.startswith("campaign:")]
    store.close()
