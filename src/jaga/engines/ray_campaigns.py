"""`jaga campaigns INPUT --engine ray`: campaign detection over inputs too large for one process.

The local engine (`jaga.campaigns.detect`) holds every post of the batch in one process: fine for a
few million, not for a platform's day. Here no process holds all posts; each stage holds one block
of the input or one hash partition of keys:

1. **Features** (one task per input split, read with Jaga's own readers): per post its account
   (64-bit hash of the pseudonym), time, raw-text hash, and its keys: LSH band buckets of the MinHash
   signature of its normalised text (once per distinct text in the block), normalised links (and the
   block's shortener evidence), hashtags and reply target. Band rows go out hash-partitioned by bucket.
2. **Near-duplicates**: each bucket partition links every text to its bucket's first text (the one
   first seen in the input, as the local engine orders them); the driver fetches the signatures of
   the linked texts from their blocks, keeps the links that agree on `threshold` of the signature,
   and labels texts by connected component. Only near-duplicate texts come to the driver.
3. **Co-actions**: each block turns its posts into (key, post, account, time) rows (text group,
   expanded link, hashtag, reply target), hash-partitioned by key; each partition runs the local
   engine's `_window_pairs` (the one definition of a co-action) and sends the post pairs on,
   partitioned by account pair; each account-pair partition runs the local `_weights`.
4. **Network** (driver): the edges of at least `min_weight` (small), the local `_clusters`; then
   ownership of keys, attachment of one-time co-actors and the descriptions, each a pass over the
   partitions that returns only what touches the campaigns, then the local `_owners` rule,
   `joins` and `_describe` on the campaigns' own posts (read again from their splits).

The result is the local engine's, campaign for campaign (tests/campaigns/test_ray_campaigns.py):
texts are ordered by the input line of their first post, as the local engine numbers them, and the
account network is built in the same order. Keys, texts and accounts travel as 64-bit hashes
(kind-tagged for keys); a collision among ~10^7 values has odds of ~10^-5 and would merge two keys.

Reading the splits needs the input at the same path on every node (a shared file system) when the
cluster has more than one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import resource
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from jaga.campaigns.detect import (
    ATTACH_MIN_MEMBERS,
    KINDS,
    Campaign,
    CampaignResult,
    FactCheckLookup,
    PostBatch,
    _clusters,
    _describe,
    _weights,
    _window_pairs,
    check_settings,
    crossings,
    expand_links,
    joined_pairs,
    joins,
    kind_counts,
    post_hashtags,
)
from jaga.campaigns.features import links, matching_text, merge_evidence, shortener_evidence
from jaga.campaigns.minhash import DEFAULT_LSH, LshParams, agree, band_keys, distinct, signatures, usable_texts
from jaga.engines.ray import LOOPBACK_ENV, _split_records, _use_key, plan_splits
from jaga.privacy import pseudonym_key
from jaga.types import Post

logger = logging.getLogger(__name__)

SPLIT_BYTES = 64 << 20
"""An input split (JSONL bytes; Parquet rows at ~1 KB a row): 64k posts of Parquet. Each split is one
feature task, read `CHUNK` posts at a time, so a worker holds one chunk of posts, not the split."""
CHUNK = 20_000
"""Posts read and turned into features at once inside a task."""
KIND_SHIFT = 60
"""A key is its kind (the index in `KINDS`) in bits 60-61 and a value below 2^60."""
VALUE_MASK = (1 << KIND_SHIFT) - 1
UNLINKED = 1 << 59
"""Text keys: a near-duplicate group's label (< 2^59), or a text linked to no other, by its own hash."""
HASH_MASK = (1 << 62) - 1
_SPREAD = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class _Settings:
    window: int
    min_weight: int
    max_accounts_per_key: int
    kinds: tuple[str, ...]
    lsh: LshParams
    min_chars: int
    partitions: int
    chunk: int


def _hash(value: str) -> int:
    """A stable 62-bit hash (never Python's `hash`, which differs between processes)."""
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") & HASH_MASK


def _hashes(values: Iterable[str]) -> np.ndarray:
    return np.fromiter((_hash(value) for value in values), dtype=np.int64)


def _key(kind: str, values: np.ndarray) -> np.ndarray:
    return (values & VALUE_MASK) | (KINDS.index(kind) << KIND_SHIFT)


