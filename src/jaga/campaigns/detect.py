"""Coordinated campaigns: accounts that repeatedly do the same thing within minutes of each other.

A *co-action* is one pair of posts, by two different accounts, less than `window` apart, that share
a near-duplicate text, a link, a hashtag or a reply target. A pair of posts sharing text, link and
hashtag is still one co-action: one honest share of a viral story must not look like three. The
weight of an edge between two accounts is the number of their distinct co-actions; edges under
`min_weight` are dropped. With the default (2), accounts must act together at least twice, which is
what separates a network pushing several messages from strangers who happened to share one popular
link in the same ten minutes. Campaigns are the clusters of the remaining network (connected
components, or Louvain communities of them with `communities=True`) with at least `min_accounts`.

Everything per post is done once, in bulk: texts are normalised once per distinct text, near-
duplicates found by `jaga.campaigns.minhash`, and co-actions enumerated with numpy by sorting the
actions on (key, time) and pairing each with the following ones inside the window.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from jaga.campaigns.features import hashtags, links, matching_text, shortener_expansions
from jaga.campaigns.minhash import DEFAULT_LSH, LshParams, distinct, group_texts
from jaga.types import Post

if TYPE_CHECKING:
    from jaga.claims.matcher import ClaimMatcher

KINDS = ("text", "url", "hashtag", "reply")
"""What two posts can share. Reposts are not here: a platform's own repost is not an authored copy."""

ATTACH_MIN_MEMBERS = 5
"""Fewest campaign accounts an outsider must have co-acted with to join (see `_attach`): a small
cluster, which may be a coincidence, must not grow by attracting the crowd around a viral story."""

FactCheckLookup = Callable[[Sequence[str]], Sequence[Sequence[str]]]
"""Texts -> fact-check ids per text (for example `claim_lookup(ClaimMatcher(store))`)."""


def claim_lookup(matcher: ClaimMatcher, top_k: int = 3) -> FactCheckLookup:
    """The fact-checks a campaign's texts repeat, by Jaga's claim matcher (calibrated matches only).
    The campaign's few representative texts are matched, never all its posts: one encoder batch."""
    def lookup(texts: Sequence[str]) -> list[list[str]]:
        return [[match.fact_check.id for match in matches if match.is_match]
                for matches in matcher.search_many(texts, top_k)]

    return lookup


