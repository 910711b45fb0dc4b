"""The one after-decision path: what happens once the stages have decided, whatever door a post
came in by (`jaga scan --store`, `POST /v1/moderate`, any later stream consumer or Ray job).

A post must have the same consequences however it arrived (ARCHITECTURE.md: every door hands its
decisions to one `record`). Before this module the scan counted strikes but opened no review task,
wrote no audit entry and sent no webhook, and the service did the opposite. `record` does all of it
in one `writing()` transaction, so a crash leaves either all of it or none:

1. account measures: each removal of a known author's post is a strike (recorded once per
   decision, so a replay adds none); the jurisdiction's policy turns the author's live strikes
   into a measure in the statement of reasons (policy computes, this path writes);
2. storage of the posts (pseudonymised) and decisions, sealed into the audit chain;
3. a review task for every decision pending review;
4. the webhook outbox event `decision.created` (for organisations that set a webhook);
5. one audit entry per record, under its actor.

Idempotency stays with the door that has it (the service's Idempotency-Key wraps the whole request).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from jaga.config import database_url as configured_url
from jaga.pipeline import Moderator, pseudonymised
from jaga.policy.accounts import apply_account_measures, counts_against_author
from jaga.policy.reasons import Policy
from jaga.policy.schema import AccountMeasures
from jaga.store import ModerationRecord, Store
from jaga.types import Decision

__all__ = ["ModerationRecord", "RulesFor", "account_rules", "record", "registry_moderator"]

RulesFor = Callable[[Decision], AccountMeasures]
"""The account-measure rules that apply to a decision (its jurisdiction's)."""


def account_rules(moderator: Moderator) -> RulesFor:
    """The rules of the moderator's policy for each decision's jurisdiction; none configured (a
    policy without jurisdictions, as some tests build) means the defaults."""
    policy_for = getattr(getattr(moderator, "policy", None), "policy_for", None)
    if policy_for is None:
        return lambda _decision: AccountMeasures()
    return lambda decision: policy_for(decision.jurisdiction).policy.accounts


def record(store: Store, records: Sequence[ModerationRecord], rules: RulesFor) -> list[list[Decision]]:
    """Record decided posts, each record under its organisation and actor, in one transaction; returns
    each record's decisions as stored (with their account measures), in the records' order."""
    stored: list[ModerationRecord] = []
    with store.writing() as session:
        for item in records:
            scoped = store.scoped(item.org)
            posts = [pseudonymised(post) for post in item.posts]
            authors = {post.id: post.author_id for post in posts}
            decisions = []
            for decision in item.decisions:
                author = authors.get(decision.post_id)
                if author is not None and counts_against_author(decision, author):
                    rule = rules(decision)
                    live = scoped.record_strike_in(session, decision, author, rule.strike_ttl_days)
                    decision = apply_account_measures(decision, live, rule)
                decisions.append(decision)
            stored.append(ModerationRecord(item.org, posts, decisions, item.actor))
        store.record_moderations_in(session, stored)
    return [list(item.decisions) for item in stored]


def registry_moderator(database_url: str | None = None, media_roots: Sequence[Path] | None = None,
                       policy: Policy | None = None, jurisdiction: str | None = None) -> Moderator:
    """The default detectors plus claim matching against the store's fact-check registry, when it
    has one (see `jaga claims import`), matching against its saved coordinated campaigns (`jaga
    campaigns --save`), and matching against its hash banks (`jaga banks`), reading
    media files only under `media_roots` when given (see `jaga.banks.matcher`). Wired here, above
    the store, so that detection never opens a database: the store is handed to the claim stage as
    its `FactCheckSource`. A SQLite file that does not exist yet is not created by looking."""
    from jaga.detect import DETECTORS
    from jaga.detect.extensions import DetectorContext, build_detectors

    url = database_url or configured_url()
    store = None
    if not (url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists()):
        store = Store(url)  # held by the detectors for the moderator's life
    detectors = build_detectors(DetectorContext(store=store, media_roots=media_roots), DETECTORS)
    return Moderator(detectors, policy=policy, jurisdiction=jurisdiction)