def _peak_mb() -> float:
    """This process's peak RSS (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _partition(values: np.ndarray, parts: int) -> np.ndarray:
    """The partition of each int64 value (keys and hashes are spread first: text labels are small)."""
    spread = (np.ascontiguousarray(values, dtype=np.int64).view(np.uint64) * _SPREAD) >> np.uint64(40)
    return (spread % np.uint64(parts)).astype(np.int64)


def _split_columns(columns: dict[str, np.ndarray], part: np.ndarray, parts: int) -> list[dict[str, np.ndarray]]:
    """Rows cut into `parts` shards by `part` (one sort, then slices)."""
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    ordered = {name: column[order] for name, column in columns.items()}
    return [{name: column[bounds[i]:bounds[i + 1]] for name, column in ordered.items()} for i in range(parts)]


def _concat(shards: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([shard[name] for shard in shards]) for name in shards[0]}


def _pair_partition(a: np.ndarray, b: np.ndarray, parts: int) -> np.ndarray:
    low, high = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    return _partition((low * _SPREAD + high).view(np.int64), parts)


# -- stage 1: features per split ----------------------------------------------------------------------

def _chunks(records: Iterator[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _features(split: dict[str, Any], settings: _Settings, key: bytes) -> list[Any]:
    """A split's posts as compact columns (kept in the object store) and its LSH band rows, cut into
    partitions by bucket. Returns [summary, data, band shard 0, ..., band shard P-1]."""
    _use_key(key)
    lsh, kinds = settings.lsh, settings.kinds
    columns: dict[str, list[np.ndarray]] = {name: [] for name in (
        "lines", "authors", "times", "text_hash", "usable", "url_line", "url_key", "tag_line", "tag_key",
        "reply_line", "reply_key", "sig_hash", "sigs", "band", "band_key", "band_text", "band_line")}
    names: dict[int, tuple[str, int]] = {}
    seen_texts: set[int] = set()
    evidence: dict[str, str | None] = {}
    skipped: list[tuple[str, str]] = []
    rejects: list[dict[str, Any]] = []
    record_lines: list[int] = []
    for chunk in _chunks(_split_records(split, strict=False), settings.chunk):
        posts: list[Post] = []
        post_lines: list[int] = []
        for record in chunk:
            record_lines.append(record.line)
            if record.post is None:
                rejects.append(record.reject_json())
                continue
            posts.append(record.post)
            if record.post.author_id and record.post.created_at is not None:  # as `PostBatch.from_posts` keeps
                post_lines.append(record.line)
        batch = PostBatch.from_posts(posts)
        skipped.extend(batch.skipped)
        if not len(batch):
            continue
        lines = np.array(post_lines, dtype=np.int64)
        author_hash = np.empty(len(batch), dtype=np.int64)
        for index, author in enumerate(batch.authors):
            value = _hash(author)
            author_hash[index] = value
            if value not in names:
                names[value] = (author, int(lines[index]))
        columns["lines"].append(lines)
        columns["authors"].append(author_hash)
        columns["times"].append(batch.times)
        distinct_texts: dict[str, int] = {}
        post_text = np.fromiter((distinct_texts.setdefault(text, len(distinct_texts)) for text in batch.texts),
                                dtype=np.int64, count=len(batch))
        texts = list(distinct_texts)
        text_hash = _hashes(texts)
        usable = np.zeros(len(texts), dtype=bool)
        if "text" in kinds:
            keys = [matching_text(text) for text in texts]
            usable = usable_texts(keys, settings.min_chars)
            _, first_post = np.unique(post_text, return_index=True)
            new = np.array([bool(usable[i]) and int(text_hash[i]) not in seen_texts for i in range(len(texts))],
                           dtype=bool)
            seen_texts.update(text_hash[usable].tolist())
            fresh = np.flatnonzero(new)
            if len(fresh):
                signature = signatures([keys[i] for i in fresh.tolist()], lsh)
                columns["sig_hash"].append(text_hash[fresh])
                columns["sigs"].append(signature)
                for band in range(lsh.bands):
                    columns["band"].append(np.full(len(fresh), band, dtype=np.int8))
                    columns["band_key"].append(band_keys(signature, lsh, band).view(np.int64))
                    columns["band_text"].append(text_hash[fresh])
                    columns["band_line"].append(lines[first_post[fresh]])
        columns["text_hash"].append(text_hash[post_text])
        columns["usable"].append(usable[post_text])
        if "url" in kinds:
            post_links = [links(text, declared) for text, declared in zip(batch.texts, batch.urls, strict=True)]
            shortener_evidence(post_links, evidence)
            _rows(columns, "url", lines, post_links)
        if "hashtag" in kinds:
            _rows(columns, "tag", lines, post_hashtags(batch.texts, batch.hashtags), "hashtag")
        if "reply" in kinds:
            _rows(columns, "reply", lines, [[target] if target else [] for target in batch.reply_to])
    data = {name: _joined(name, parts, lsh.num_perm) for name, parts in columns.items()}
    bands = {name: data.pop(name) for name in ("band", "band_key", "band_text", "band_line")}
    data["name_hash"] = np.array(list(names), dtype=np.int64)
    data["name_line"] = np.array([line for _, line in names.values()], dtype=np.int64)
    data["names"] = np.array([name for name, _ in names.values()], dtype=object)
    order = np.argsort(data["sig_hash"], kind="stable")
    data["sig_hash"], data["sigs"] = data["sig_hash"][order], data["sigs"][order]
    shards = _split_columns(bands, _partition(bands["band_key"], settings.partitions), settings.partitions)
    summary = {"posts": len(data["lines"]), "skipped": skipped, "rejects": rejects, "evidence": evidence,
               "first_line": min(record_lines, default=int(split.get("first_line", split.get("start", 0) + 1))),
               "band_rows": len(bands["band"]), "peak_mb": _peak_mb()}
    return [summary, data, *shards]


def _rows(columns: dict[str, list[np.ndarray]], prefix: str, lines: np.ndarray, values: list[list[str]],
          kind: str | None = None) -> None:
    counts = np.fromiter((len(value) for value in values), dtype=np.int64, count=len(values))
    columns[f"{prefix}_line"].append(np.repeat(lines, counts))
    columns[f"{prefix}_key"].append(_key(kind or prefix, _hashes(item for value in values for item in value)))


def _joined(name: str, parts: list[np.ndarray], num_perm: int) -> np.ndarray:
    if parts:
        return np.concatenate(parts)
    if name == "sigs":
        return np.empty((0, num_perm), dtype=np.uint32)
    return np.empty(0, dtype=np.int8 if name == "band" else bool if name == "usable" else np.int64)


# -- stage 2: near-duplicate links --------------------------------------------------------------------

def _bucket_links(starts: np.ndarray, parts: int, *shards: dict[str, np.ndarray]) -> list[Any]:
    """Each text linked to its bucket's first text (the earliest line), per band: what
    `minhash.candidate_links` does within one process. Returns [summary, links cut by the block
    group of their first text, 0 ... P-1]."""
    rows = _concat(shards)
    band, key, text, line = rows["band"], rows["band_key"], rows["band_text"], rows["band_line"]
    # one row per (band, bucket, text): the earliest line the text was seen on
    order = np.lexsort((line, text, key, band))
    band, key, text, line = band[order], key[order], text[order], line[order]
    new = np.ones(len(band), dtype=bool)
    new[1:] = (band[1:] != band[:-1]) | (key[1:] != key[:-1]) | (text[1:] != text[:-1])
    band, key, text, line = band[new], key[new], text[new], line[new]
    order = np.lexsort((line, key, band))
    band, key, text, line = band[order], key[order], text[order], line[order]
    new_run = np.ones(len(band), dtype=bool)
    new_run[1:] = (band[1:] != band[:-1]) | (key[1:] != key[:-1])
    run_first = np.flatnonzero(new_run)[np.cumsum(new_run) - 1]
    linked = ~new_run
    found = {"first": text[run_first][linked], "other": text[linked], "first_line": line[run_first][linked],
             "other_line": line[linked]}
    # the same pair from several bands once
    order = np.lexsort((found["other"], found["first"]))
    found = {name: column[order] for name, column in found.items()}
    keep = np.ones(len(order), dtype=bool)
    keep[1:] = (found["first"][1:] != found["first"][:-1]) | (found["other"][1:] != found["other"][:-1])
    found = {name: column[keep] for name, column in found.items()}
    group = _block_of(starts, found["first_line"]) % parts
    summary = {"links": len(found["first"]), "peak_mb": _peak_mb()}
    return [summary, *_split_columns(found, group, parts)]


def _block_of(starts: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """The block (input split) holding each line."""
    return np.searchsorted(starts, lines, side="right") - 1


def _signatures_of(starts: np.ndarray, blocks: dict[int, dict[str, Any]], text: np.ndarray, line: np.ndarray,
                   lsh: LshParams) -> np.ndarray:
    """Signatures of texts, each from the block of the line it was first seen on (which holds it)."""
    found = np.zeros((len(text), lsh.num_perm), dtype=np.uint32)
    block = _block_of(starts, line)
    for number, data in blocks.items():
        mine = block == number
        found[mine] = data["sigs"][np.searchsorted(data["sig_hash"], text[mine])]
    return found


def _group_blocks(starts: np.ndarray, parts: int, group: int, refs: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """The blocks of a group (block % parts == group), from the task's arguments, by number."""
    return dict(zip(range(group, len(starts), parts), refs, strict=True))


