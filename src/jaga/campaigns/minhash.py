"""Near-duplicate groups of texts: MinHash over character shingles with LSH banding, in numpy.

Why character shingles: Thai, Lao, Khmer and Burmese are written without spaces between words, so
word shingles (what most coordination tools use) see one giant "word" per sentence and miss every
paraphrase. Five-character shingles of the canonical text (`jaga.text.canonical_key`, which also
converts Zawgyi to Unicode) work the same in every script.

Why numpy and not `datasketch`: a campaign scan is a batch of a million posts, and datasketch hashes
and inserts one text at a time in Python (~100 us each with its bulk API: minutes per million).
Here every shingle of a batch of texts is hashed at once (a rolling polynomial over the UTF-32 code
points, then a 64-bit mixer), each of the `num_perm` hash functions is one multiply-add-shift over
the whole array, and the minimum per text is one `np.minimum.reduceat`. Texts go through in chunks,
so memory stays bounded whatever the batch size.

LSH: the signature is cut into `bands` bands of `rows` values; texts whose band is equal in any band
are candidates. Each candidate is linked to the first text of its bucket (not to every other member,
which would be quadratic in a popular bucket), the link is kept when the signatures agree on at least
`threshold` of their values (the MinHash estimate of Jaccard similarity), and the groups are the
connected components of the kept links.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_PRIME = np.uint64(1099511628211)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
CHUNK_CHARS = 8_000_000
"""Code points hashed at once: ~64 MB per uint64 array, a few of them alive at a time."""


@dataclass(frozen=True)
class LshParams:
    """How texts are compared. The defaults catch pairs at Jaccard >= ~0.5 with probability >= 0.96
    (1 - (1 - s^2)^bands) and keep a pair when its estimated Jaccard is >= `threshold`.

    `shingle`: characters per shingle (5: long enough to be specific in alphabetic scripts, short
    enough that a one-word edit leaves most shingles of a 60-character text intact)."""

    shingle: int = 5
    bands: int = 12
    rows: int = 2
    threshold: float = 0.45
    seed: int = 25

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def __post_init__(self) -> None:
        if self.shingle < 2 or self.bands < 1 or self.rows < 1 or not 0.0 < self.threshold <= 1.0:
            raise ValueError("shingle >= 2, bands >= 1, rows >= 1 and 0 < threshold <= 1 are required")


DEFAULT_LSH = LshParams()


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array. Why not `np.unique`: since numpy 2.3 it
    hashes, which measured 20 times slower than sorting on millions of 64-bit ids."""
    ordered = np.sort(values, axis=None)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the polynomial hash's bits so the multiply-shift hashes that
    follow behave like independent permutations."""
    values = values ^ (values >> np.uint64(30))
    values = values * _MIX1
    values = values ^ (values >> np.uint64(27))
    values = values * _MIX2
    return values ^ (values >> np.uint64(31))


def signatures(texts: list[str], params: LshParams = DEFAULT_LSH) -> np.ndarray:
    """MinHash signatures, one row of `num_perm` uint32 per text. A text shorter than one shingle is
    hashed as a single shingle of itself; an empty text gets the all-ones row (never a candidate
    with anything, since `group_texts` leaves such texts out)."""
    rng = np.random.default_rng(params.seed)
    multipliers = rng.integers(1, 2**63, size=params.num_perm, dtype=np.uint64) | np.uint64(1)
    offsets = rng.integers(0, 2**63, size=params.num_perm, dtype=np.uint64)
    result = np.full((len(texts), params.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    start = 0
    while start < len(texts):
        stop, chars = start, 0
        while stop < len(texts) and (chars < CHUNK_CHARS or stop == start):
            chars += len(texts[stop])
            stop += 1
        _chunk_signatures(texts[start:stop], params.shingle, multipliers, offsets, result[start:stop])
        start = stop
    return result


def _chunk_signatures(texts: list[str], k: int, multipliers: np.ndarray, offsets: np.ndarray,
                      out: np.ndarray) -> None:
    lengths = np.fromiter((len(text) for text in texts), dtype=np.int64, count=len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    text_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    counts = np.where(lengths > 0, np.maximum(lengths - k + 1, 1), 0)  # shingles per text
    present = counts > 0
    if not present.any():
        return
    total = int(counts.sum())
    shingle_starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    # position in `points` of every shingle's first character
    positions = np.arange(total, dtype=np.int64) + np.repeat(text_starts - shingle_starts, counts)
    ends = np.repeat(text_starts + lengths, counts)
    hashes = np.zeros(total, dtype=np.uint64)
    padded = np.concatenate((points.astype(np.uint64), np.zeros(k, dtype=np.uint64)))
    for offset in range(k):
        # characters past a short text's end count as 0 (the text is its one shingle)
        chars = np.where(positions + offset < ends, padded[positions + offset], np.uint64(0))
        hashes = hashes * _PRIME + chars + np.uint64(1)
    del positions, ends, padded
    hashes = _mix(hashes)
    reduce_at = shingle_starts[present]
    for column in range(len(multipliers)):
        permuted = ((hashes * multipliers[column] + offsets[column]) >> np.uint64(32)).astype(np.uint32)
        out[present, column] = np.minimum.reduceat(permuted, reduce_at)


def band_keys(signature: np.ndarray, params: LshParams, band: int) -> np.ndarray:
    """Each signature's bucket in `band` (the band's number is mixed in, so bands never share a bucket)."""
    block = signature[:, band * params.rows:(band + 1) * params.rows].astype(np.uint64)
    keys = np.full(len(signature), np.uint64(band), dtype=np.uint64)
    for column in range(params.rows):
        keys = _mix(keys * _PRIME + block[:, column])
    return keys


def candidate_links(signature: np.ndarray, params: LshParams = DEFAULT_LSH) -> tuple[np.ndarray, np.ndarray]:
    """(first, other) index pairs that share a bucket in some band, each pair once, first < other."""
    firsts, others = [], []
    for band in range(params.bands):
        keys = band_keys(signature, params, band)
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        new_run = np.empty(len(ordered), dtype=bool)
        if len(ordered):
            new_run[0] = True
            new_run[1:] = ordered[1:] != ordered[:-1]
        run_first = order[np.flatnonzero(new_run)][np.cumsum(new_run) - 1]
        linked = ~new_run
        firsts.append(run_first[linked])
        others.append(order[linked])
    if not firsts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    first, other = np.concatenate(firsts), np.concatenate(others)
    low, high = np.minimum(first, other), np.maximum(first, other)
    unique = distinct(low.astype(np.int64) * len(signature) + high)
    return unique // max(len(signature), 1), unique % max(len(signature), 1)


def group_texts(texts: list[str], params: LshParams = DEFAULT_LSH, min_chars: int = 20) -> np.ndarray:
    """A near-duplicate group id per text (-1 for texts too short to compare: fewer than `min_chars`
    characters besides spaces, where "thanks", "lol" and a bare link would match half the batch).
    Ids are dense from 0; a text alone in its group still gets an id of its own."""
    index = np.flatnonzero(usable_texts(texts, min_chars))
    groups = np.full(len(texts), -1, dtype=np.int64)
    if len(index) == 0:
        return groups
    signature = signatures([texts[i] for i in index], params)
    first, other = candidate_links(signature, params)
    keep = np.zeros(len(first), dtype=bool)
    step = 1_000_000
    for start in range(0, len(first), step):
        a, b = first[start:start + step], other[start:start + step]
        keep[start:start + step] = agree(signature[a], signature[b], params)
    size = len(index)
    graph = coo_matrix((np.ones(int(keep.sum()), dtype=np.int8), (first[keep], other[keep])), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    groups[index] = labels
    return groups


def usable_texts(texts: list[str], min_chars: int) -> np.ndarray:
    """Which texts take part in near-duplicate matching (see `group_texts`)."""
    return np.fromiter((len(text) - text.count(" ") >= min_chars for text in texts), dtype=bool, count=len(texts))


def agree(left: np.ndarray, right: np.ndarray, params: LshParams = DEFAULT_LSH) -> np.ndarray:
    """Whether each row pair of signatures is a near-duplicate link: equal on at least `threshold`
    of their values (the MinHash estimate of Jaccard similarity)."""
    return np.asarray((left == right).mean(axis=1) >= params.threshold)


def jaccard(left: str, right: str, shingle: int = 5) -> float:
    """Exact Jaccard similarity of two texts' character shingles (for tests and explanations)."""
    def shingles(text: str) -> set[str]:
        return {text[i:i + shingle] for i in range(max(len(text) - shingle + 1, 1))}

    a, b = shingles(left), shingles(right)
    return len(a & b) / len(a | b) if a | b else 1.0
