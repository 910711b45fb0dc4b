"""Coordinated campaigns' share of the store (a mixin for `Store`): the campaigns an organisation
found, their indicators, and which stored posts each was found through.

Why keep them: a campaign is evidence an analyst returns to (and passes on through the exchange,
as an indicator); its posts are how a decision already taken on one of them can be explained
("part of campaign cmp-..."); and its indicator is what the campaign detector matches new posts
against (`jaga.detect.campaigns`). Accounts stay inside the document as the pseudonyms they were
found under; an indicator never names them. Every save is written to the audit chain.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, DateTime, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from jaga.campaigns.detect import Campaign
from jaga.campaigns.indicators import indicator
from jaga.store.access import AccessRepository
from jaga.store.models import Base, PostRow
from jaga.types import Post, now_utc

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.orm import sessionmaker

CHUNK = 5_000


class CampaignRow(Base):
    """One campaign as found: the detector's document (`Campaign.to_json`) and its indicator."""

    __tablename__ = "campaigns"

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accounts: Mapped[int] = mapped_column(Integer)
    posts: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    indicator: Mapped[dict[str, Any]] = mapped_column(JSON, doc="exchange format, without accounts")
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CampaignPostRow(Base):
    """A post a campaign was found through."""

    __tablename__ = "campaign_posts"
    __table_args__ = (Index("ix_campaign_posts_post", "org", "post_id"),)

    org: Mapped[str] = mapped_column(String(64), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    post_id: Mapped[str] = mapped_column(String(256), primary_key=True)


class CampaignRepository(AccessRepository):
    org: str
    sessions: sessionmaker[Any]

    def save_campaigns(self, campaigns: Sequence[Campaign], actor: str = "cli") -> int:
        """Add campaigns, or replace those saved under the same id (the same membership found again)."""
        now = now_utc()
        with self.writing() as session:
            for campaign in campaigns:
                session.execute(delete(CampaignPostRow).where(CampaignPostRow.org == self.org,
                                                              CampaignPostRow.campaign_id == campaign.id))
                session.execute(delete(CampaignRow).where(CampaignRow.org == self.org, CampaignRow.id == campaign.id))
                session.add(CampaignRow(org=self.org, id=campaign.id, first_seen=campaign.start,
                                        last_seen=campaign.end, accounts=len(campaign.accounts),
                                        posts=len(campaign.posts), document=campaign.to_json(),
                                        indicator=indicator(campaign), saved_at=now))
                session.flush()
                for start in range(0, len(campaign.posts), CHUNK):
                    session.add_all(CampaignPostRow(org=self.org, campaign_id=campaign.id, post_id=post_id)
                                    for post_id in dict.fromkeys(campaign.posts[start:start + CHUNK]))
                    session.flush()
                self.audit(actor, "campaign.save", campaign.id,
                           {"accounts": len(campaign.accounts), "posts": len(campaign.posts)}, session)
        return len(campaigns)

    def stored_posts(self, since: datetime, until: datetime, limit: int = 5_000_000) -> Iterator[Post]:
        """The organisation's stored posts created in [since, until), oldest first, as campaign
        detection reads them (authors are the pseudonyms they were stored under; links come from
        the text). Streamed in chunks: a day of a large platform does not sit in memory twice."""
        rows = (select(PostRow.post_id, PostRow.text, PostRow.author, PostRow.created_at, PostRow.lang,
                       PostRow.country, PostRow.platform)
                .where(PostRow.org == self.org, PostRow.created_at >= since, PostRow.created_at < until,
                       PostRow.text != "")
                .order_by(PostRow.created_at, PostRow.id).limit(limit)
                .execution_options(yield_per=CHUNK))
        with self.sessions() as session:
            for post_id, text, author, created, lang, country, platform in session.execute(rows):
                if created is not None and created.tzinfo is None:
                    created = created.replace(tzinfo=UTC)  # SQLite hands times back without their offset
                yield Post(id=post_id, text=text, author_id=author, created_at=created, lang=lang, country=country,
                           platform=platform)

    def campaigns(self, limit: int = 100) -> list[dict[str, Any]]:
        """Saved campaigns' documents, the most recent activity first."""
        with self.sessions() as session:
            rows = session.scalars(select(CampaignRow).where(CampaignRow.org == self.org)
                                   .order_by(CampaignRow.last_seen.desc(), CampaignRow.id).limit(limit))
            return [dict(row.document) for row in rows]

    def campaign_indicators(self) -> list[dict[str, Any]]:
        """Indicators of the organisation's own campaigns (for `jaga.detect.campaigns` and the exchange)."""
        with self.sessions() as session:
            return [dict(row.indicator) for row in
                    session.scalars(select(CampaignRow).where(CampaignRow.org == self.org).order_by(CampaignRow.id))]

    def campaigns_of_posts(self, post_ids: Sequence[str]) -> dict[str, list[str]]:
        """Post id -> the campaigns it was found in (posts in none are absent)."""
        found: dict[str, list[str]] = {}
        with self.sessions() as session:
            for start in range(0, len(post_ids), CHUNK):
                rows = session.execute(select(CampaignPostRow.post_id, CampaignPostRow.campaign_id).where(
                    CampaignPostRow.org == self.org, CampaignPostRow.post_id.in_(post_ids[start:start + CHUNK])))
                for post_id, campaign_id in rows:
                    found.setdefault(post_id, []).append(campaign_id)
        return {post_id: sorted(ids) for post_id, ids in found.items()}

    def delete_campaign(self, campaign_id: str, actor: str = "cli") -> bool:
        with self.writing() as session:
            session.execute(delete(CampaignPostRow).where(CampaignPostRow.org == self.org,
                                                          CampaignPostRow.campaign_id == campaign_id))
            deleted = cast("CursorResult[Any]", session.execute(delete(CampaignRow).where(
                CampaignRow.org == self.org, CampaignRow.id == campaign_id))).rowcount
            if deleted:
                self.audit(actor, "campaign.delete", campaign_id, {}, session)
        return bool(deleted)