def _first_signatures(starts: np.ndarray, parts: int, group: int, lsh: LshParams, blocks: int,
                      *refs: Any) -> list[Any]:
    """Round 1 of the check: links whose first text is in this group's blocks get its signature,
    and go on cut by the block group of the other text."""
    data = _group_blocks(starts, parts, group, refs[:blocks])
    found = _concat(refs[blocks:])
    found["signature"] = _signatures_of(starts, data, found["first"], found["first_line"], lsh)
    return _split_columns(found, _block_of(starts, found["other_line"]) % parts, parts)


def _checked_links(starts: np.ndarray, parts: int, group: int, lsh: LshParams, blocks: int,
                   *refs: Any) -> dict[str, Any]:
    """Round 2: the links whose signatures agree (`minhash.agree`, as in `group_texts`)."""
    data = _group_blocks(starts, parts, group, refs[:blocks])
    found = _concat(refs[blocks:])
    keep = agree(found["signature"], _signatures_of(starts, data, found["other"], found["other_line"], lsh), lsh)
    return {"first": found["first"][keep], "other": found["other"][keep], "peak_mb": _peak_mb()}


# -- stage 3: co-actions ------------------------------------------------------------------------------

def _key_rows(data: dict[str, Any], labels: dict[str, np.ndarray], expansions: dict[str, np.ndarray],
              settings: _Settings) -> list[dict[str, np.ndarray]]:
    """The block's (key, line, account, time) rows, cut into partitions by key."""
    lines, keys = [], []
    if "text" in settings.kinds:
        usable = data["usable"]
        lines.append(data["lines"][usable])
        keys.append(_key("text", _text_values(data["text_hash"][usable], labels)))
    if "url" in settings.kinds:
        url_line, url_key = data["url_line"], data["url_key"]
        if len(expansions["short"]):
            position = np.minimum(np.searchsorted(expansions["short"], url_key), len(expansions["short"]) - 1)
            hit = expansions["short"][position] == url_key
            url_key = np.where(hit, expansions["full"][position], url_key)
            order = np.lexsort((url_key, url_line))  # a post showing a short link and its expansion: one key
            url_line, url_key = url_line[order], url_key[order]
            keep = np.ones(len(url_key), dtype=bool)
            keep[1:] = (url_line[1:] != url_line[:-1]) | (url_key[1:] != url_key[:-1])
            url_line, url_key = url_line[keep], url_key[keep]
        lines.append(url_line)
        keys.append(url_key)
    for prefix, kind in (("tag", "hashtag"), ("reply", "reply")):
        if kind in settings.kinds:
            lines.append(data[f"{prefix}_line"])
            keys.append(data[f"{prefix}_key"])
    line = np.concatenate(lines) if lines else np.empty(0, dtype=np.int64)
    key = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    post = np.searchsorted(data["lines"], line)
    columns = {"line": line, "key": key, "author": data["authors"][post], "time": data["times"][post]}
    return _split_columns(columns, _partition(key, settings.partitions), settings.partitions)