@dataclass
class PostBatch:
    """Posts as columns: what detection reads, built once (`from_posts`) or directly by a caller that
    already holds columns (a Parquet scan, the benchmark), which saves a model object per post."""

    ids: list[str]
    authors: list[str]
    times: np.ndarray
    """Seconds since the epoch, int64."""
    texts: list[str]
    urls: list[list[str]] = field(default_factory=list)
    """Links the platform declared beside the text (links in the text are found anyway)."""
    hashtags: list[list[str]] = field(default_factory=list)
    """Hashtags the platform declared beside the text (hashtags in the text are found anyway)."""
    reply_to: list[str | None] = field(default_factory=list)
    langs: list[str | None] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(post id, why) for posts that could not take part: no author or no time."""

    def __post_init__(self) -> None:
        count = len(self.ids)
        self.times = np.asarray(self.times, dtype=np.int64)
        for name in ("urls", "hashtags"):
            if not getattr(self, name):
                setattr(self, name, [[] for _ in range(count)])
        if not self.reply_to:
            self.reply_to = [None] * count
        if not self.langs:
            self.langs = [None] * count
        lengths = {len(self.authors), len(self.times), len(self.texts), len(self.urls), len(self.hashtags),
                   len(self.reply_to), len(self.langs)}
        if lengths != {count}:
            raise ValueError("every column of a PostBatch needs one value per post")

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_posts(cls, posts: Iterable[Post]) -> PostBatch:
        """Columns from posts. A post without `author_id` or `created_at` cannot be placed in the
        network or the window: it is listed in `skipped` and the others go on."""
        ids: list[str] = []
        authors: list[str] = []
        times: list[int] = []
        texts: list[str] = []
        urls: list[list[str]] = []
        tags: list[list[str]] = []
        replies: list[str | None] = []
        langs: list[str | None] = []
        skipped: list[tuple[str, str]] = []
        for post in posts:
            if not post.author_id:
                skipped.append((post.id, "no author_id"))
                continue
            if post.created_at is None:
                skipped.append((post.id, "no created_at"))
                continue
            when = post.created_at if post.created_at.tzinfo else post.created_at.replace(tzinfo=UTC)
            ids.append(post.id)
            authors.append(post.author_id)
            times.append(int(when.timestamp()))
            texts.append(post.text)
            urls.append(list(post.urls))
            declared = post.extra.get("hashtags")
            tags.append([str(tag) for tag in declared] if isinstance(declared, list) else [])
            replies.append(post.reply_to)
            langs.append(post.lang)
        return cls(ids, authors, np.array(times, dtype=np.int64), texts, urls, tags, replies, langs, skipped)


@dataclass(frozen=True)
class Campaign:
    """One cluster of coordinated accounts and the posts through which they co-acted."""

    id: str
    accounts: list[str]
    posts: list[str]
    start: datetime
    end: datetime
    representative_text: str
    texts: list[str]
    """Up to five texts, one per near-duplicate group, the most posted first."""
    urls: list[str]
    hashtags: list[str]
    languages: dict[str, int]
    co_actions: dict[str, int]
    """Co-actions inside the cluster by what was shared (a co-action sharing text and link counts in both)."""
    edges: int
    density: float
    fact_checks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "accounts": self.accounts, "posts": self.posts, "size": len(self.accounts),
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "representative_text": self.representative_text, "texts": self.texts, "urls": self.urls,
                "hashtags": self.hashtags, "languages": self.languages, "co_actions": self.co_actions,
                "edges": self.edges, "density": round(self.density, 4), "fact_checks": self.fact_checks}


@dataclass
class CampaignResult:
    """Campaigns found, the account network they came from, and what the run saw."""

    campaigns: list[Campaign]
    graph: nx.Graph[str]
    """Accounts with at least one edge of `min_weight`; edge attributes: weight and one count per kind."""
    settings: dict[str, Any]
    stats: dict[str, Any]
    skipped: list[tuple[str, str]]
    post_times: dict[str, datetime] = field(default_factory=dict)
    """Time of every post named by a campaign (for timelines)."""

    def to_json(self) -> dict[str, Any]:
        return {"settings": self.settings, "stats": self.stats,
                "campaigns": [campaign.to_json() for campaign in self.campaigns],
                "skipped": [{"id": post_id, "error": why} for post_id, why in self.skipped]}


@dataclass
class _Actions:
    posts: list[np.ndarray] = field(default_factory=list)
    keys: list[np.ndarray] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    """Added to each kind's keys, for one numbering of keys over all kinds."""