def _text_values(text_hash: np.ndarray, labels: dict[str, np.ndarray]) -> np.ndarray:
    """The text key's value of each text: its near-duplicate group's label, or for a text linked to
    no other, its own hash (posts of the same text still share it)."""
    value = UNLINKED | (text_hash & (UNLINKED - 1))
    if len(labels["text"]):
        position = np.minimum(np.searchsorted(labels["text"], text_hash), len(labels["text"]) - 1)
        value = np.where(labels["text"][position] == text_hash, labels["label"][position], value)
    return value


def _co_actions(settings: _Settings, *shards: dict[str, np.ndarray]) -> list[Any]:
    """One key partition: the local engine's `_window_pairs` over its keys. Returns [summary, key users
    (key, account) of keys with two accounts or more, pair shard 0, ..., pair shard P-1]."""
    rows = _concat(shards)
    line, key, author, when = rows["line"], rows["key"], rows["author"], rows["time"]
    keys, key_dense = np.unique(key, return_inverse=True)
    accounts, account_dense = np.unique(author, return_inverse=True)
    users = distinct(key_dense * len(accounts) + account_dense)
    user_keys = users // max(len(accounts), 1)
    per_key = np.bincount(user_keys, minlength=len(keys))
    shared_by_two = per_key[user_keys] >= 2
    key_users = {"key": keys[user_keys[shared_by_two]], "author": accounts[(users % max(len(accounts), 1))[shared_by_two]]}
    first, second, shared, too_common = _window_pairs(np.arange(len(line)), key_dense, when, account_dense,
                                                      settings.window, settings.max_accounts_per_key)
    swap = line[first] > line[second]
    low, high = np.where(swap, second, first), np.where(swap, first, second)
    pairs = {"low": line[low], "high": line[high], "a_low": author[low], "a_high": author[high],
             "shared": keys[shared]}
    parts = _split_columns(pairs, _pair_partition(pairs["a_low"], pairs["a_high"], settings.partitions),
                           settings.partitions)
    summary = {"rows": len(line), "keys": len(keys), "pairs": len(first), "too_common": too_common,
               "peak_mb": _peak_mb()}
    return [summary, key_users, *parts]


def _edges(min_weight: int, *shards: dict[str, np.ndarray]) -> list[Any]:
    """One account-pair partition: the local engine's `_weights`. Returns [edges of `min_weight`,
    every edge] as columns: a, b (account hashes, a < b), weight and one count per kind."""
    rows = _concat(shards)
    posts = distinct(np.concatenate((rows["low"], rows["high"])))
    accounts = distinct(np.concatenate((rows["a_low"], rows["a_high"])))
    total, size = np.int64(max(len(posts), 1)), max(len(accounts), 1)
    low, high = np.searchsorted(posts, rows["low"]), np.searchsorted(posts, rows["high"])
    authors = np.zeros(len(posts), dtype=np.int64)
    authors[low] = np.searchsorted(accounts, rows["a_low"])
    authors[high] = np.searchsorted(accounts, rows["a_high"])
    pairs = low * total + high
    edges, weights, row_pair = _weights(pairs, rows["shared"], authors, total, size)
    counts = kind_counts(edges, pairs, (rows["shared"] >> KIND_SHIFT).astype(np.int8), row_pair)
    table = {"a": accounts[edges // size], "b": accounts[edges % size], "weight": weights}
    for kind in KINDS:
        found = counts.get(kind, {})
        table[kind] = np.fromiter((found.get(edge, 0) for edge in edges.tolist()), dtype=np.int64, count=len(edges))
    strong = weights >= min_weight
    return [{**{name: column[strong] for name, column in table.items()}, "peak_mb": _peak_mb()}, table]


# -- stage 4: passes that return only what touches the campaigns --------------------------------------

def _names_of(data: dict[str, Any], wanted: np.ndarray) -> dict[str, Any]:
    """(hash, name, first line in this block) of the wanted accounts this block saw."""
    hit = np.isin(data["name_hash"], wanted)
    return {"hash": data["name_hash"][hit], "name": data["names"][hit].tolist(), "line": data["name_line"][hit]}


def _member_lookup(values: np.ndarray, members: np.ndarray, numbers: np.ndarray) -> np.ndarray:
    """The campaign of each account hash in `values` (-1: none); `members` sorted. (Also keys to
    the campaign owning them.)"""
    if not len(members):
        return np.full(len(values), -1, dtype=np.int64)
    position = np.minimum(np.searchsorted(members, values), len(members) - 1)
    return np.where(members[position] == values, numbers[position], -1)


def _owned(key_users: dict[str, np.ndarray], members: np.ndarray, numbers: np.ndarray,
           clusters: int) -> dict[str, np.ndarray]:
    """Keys a campaign owns (see `detect._owners`): its members are more than half the key's
    accounts, and at least two."""
    keys, key_index, users = np.unique(key_users["key"], return_inverse=True, return_counts=True)
    cluster = _member_lookup(key_users["author"], members, numbers)
    member = cluster >= 0
    count = max(clusters, 1)
    combined, counts = np.unique(key_index[member] * count + cluster[member], return_counts=True)
    index, number = combined // count, combined % count
    owned = (counts * 2 > users[index]) & (counts >= 2)
    return {"key": keys[index[owned]], "cluster": number[owned]}


def _crossing_rows(members: np.ndarray, numbers: np.ndarray, owned_keys: np.ndarray, owners: np.ndarray,
                   *shards: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Co-actions between a campaign's member and an outsider through the campaign's own key."""
    rows = _concat(shards)
    owner = _member_lookup(rows["shared"], owned_keys, owners)  # the same lookup: key -> owning campaign
    outsider, member, campaign = crossings(rows["a_low"], rows["a_high"], _member_lookup(rows["a_low"], members, numbers),
                                           _member_lookup(rows["a_high"], members, numbers), owner)
    return {"outsider": outsider, "member": member, "campaign": campaign}


def _edges_of(table: dict[str, np.ndarray], a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """The rows of `table` for the account pairs (a, b), a < b."""
    wanted = {(int(x), int(y)) for x, y in zip(a.tolist(), b.tolist(), strict=True)}
    hit = np.fromiter(((x, y) in wanted for x, y in zip(table["a"].tolist(), table["b"].tolist(), strict=True)),
                      dtype=bool, count=len(table["a"]))
    return {name: column[hit] for name, column in table.items()}


def _inside(members: np.ndarray, numbers: np.ndarray, edge_a: np.ndarray, edge_b: np.ndarray,
            *shards: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Co-actions inside a campaign along an edge of the network (what `_describe` reads)."""
    rows = _concat(shards)
    ca, cb = _member_lookup(rows["a_low"], members, numbers), _member_lookup(rows["a_high"], members, numbers)
    inside = np.flatnonzero((ca >= 0) & (ca == cb))
    edges = {(int(x), int(y)) for x, y in zip(edge_a.tolist(), edge_b.tolist(), strict=True)}
    a, b = rows["a_low"][inside], rows["a_high"][inside]
    keep = np.fromiter(((min(x, y), max(x, y)) in edges for x, y in zip(a.tolist(), b.tolist(), strict=True)),
                       dtype=bool, count=len(inside))
    chosen = inside[keep]
    return {"low": rows["low"][chosen], "high": rows["high"][chosen],
            "kind": (rows["shared"][chosen] >> KIND_SHIFT).astype(np.int64)}


def _posts_at(split: dict[str, Any], wanted: np.ndarray, key: bytes) -> list[tuple[int, Post]]:
    """The posts on the wanted lines of a split, read again (the campaigns' own posts)."""
    _use_key(key)
    wanted_lines = set(wanted.tolist())
    return [(record.line, record.post) for record in _split_records(split, strict=False)
            if record.line in wanted_lines and record.post is not None]


# -- driver -------------------------------------------------------------------------------------------

def start_ray(address: str | None, workers: int) -> bool:
    """Connect to `address`, or start a local Ray on loopback with `workers` CPUs; whether this call
    started it (and so must stop it)."""
    import ray

    for name, value in LOOPBACK_ENV.items():
        os.environ.setdefault(name, value)
    if ray.is_initialized():
        return False
    if address is None:
        ray.init(num_cpus=workers, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
                 configure_logging=False)
    else:
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    return True


@dataclass
class RayCampaignRun:
    """What a Ray run returns beside the result: the records the readers set aside, and the peak
    memory of the driver and of the busiest worker."""

    result: CampaignResult
    rejects: list[dict[str, Any]]
    driver_peak_mb: float
    worker_peak_mb: float


def detect_campaigns_ray(input_path: str, window: timedelta = timedelta(minutes=10), min_weight: int = 2,
                         min_accounts: int = 3, kinds: Sequence[str] = KINDS, lsh: LshParams = DEFAULT_LSH,
                         min_chars: int = 20, max_accounts_per_key: int = 2_000, communities: bool = False,
                         attach: float = 0.5, own_keys: bool = True, fact_checks: FactCheckLookup | None = None,
                         *, input_format: str | None = None, address: str | None = None, workers: int = 2,
                         partitions: int | None = None, split_bytes: int = SPLIT_BYTES,
                         chunk: int = CHUNK) -> RayCampaignRun:
    """`detect_campaigns` over the posts of `input_path` (JSONL, CSV or Parquet) on Ray: the same
    settings, the same campaigns (see the module's docstring for the plan).

    `address`: a Ray cluster ("auto", "ray://head:10001"); None starts a local Ray on loopback with
    `workers` CPUs and stops it at the end, unless Ray is already running in this process.
    `partitions`: hash partitions of buckets, keys and account pairs (default: 4 per worker, at least
    8, and one per two input splits, so that a partition stays near 130k posts; at least 2 in any case)."""
    import ray

    settings_json = check_settings(window, min_weight, min_accounts, kinds, lsh, min_chars, max_accounts_per_key,
                                   communities, attach, own_keys)
    if workers < 1:
        raise ValueError("workers must be at least 1")
    splits = plan_splits(input_path, input_format, batch_size=1024, split_bytes=split_bytes)
    # a partition's memory grows with the input: ~3 GB for 250k posts a partition was measured
    parts = max(2, partitions or max(8, 4 * workers, len(splits) // 2))
    settings = _Settings(settings_json["window_seconds"], min_weight, max_accounts_per_key, tuple(kinds), lsh,
                         min_chars, parts, chunk)
    key = pseudonym_key()
    started = start_ray(address, workers)
    try:
        return _run(ray, splits, settings, settings_json, key, min_accounts, communities, attach, own_keys,
                    fact_checks)
    finally:
        if started:
            ray.shutdown()


def _run(ray: Any, splits: list[dict[str, Any]], settings: _Settings, settings_json: dict[str, Any], key: bytes,
         min_accounts: int, communities: bool, attach: float, own_keys: bool,
         fact_checks: FactCheckLookup | None) -> RayCampaignRun:
    parts = settings.partitions
    remote = _Remote(ray)
    seconds: dict[str, float] = {}
    worker_peak = 0.0
    clock = time.perf_counter()

    # 1. features per split
    outputs = [remote(_features).options(num_returns=parts + 2).remote(split, settings, key) for split in splits]
    summaries = ray.get([output[0] for output in outputs])
    data = [output[1] for output in outputs]
    band_shards = [output[2:] for output in outputs]
    del outputs
    rejects = [reject for summary in summaries for reject in summary["rejects"]]
    skipped = [item for summary in summaries for item in summary["skipped"]]
    evidence: dict[str, str | None] = {}
    for summary in summaries:
        merge_evidence(evidence, summary["evidence"])
    expand = {short: full for short, full in evidence.items() if full is not None}
    starts = np.array([summary["first_line"] for summary in summaries], dtype=np.int64)
    worker_peak = max([worker_peak, *(summary["peak_mb"] for summary in summaries)])
    posts = sum(summary["posts"] for summary in summaries)
    stats: dict[str, Any] = {"engine": "ray", "partitions": parts, "splits": len(splits), "posts": posts,
                             "skipped": len(skipped), "band_rows": sum(summary["band_rows"] for summary in summaries)}
    seconds["features"] = time.perf_counter() - clock
    if posts == 0:
        return RayCampaignRun(CampaignResult([], nx.Graph(), settings_json, {**stats, "edges": 0}, skipped),
                              rejects, _peak_mb(), worker_peak)

    # 2. near-duplicate links, checked against the signatures where they are, labelled by component
    clock = time.perf_counter()
    found = [remote(_bucket_links).options(num_returns=parts + 1).remote(starts, parts, *[shards[r] for shards in
                                                                                        band_shards])
             for r in range(parts)]
    del band_shards  # the object store may free the band rows now
    link_summaries = ray.get([output[0] for output in found])
    stats["candidate_links"] = sum(item["links"] for item in link_summaries)
    worker_peak = max([worker_peak, *(item["peak_mb"] for item in link_summaries)])
    groups = [list(range(group, len(splits), parts)) for group in range(parts)]
    firsts = [remote(_first_signatures).options(num_returns=parts).remote(
        starts, parts, group, settings.lsh, len(groups[group]), *[data[block] for block in groups[group]],
        *[output[1 + group] for output in found]) for group in range(parts)]
    del found
    checked = ray.get([remote(_checked_links).remote(starts, parts, group, settings.lsh, len(groups[group]),
                                                     *[data[block] for block in groups[group]],
                                                     *[output[group] for output in firsts])
                       for group in range(parts)])
    del firsts
    worker_peak = max([worker_peak, *(item["peak_mb"] for item in checked)])
    first = np.concatenate([item["first"] for item in checked])
    other = np.concatenate([item["other"] for item in checked])
    labels = {"text": np.empty(0, dtype=np.int64), "label": np.empty(0, dtype=np.int64)}
    if len(first):
        nodes = distinct(np.concatenate((first, other)))
        matrix = coo_matrix((np.ones(len(first), dtype=np.int8),
                             (np.searchsorted(nodes, first), np.searchsorted(nodes, other))),
                            shape=(len(nodes), len(nodes)))
        _, label = connected_components(matrix, directed=False)
        labels = {"text": nodes, "label": label.astype(np.int64)}
    stats["near_duplicate_links"] = len(first)
    seconds["near_duplicates"] = time.perf_counter() - clock

    # 3. co-actions: keys partitioned by key, post pairs by account pair
    clock = time.perf_counter()
    short = {"short": _key("url", _hashes(expand)), "full": _key("url", _hashes(expand.values()))}
    order = np.argsort(short["short"])
    expansions = ray.put({name: column[order] for name, column in short.items()})
    labels_ref = ray.put(labels)
    key_shards = [remote(_key_rows).options(num_returns=parts).remote(block, labels_ref, expansions, settings)
                  for block in data]
    reduced = [remote(_co_actions).options(num_returns=parts + 2).remote(
        settings, *[shards[r] for shards in key_shards]) for r in range(parts)]
    key_summaries = ray.get([output[0] for output in reduced])
    key_users = [output[1] for output in reduced]
    pair_shards = [[output[2 + r] for output in reduced] for r in range(parts)]
    del key_shards
    worker_peak = max([worker_peak, *(summary["peak_mb"] for summary in key_summaries)])
    stats["key_rows"] = sum(summary["rows"] for summary in key_summaries)
    stats["co_action_rows"] = sum(summary["pairs"] for summary in key_summaries)
    stats["keys_too_common"] = sum(summary["too_common"] for summary in key_summaries)
    stats["shorteners_expanded"] = len(expand)
    edge_outputs = [remote(_edges).options(num_returns=2).remote(settings.min_weight, *pair_shards[r])
                    for r in range(parts)]
    strong_parts = ray.get([output[0] for output in edge_outputs])
    tables = [output[1] for output in edge_outputs]
    worker_peak = max([worker_peak, *(part.pop("peak_mb") for part in strong_parts)])
    strong = {name: np.concatenate([part[name] for part in strong_parts]) for name in strong_parts[0]}
    seconds["co_actions"] = time.perf_counter() - clock

    # 4. the network and its campaigns, on the driver
    clock = time.perf_counter()
    accounts = _Accounts(ray, remote, data)
    accounts.resolve(np.concatenate((strong["a"], strong["b"])))
    graph: nx.Graph[str] = nx.Graph()
    accounts.add_edges(graph, strong)
    stats["edges"] = graph.number_of_edges()
    stats["network_accounts"] = graph.number_of_nodes()
    clusters = _clusters(graph, min_accounts, communities)
    if clusters and (own_keys or attach):
        members, numbers = accounts.membership(clusters)
        owned = _gather(ray.get([remote(_owned).remote(users, members, numbers, len(clusters))
                                 for users in key_users]), ("key", "cluster"))
        if own_keys:
            owning = sorted(set(owned["cluster"].tolist()))
            stats["clusters_without_own_key"] = len(clusters) - len(owning)
            renumber = np.full(len(clusters), -1, dtype=np.int64)
            renumber[owning] = np.arange(len(owning))
            clusters = [clusters[number] for number in owning]
            owned = {"key": owned["key"], "cluster": renumber[owned["cluster"]]}
        if attach and clusters:
            before = graph.number_of_nodes()
            clusters = _attach_ray(ray, remote, accounts, graph, clusters, owned, pair_shards, tables, attach,
                                   max(min_accounts, ATTACH_MIN_MEMBERS))
            stats["attached_accounts"] = graph.number_of_nodes() - before
    del key_users, tables
    campaigns: list[Campaign] = []
    post_times: dict[str, datetime] = {}
    if clusters:
        campaigns, post_times = _describe_ray(ray, remote, accounts, graph, clusters, pair_shards, splits, starts,
                                              labels, expand, settings, key, fact_checks)
    seconds["network_campaigns"] = time.perf_counter() - clock
    stats["seconds"] = {stage: round(value, 3) for stage, value in seconds.items()}
    stats["campaigns"] = len(campaigns)
    stats["campaign_accounts"] = sum(len(campaign.accounts) for campaign in campaigns)
    stats["campaign_posts"] = sum(len(campaign.posts) for campaign in campaigns)
    result = CampaignResult(campaigns, graph, settings_json, stats, skipped, post_times)
    return RayCampaignRun(result, rejects, _peak_mb(), worker_peak)


class _Remote:
    """Each task function made remote once per run (one CPU each; retried when a worker dies)."""

    def __init__(self, ray: Any) -> None:
        self.ray = ray
        self.made: dict[Any, Any] = {}

    def __call__(self, function: Any) -> Any:
        if function not in self.made:
            self.made[function] = self.ray.remote(num_cpus=1, max_retries=2)(function)
        return self.made[function]


def _gather(parts: list[dict[str, np.ndarray]], names: Sequence[str]) -> dict[str, np.ndarray]:
    return {name: np.concatenate([part[name] for part in parts]) if parts else np.empty(0, dtype=np.int64)
            for name in names}


class _Accounts:
    """Names and first lines of the accounts the driver needs (those of the network), fetched from
    the blocks that saw them. The first line orders accounts as the local engine numbers them."""

    def __init__(self, ray: Any, remote: Any, data: list[Any]) -> None:
        self.ray, self.remote, self.data = ray, remote, data
        self.name: dict[int, str] = {}
        self.line: dict[int, int] = {}

    def resolve(self, hashes: np.ndarray) -> None:
        wanted = distinct(hashes)
        wanted = wanted[~np.isin(wanted, np.fromiter(self.name, dtype=np.int64, count=len(self.name)))]
        if not len(wanted):
            return
        for part in self.ray.get([self.remote(_names_of).remote(block, wanted) for block in self.data]):
            for value, name, line in zip(part["hash"].tolist(), part["name"], part["line"].tolist(), strict=True):
                self.name[value] = name
                self.line[value] = min(line, self.line.get(value, line))

    def add_edges(self, graph: nx.Graph[str], table: dict[str, np.ndarray]) -> None:
        """Edges in the order the local engine adds them: by the first line of the lower account."""
        low = np.array([self.line[value] for value in table["a"].tolist()], dtype=np.int64)
        high = np.array([self.line[value] for value in table["b"].tolist()], dtype=np.int64)
        a, b = np.where(low <= high, table["a"], table["b"]), np.where(low <= high, table["b"], table["a"])
        for index in np.lexsort((np.maximum(low, high), np.minimum(low, high))).tolist():
            graph.add_edge(self.name[int(a[index])], self.name[int(b[index])], weight=int(table["weight"][index]),
                           **{kind: int(table[kind][index]) for kind in KINDS})

    def membership(self, clusters: list[set[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(member hashes sorted, campaign number of each)."""
        by_name = {name: value for value, name in self.name.items()}
        pairs = sorted((by_name[member], number) for number, members in enumerate(clusters) for member in members)
        return (np.array([value for value, _ in pairs], dtype=np.int64),
                np.array([number for _, number in pairs], dtype=np.int64))


def _attach_ray(ray: Any, remote: Any, accounts: _Accounts, graph: nx.Graph[str], clusters: list[set[str]],
                owned: dict[str, np.ndarray], pair_shards: list[list[Any]], tables: list[Any], fraction: float,
                min_members: int) -> list[set[str]]:
    """`detect._attach` over the partitions: the crossing co-actions come to the driver, the rest
    is the local engine's `joins` and `joined_pairs`."""
    members, numbers = accounts.membership(clusters)
    order = np.argsort(owned["key"])
    owned_keys, owners = owned["key"][order], owned["cluster"][order]
    rows = _gather(ray.get([remote(_crossing_rows).remote(members, numbers, owned_keys, owners, *shards)
                            for shards in pair_shards]), ("outsider", "member", "campaign"))
    ids = distinct(np.concatenate((rows["outsider"], rows["member"])))
    size = max(len(ids), 1)
    outsider, member = np.searchsorted(ids, rows["outsider"]), np.searchsorted(ids, rows["member"])
    best = joins(outsider, member, rows["campaign"], [len(group) for group in clusters], size, fraction, min_members)
    if not best:
        return clusters
    pairs = joined_pairs(outsider, member, rows["campaign"], best, len(clusters), size)
    a, b = ids[pairs // size], ids[pairs % size]
    accounts.resolve(np.concatenate((a, b)))
    grown = [set(group) for group in clusters]
    for account, number in best.items():
        grown[number].add(accounts.name[int(ids[account])])
    low, high = np.minimum(a, b), np.maximum(a, b)
    found = _gather(ray.get([remote(_edges_of).remote(table, low, high) for table in tables]),
                    ("a", "b", "weight", *KINDS))
    accounts.add_edges(graph, found)
    return grown


def _describe_ray(ray: Any, remote: Any, accounts: _Accounts, graph: nx.Graph[str], clusters: list[set[str]],
                  pair_shards: list[list[Any]], splits: list[dict[str, Any]], starts: np.ndarray,
                  labels: dict[str, np.ndarray], expand: dict[str, str], settings: _Settings, key: bytes,
                  fact_checks: FactCheckLookup | None) -> tuple[list[Campaign], dict[str, datetime]]:
    """The local `_describe` over the campaigns' own posts: the co-actions inside them come to the
    driver and their posts are read again from their splits."""
    members, numbers = accounts.membership(clusters)
    by_name = {name: value for value, name in accounts.name.items()}
    edge_a, edge_b = [], []
    for u, v in graph.edges():
        x, y = by_name[u], by_name[v]
        edge_a.append(min(x, y))
        edge_b.append(max(x, y))
    ea, eb = np.array(edge_a, dtype=np.int64), np.array(edge_b, dtype=np.int64)
    rows = _gather(ray.get([remote(_inside).remote(members, numbers, ea, eb, *shards) for shards in pair_shards]),
                   ("low", "high", "kind"))
    wanted = distinct(np.concatenate((rows["low"], rows["high"])))
    blocks = np.searchsorted(starts, wanted, side="right") - 1
    found: list[tuple[int, Post]] = []
    for part in ray.get([remote(_posts_at).remote(_narrowed(splits[block], wanted[blocks == block]),
                                                  wanted[blocks == block], key)
                         for block in distinct(blocks).tolist()]):
        found.extend(part)
    found.sort(key=lambda item: item[0])
    lines = np.array([line for line, _ in found], dtype=np.int64)
    batch = PostBatch.from_posts(post for _, post in found)
    author_ids: dict[str, int] = {name: index for index, name in enumerate(graph.nodes())}
    authors = np.fromiter((author_ids.setdefault(author, len(author_ids)) for author in batch.authors),
                          dtype=np.int64, count=len(batch))
    total = np.int64(max(len(batch), 1))
    pairs = distinct((np.searchsorted(lines, rows["low"]) * total + np.searchsorted(lines, rows["high"])) *
                     len(KINDS) + rows["kind"])
    text_groups = _mini_text_groups(batch.texts, labels, settings)
    post_links = post_tags = []
    if "url" in settings.kinds:
        post_links = expand_links([links(text, declared) for text, declared in zip(batch.texts, batch.urls,
                                                                                   strict=True)], expand)
    if "hashtag" in settings.kinds:
        post_tags = post_hashtags(batch.texts, batch.hashtags)
    return _describe(clusters, graph, pairs // len(KINDS), pairs % len(KINDS), authors, author_ids, batch, total,
                     text_groups, post_links, post_tags, fact_checks)


def _narrowed(split: dict[str, Any], wanted: np.ndarray) -> dict[str, Any]:
    """A Parquet split cut to the rows from the first to the last wanted one (a row's line is its
    number from 1): campaigns' posts are often close together, and reading a row costs a validation."""
    if split["format"] != "parquet" or not len(wanted):
        return split
    return {**split, "start": int(wanted.min()) - 1, "stop": int(wanted.max())}


def _mini_text_groups(texts: list[str], labels: dict[str, np.ndarray], settings: _Settings) -> np.ndarray:
    """Near-duplicate groups of a few posts, numbered as in the whole run (only equality matters)."""
    groups = np.full(len(texts), -1, dtype=np.int64)
    if "text" not in settings.kinds or not texts:
        return groups
    usable = usable_texts([matching_text(text) for text in texts], settings.min_chars)
    _, dense = np.unique(_text_values(_hashes(texts)[usable], labels), return_inverse=True)
    groups[usable] = dense
    return groups


__all__ = ["RayCampaignRun", "detect_campaigns_ray", "start_ray"]