def _key_users(actions: _Actions, authors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(account, key) once for every account that used a key, keys numbered over all kinds."""
    if not actions.posts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    size = int(authors.max()) + 1
    keys = np.concatenate([keys + offset for keys, offset in zip(actions.keys, actions.offsets, strict=True)])
    users = np.concatenate([authors[posts] for posts in actions.posts])
    found = distinct(keys * size + users)
    return found % size, found // size


def _key_ids(values: list[list[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(post index, key id) for every key of every post; key ids dense per call."""
    ids: dict[str, int] = {}
    post_index: list[int] = []
    key_index: list[int] = []
    for index, keys in enumerate(values):
        for key in keys:
            post_index.append(index)
            key_index.append(ids.setdefault(key, len(ids)))
    return np.array(post_index, dtype=np.int64), np.array(key_index, dtype=np.int64)


def _window_pairs(posts: np.ndarray, keys: np.ndarray, times: np.ndarray, authors: np.ndarray, window: int,
                  max_accounts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Post pairs (p, q), p < q, of different authors sharing a key less than `window` seconds apart,
    with the key.
    Keys used by fewer than two accounts are dropped, and so are keys used by more than `max_accounts`
    accounts (a trending hashtag says nothing about who coordinates, and would cost pairs by the
    million); the third value counts the latter."""
    empty = np.empty(0, dtype=np.int64)
    if len(posts) == 0:
        return empty, empty, empty, 0
    account_keys = distinct(keys * (int(authors.max()) + 1) + authors[posts])
    accounts_per_key = np.bincount(account_keys // (int(authors.max()) + 1))
    useful = (accounts_per_key >= 2) & (accounts_per_key <= max_accounts)
    too_common = int((accounts_per_key > max_accounts).sum())
    keep = useful[keys]
    posts, keys = posts[keep], keys[keep]
    if len(posts) == 0:
        return empty, empty, empty, too_common
    post_times = times[posts] - times.min()
    span = int(post_times.max()) + window + 1
    order_key = keys * span + post_times
    order = np.argsort(order_key, kind="stable")
    posts, keys, order_key = posts[order], keys[order], order_key[order]
    ends = np.searchsorted(order_key, order_key + window - 1, side="right")  # strictly less than window apart
    counts = ends - np.arange(len(posts)) - 1
    total = int(counts.sum())
    left = np.repeat(np.arange(len(posts)), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    right = left + 1 + (np.arange(total) - np.repeat(starts, counts))
    first, second = posts[left], posts[right]
    different = authors[first] != authors[second]
    first, second = first[different], second[different]
    return np.minimum(first, second), np.maximum(first, second), keys[left][different], too_common


def _campaign_id(accounts: list[str]) -> str:
    """Stable for the same membership, so a re-run names the same campaign the same way."""
    return "cmp-" + hashlib.sha256("\n".join(sorted(accounts)).encode()).hexdigest()[:12]


def detect_campaigns(posts: Iterable[Post] | PostBatch, window: timedelta = timedelta(minutes=10),
                     min_weight: int = 2, min_accounts: int = 3, kinds: Sequence[str] = KINDS,
                     lsh: LshParams = DEFAULT_LSH, min_chars: int = 20, max_accounts_per_key: int = 2_000,
                     communities: bool = False, attach: float = 0.5, own_keys: bool = True,
                     fact_checks: FactCheckLookup | None = None) -> CampaignResult:
    """Find coordinated campaigns in `posts` (see the module's docstring for the method).

    `min_chars`: texts shorter than this (spaces aside) take no part in near-duplicate matching.
    `attach`: an account co-acting (even once) with this fraction of a campaign's accounts joins it
    (0 turns this off; see `_attach`).
    `own_keys`: keep only clusters that own something they shared, a text, link, hashtag or reply
    target more than half of whose users are members. Strangers who shared two viral stories in
    the same ten minutes form a cluster whose every key belongs to a crowd; a campaign's messages
    are its own. (A campaign that only ever repeats other people's content is missed this way.)
    `fact_checks`: given the campaigns' texts, the ids of fact-checks each matches."""
    settings = check_settings(window, min_weight, min_accounts, kinds, lsh, min_chars, max_accounts_per_key,
                              communities, attach, own_keys)
    batch = posts if isinstance(posts, PostBatch) else PostBatch.from_posts(posts)
    seconds = settings["window_seconds"]
    stats: dict[str, Any] = {"posts": len(batch), "skipped": len(batch.skipped)}
    if len(batch) == 0:
        return CampaignResult([], nx.Graph(), settings, {**stats, "accounts": 0, "edges": 0}, batch.skipped)

    seconds_by_stage: dict[str, float] = {}
    author_ids: dict[str, int] = {}
    authors = np.fromiter((author_ids.setdefault(author, len(author_ids)) for author in batch.authors),
                          dtype=np.int64, count=len(batch))
    names = list(author_ids)
    stats["accounts"] = len(names)
    actions = _Actions()
    text_groups = np.full(len(batch), -1, dtype=np.int64)
    if "text" in kinds:
        started = time.perf_counter()
        text_groups = _text_groups(batch.texts, lsh, min_chars)
        seconds_by_stage["near_duplicates"] = time.perf_counter() - started
        has = np.flatnonzero(text_groups >= 0)
        actions.posts.append(has)
        actions.keys.append(text_groups[has])
        actions.kinds.append(KINDS.index("text"))
    post_links: list[list[str]] = []
    started = time.perf_counter()
    if "url" in kinds:
        post_links = [links(text, declared) for text, declared in zip(batch.texts, batch.urls, strict=True)]
        expand = shortener_expansions(post_links)
        post_links = expand_links(post_links, expand)
        index, keys = _key_ids(post_links)
        actions.posts.append(index)
        actions.keys.append(keys)
        actions.kinds.append(KINDS.index("url"))
        stats["shorteners_expanded"] = len(expand)
    post_tags: list[list[str]] = []
    if "hashtag" in kinds:
        post_tags = post_hashtags(batch.texts, batch.hashtags)
        index, keys = _key_ids(post_tags)
        actions.posts.append(index)
        actions.keys.append(keys)
        actions.kinds.append(KINDS.index("hashtag"))
    if "reply" in kinds:
        index, keys = _key_ids([[target] if target else [] for target in batch.reply_to])
        actions.posts.append(index)
        actions.keys.append(keys)
        actions.kinds.append(KINDS.index("reply"))

    seconds_by_stage["links_hashtags_replies"] = time.perf_counter() - started
    started = time.perf_counter()
    pair_keys, pair_kinds, shared = [], [], []
    too_common = 0
    total = np.int64(len(batch))
    key_offset = 0
    for index, keys, kind in zip(actions.posts, actions.keys, actions.kinds, strict=True):
        first, second, key, common = _window_pairs(index, keys, batch.times, authors, seconds, max_accounts_per_key)
        too_common += common
        pair_keys.append(first * total + second)
        pair_kinds.append(np.full(len(first), kind, dtype=np.int8))
        shared.append(key + key_offset)  # one numbering of keys over all kinds
        actions.offsets.append(key_offset)
        key_offset += int(keys.max()) + 1 if len(keys) else 0
        stats[f"{KINDS[kind]}_co_actions"] = len(distinct(pair_keys[-1]))
    stats["keys_too_common"] = too_common
    all_pairs = np.concatenate(pair_keys) if pair_keys else np.empty(0, dtype=np.int64)
    all_kinds = np.concatenate(pair_kinds) if pair_kinds else np.empty(0, dtype=np.int8)
    all_shared = np.concatenate(shared) if shared else np.empty(0, dtype=np.int64)
    edges, weights, row_pair = _weights(all_pairs, all_shared, authors, total, len(names))
    strong = weights >= min_weight
    graph: nx.Graph[str] = nx.Graph()
    _add_edges(graph, edges[strong], weights[strong], all_pairs, all_kinds, row_pair, total, names)
    stats["co_actions"] = len(distinct(all_pairs))
    stats["edges"] = graph.number_of_edges()
    stats["network_accounts"] = graph.number_of_nodes()

    seconds_by_stage["co_actions_network"] = time.perf_counter() - started
    started = time.perf_counter()
    clusters = _clusters(graph, min_accounts, communities)
    key_users, key_of_users = _key_users(actions, authors) if clusters else (np.empty(0, np.int64),) * 2
    if own_keys and clusters:
        _, owner = _owners(clusters, key_users, key_of_users, author_ids, len(names))
        owning = set(owner[owner >= 0].tolist())
        stats["clusters_without_own_key"] = len(clusters) - len(owning)
        clusters = [members for number, members in enumerate(clusters) if number in owning]
    if attach and clusters:
        clusters, attached = _attach(clusters, all_pairs, all_shared, key_users, key_of_users, authors, total,
                                     author_ids, names, attach, max(min_accounts, ATTACH_MIN_MEMBERS))
        _add_edges(graph, attached, weights[np.searchsorted(edges, attached)], all_pairs, all_kinds, row_pair,
                   total, names)
        stats["attached_accounts"] = len(graph) - stats["network_accounts"]
    per_kind = distinct(all_pairs * len(KINDS) + all_kinds)  # each post pair once per kind
    campaigns, post_times = _describe(clusters, graph, per_kind // len(KINDS), per_kind % len(KINDS), authors,
                                      author_ids, batch, total, text_groups, post_links, post_tags, fact_checks)
    seconds_by_stage["clusters_descriptions"] = time.perf_counter() - started
    stats["seconds"] = {stage: round(value, 3) for stage, value in seconds_by_stage.items()}
    stats["campaigns"] = len(campaigns)
    stats["campaign_accounts"] = sum(len(campaign.accounts) for campaign in campaigns)
    stats["campaign_posts"] = sum(len(campaign.posts) for campaign in campaigns)
    return CampaignResult(campaigns, graph, settings, stats, batch.skipped, post_times)


def expand_links(post_links: list[list[str]], expand: dict[str, str]) -> list[list[str]]:
    """Each post's links with the batch's shortener expansions applied, each link once."""
    if not expand:
        return post_links
    return [list(dict.fromkeys(expand.get(url, url) for url in urls)) for urls in post_links]


def post_hashtags(texts: list[str], declared: list[list[str]]) -> list[list[str]]:
    """Each post's hashtags (the pattern runs only on texts with a "#")."""
    return [hashtags(text, tags) if "#" in text or tags else [] for text, tags in zip(texts, declared, strict=True)]


def check_settings(window: timedelta, min_weight: int, min_accounts: int, kinds: Sequence[str], lsh: LshParams,
                   min_chars: int, max_accounts_per_key: int, communities: bool, attach: float,
                   own_keys: bool) -> dict[str, Any]:
    """The settings as a result reports them; a ValueError for settings no engine can run with."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown co-action kinds {sorted(unknown)}; known: {', '.join(KINDS)}")
    if window <= timedelta(0) or min_weight < 1 or min_accounts < 2 or not 0.0 <= attach <= 1.0:
        raise ValueError("window must be positive, min_weight >= 1, min_accounts >= 2 and 0 <= attach <= 1")
    return {"window_seconds": max(int(window.total_seconds()), 1), "min_weight": min_weight,
            "min_accounts": min_accounts, "kinds": list(kinds), "min_chars": min_chars,
            "max_accounts_per_key": max_accounts_per_key, "communities": communities, "attach": attach,
            "own_keys": own_keys, "lsh": {"shingle": lsh.shingle, "bands": lsh.bands, "rows": lsh.rows,
                                          "threshold": lsh.threshold}}


def _text_groups(texts: list[str], lsh: LshParams, min_chars: int) -> np.ndarray:
    """Near-duplicate group per post, normalising each distinct text once (campaigns repeat texts)."""
    distinct: dict[str, int] = {}
    post_text = np.fromiter((distinct.setdefault(text, len(distinct)) for text in texts), dtype=np.int64,
                            count=len(texts))
    keys = [matching_text(text) for text in distinct]
    return group_texts(keys, lsh, min_chars)[post_text]


def _weights(pairs: np.ndarray, shared: np.ndarray, authors: np.ndarray, total: np.int64,
             size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every account pair with a co-action, its weight, and the account pair of each row.

    Distinct twice over: the weight is the smaller of the number of post pairs and the number of
    different things (texts, links, hashtags, reply targets) those pairs shared. One post pair sharing
    text, link and hashtag is one co-action; so is an account posting one template twice beside
    another's once. Account pairs are numbered low * size + high."""
    ka, kb = authors[pairs // total], authors[pairs % total]
    row_pair = np.minimum(ka, kb) * size + np.maximum(ka, kb)
    unique_rows = np.unique(pairs, return_index=True)[1]
    edges, post_pairs = np.unique(row_pair[unique_rows], return_counts=True)
    order = np.lexsort((shared, row_pair))
    ordered_pair, ordered_key = row_pair[order], shared[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (ordered_pair[1:] != ordered_pair[:-1]) | (ordered_key[1:] != ordered_key[:-1])
    _, key_counts = np.unique(ordered_pair[new], return_counts=True)  # the same edges, in the same order
    return edges, np.minimum(post_pairs, key_counts), row_pair


def _add_edges(graph: nx.Graph[str], edges: np.ndarray, weights: np.ndarray, pairs: np.ndarray, kinds: np.ndarray,
               row_pair: np.ndarray, total: np.int64, names: list[str]) -> None:
    """Edges into `graph` with their weight and, per kind, how many post pairs shared that kind."""
    if len(edges) == 0:
        return
    size = len(names)
    by_kind = kind_counts(edges, pairs, kinds, row_pair)
    for edge, weight in zip(edges.tolist(), weights.tolist(), strict=True):
        attributes = {kind: by_kind.get(kind, {}).get(edge, 0) for kind in KINDS}
        graph.add_edge(names[edge // size], names[edge % size], weight=weight, **attributes)


def kind_counts(edges: np.ndarray, pairs: np.ndarray, kinds: np.ndarray,
                row_pair: np.ndarray) -> dict[str, dict[int, int]]:
    """Per kind, per account pair in `edges`: how many distinct post pairs shared that kind."""
    wanted = np.isin(row_pair, edges)
    by_kind: dict[str, dict[int, int]] = {}
    for kind in np.unique(kinds[wanted]):
        mask = wanted & (kinds == kind)
        _, first = np.unique(pairs[mask], return_index=True)
        values, counts = np.unique(row_pair[mask][first], return_counts=True)
        by_kind[KINDS[int(kind)]] = dict(zip(values.tolist(), counts.tolist(), strict=True))
    return by_kind


def _owners(clusters: list[set[str]], key_users: np.ndarray, key_of_users: np.ndarray, author_ids: dict[str, int],
            size: int) -> tuple[np.ndarray, np.ndarray]:
    """The cluster of each account (-1: none) and the cluster owning each key (-1: none): the one
    whose members are more than half of the accounts that used the key, and at least two of them."""
    count = max(len(clusters), 1)
    cluster_of = np.full(size, -1, dtype=np.int64)
    for number, members in enumerate(clusters):
        cluster_of[[author_ids[member] for member in members]] = number
    users_cluster = cluster_of[key_users]
    key_count = int(key_of_users.max()) + 1 if len(key_of_users) else 0
    users = np.bincount(key_of_users, minlength=key_count)
    owner = np.full(key_count, -1, dtype=np.int64)
    member_rows = users_cluster >= 0
    if member_rows.any():
        combined, counts = np.unique(key_of_users[member_rows] * count + users_cluster[member_rows],
                                     return_counts=True)
        keys, numbers = combined // count, combined % count
        owned = (counts * 2 > users[keys]) & (counts >= 2)
        owner[keys[owned]] = numbers[owned]
    return cluster_of, owner


def _attach(clusters: list[set[str]], pairs: np.ndarray, shared: np.ndarray, key_users: np.ndarray,
            key_of_users: np.ndarray, authors: np.ndarray, total: np.int64, author_ids: dict[str, int],
            names: list[str], fraction: float, min_members: int) -> tuple[list[set[str]], np.ndarray]:
    """Accounts outside every campaign that co-acted (even once) with at least `fraction` of one
    campaign's accounts (and at least `min_members` of them) through the campaign's own keys join it.

    Why: an account that posted only one of a campaign's messages has no repeated co-action with
    anyone, yet acted within minutes of most of the campaign, with its text. A campaign's own keys
    are those most of whose users are in the campaign (its messages, its link): sharing a trending
    link or hashtag with many members, as any active account does, does not count. Decided against
    the clusters as found. Returns the grown clusters and the account pairs (low * size + high) used."""
    size = len(names)
    cluster_of, owner = _owners(clusters, key_users, key_of_users, author_ids, size)
    a, b = authors[pairs // total], authors[pairs % total]
    outsider, member, campaign = crossings(a, b, cluster_of[a], cluster_of[b], owner[shared])
    best = joins(outsider, member, campaign, [len(members) for members in clusters], size, fraction, min_members)
    grown = [set(members) for members in clusters]
    for account, number in best.items():
        grown[number].add(names[account])
    return grown, joined_pairs(outsider, member, campaign, best, len(clusters), size)


def crossings(a: np.ndarray, b: np.ndarray, ca: np.ndarray, cb: np.ndarray,
              key_owner: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of co-actions (post pairs by accounts `a`, `b` in clusters `ca`, `cb`, -1 for none, through a
    key owned by cluster `key_owner`): those between a campaign's member and an outsider through
    that campaign's own key, as (outsider, member, campaign). The accounts may be any ids."""
    crossing = (ca >= 0) != (cb >= 0)
    campaign = np.maximum(ca, cb)
    relevant = crossing & (key_owner == campaign) & (campaign >= 0)
    return np.where(ca >= 0, b, a)[relevant], np.where(ca >= 0, a, b)[relevant], campaign[relevant]


def joins(outsider: np.ndarray, member: np.ndarray, campaign: np.ndarray, sizes: list[int], size: int,
          fraction: float, min_members: int) -> dict[int, int]:
    """Outsider -> the campaign it joins (dense account ids below `size`; see `_attach`): the one
    whose distinct members it met most, among those where it met enough."""
    count = max(len(sizes), 1)
    met = distinct((outsider * count + campaign) * size + member)  # distinct members met
    joined_key, met_counts = np.unique(met // size, return_counts=True)
    numbers = joined_key % count
    sized = np.array(sizes, dtype=np.int64)[numbers]
    wanted = (met_counts >= min_members) & (met_counts >= np.ceil(fraction * sized))
    best: dict[int, tuple[int, int]] = {}
    for account, number, found in zip((joined_key[wanted] // count).tolist(), numbers[wanted].tolist(),
                                      met_counts[wanted].tolist(), strict=True):
        if account not in best or found > best[account][1]:
            best[account] = (number, found)
    return {account: number for account, (number, _) in best.items()}


def joined_pairs(outsider: np.ndarray, member: np.ndarray, campaign: np.ndarray, best: dict[int, int], clusters: int,
                 size: int) -> np.ndarray:
    """The account pairs (low * size + high) through which the outsiders in `best` joined."""
    count = max(clusters, 1)
    chosen = np.array([account * count + number for account, number in best.items()], dtype=np.int64)
    used = np.isin(outsider * count + campaign, chosen)
    low, high = np.minimum(outsider[used], member[used]), np.maximum(outsider[used], member[used])
    return distinct(low * size + high)


def _clusters(graph: nx.Graph[str], min_accounts: int, communities: bool) -> list[set[str]]:
    found: list[set[str]] = []
    for component in nx.connected_components(graph):
        if len(component) < min_accounts:
            continue
        if communities and len(component) > min_accounts:
            parts = nx.community.louvain_communities(graph.subgraph(component), weight="weight", seed=25)
            found.extend(set(part) for part in parts if len(part) >= min_accounts)
        else:
            found.append(set(component))
    return sorted(found, key=lambda members: (-len(members), min(members)))


def _describe(clusters: list[set[str]], graph: nx.Graph[str], pairs: np.ndarray, kinds: np.ndarray,
              authors: np.ndarray, author_ids: dict[str, int], batch: PostBatch, total: np.int64,
              text_groups: np.ndarray, post_links: list[list[str]], post_tags: list[list[str]],
              fact_checks: FactCheckLookup | None) -> tuple[list[Campaign], dict[str, datetime]]:
    if not clusters:
        return [], {}
    cluster_of = np.full(len(author_ids), -1, dtype=np.int64)
    for number, members in enumerate(clusters):
        cluster_of[[author_ids[member] for member in members]] = number
    first, second = pairs // total, pairs % total
    ca, cb = cluster_of[authors[first]], cluster_of[authors[second]]
    inside = (ca >= 0) & (ca == cb)
    # a co-action counts for the campaign only along an edge that made it into the network
    size = len(author_ids)
    edge_keys = np.array([min(author_ids[u], author_ids[v]) * size + max(author_ids[u], author_ids[v])
                          for u, v in graph.edges()], dtype=np.int64)
    a, b = authors[first[inside]], authors[second[inside]]
    keep = np.isin(np.minimum(a, b) * size + np.maximum(a, b), edge_keys)
    first, second, number = first[inside][keep], second[inside][keep], ca[inside][keep]
    kind_of = kinds[inside][keep]
    campaigns: list[Campaign] = []
    post_times: dict[str, datetime] = {}
    texts_to_check: list[list[str]] = []
    for index, members in enumerate(clusters):
        mine = number == index
        post_index = distinct(np.concatenate((first[mine], second[mine])))
        kind_counts = Counter(KINDS[int(kind)] for kind in kind_of[mine])
        times = batch.times[post_index]
        groups = Counter(int(text_groups[p]) for p in post_index.tolist() if text_groups[p] >= 0)
        texts = []
        for group, _ in groups.most_common(5):
            earliest = min((p for p in post_index.tolist() if text_groups[p] == group), key=lambda p: batch.times[p])
            texts.append(batch.texts[earliest])
        if not texts and len(post_index):
            texts.append(batch.texts[int(post_index[np.argmin(times)])])
        urls = Counter(url for p in post_index.tolist() for url in (post_links[p] if post_links else []))
        tags = Counter(tag for p in post_index.tolist() for tag in (post_tags[p] if post_tags else []))
        languages = Counter(_language(batch.langs[p], batch.texts[p]) for p in post_index.tolist())
        subgraph = graph.subgraph(members)
        ids = [batch.ids[p] for p in post_index.tolist()]
        for post_id, when in zip(ids, times.tolist(), strict=True):
            post_times[post_id] = datetime.fromtimestamp(when, UTC)
        texts_to_check.append(texts)
        campaigns.append(Campaign(
            id=_campaign_id(sorted(members)), accounts=sorted(members), posts=ids,
            start=datetime.fromtimestamp(int(times.min()), UTC), end=datetime.fromtimestamp(int(times.max()), UTC),
            representative_text=texts[0] if texts else "", texts=texts,
            urls=[url for url, _ in urls.most_common(10) if _ >= 2],
            hashtags=[tag for tag, _ in tags.most_common(10) if _ >= 2], languages=dict(languages.most_common()),
            co_actions=dict(kind_counts), edges=subgraph.number_of_edges(), density=nx.density(subgraph)))
    if fact_checks is not None:
        flat = [text for texts in texts_to_check for text in texts]
        found = list(fact_checks(flat)) if flat else []
        position = 0
        for index, texts in enumerate(texts_to_check):
            ids = list(dict.fromkeys(fc for matches in found[position:position + len(texts)] for fc in matches))
            position += len(texts)
            campaign = campaigns[index]
            campaigns[index] = Campaign(**{**campaign.__dict__, "fact_checks": ids})
    return campaigns, post_times


def _language(declared: str | None, text: str) -> str:
    if declared:
        return declared
    from jaga.text import detect_language

    return detect_language(text).code
