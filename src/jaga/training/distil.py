"""`jaga distil`: build the static embedding table (`jaga.text.static`) from multilingual-e5-small.

1. **Pieces.** Every piece e5 cuts the corpus into, plus e5's most probable pieces (a
   language-neutral choice, so that Thai, Khmer or Lao words get vectors although no training set is
   in those languages).
2. **Read alone.** Each piece's e5 vector, read on its own, centred on the mean over pieces (a piece
   read alone shares much with every other: the "query:" prefix, the sentence frame). This is
   model2vec's recipe, and alone it is a poor copy of e5: on held-out posts the mean of a post's
   piece vectors has a cosine of 0.40 with e5's vector of the post.
3. **Fitted to sentences.** e5 reads a sample of real posts and templates, and the piece vectors are
   moved, as little as they must (ridge towards step 2), so that a post's weighted mean of piece
   vectors comes as close as it can to e5's vector of the post: one sparse least-squares problem,
   solved by conjugate gradients. Held-out cosine 0.40 -> 0.84, and e5's vector of a held-out post
   is the nearest of 2,000 for 96 % of them (63 % before), with 41.6k sentences; on HateCheck
   cases, which the fit never saw (a first fit on 17k sentences): 0.41 -> 0.80 (en), 0.68 -> 0.85
   (zh). Pieces in no sampled post keep their step-2 vector.
   Piece bigrams were tried (learnt the same way) and gave nothing on held-out posts.
4. **PCA** to 256 dimensions, stored int8.

e5 reads ~100 lone pieces/s and ~20-40 posts/s per core, so a full run takes about half an hour on
two cores (one process per core). e5's vectors are cached (`--cache`), so a rerun with other
settings takes a minute or two. It is run when the encoder, the vocabulary or the sample changes, not
on every `jaga train`: the table ships in the package.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from jaga.text.pieces import METASPACE, PieceTokenizer, Vocabulary, piece_tokenizer
from jaga.text.static import SIF_SMOOTHING, StaticEncoder, StaticTable, fingerprint, sif_weights

STATIC_NAME = "multilingual-e5-small pieces fitted to sentences, static v1"
TOP_PIECES = 50_000
SENTENCES_PER_LANGUAGE = 5_000
DIMENSIONS = 256
RIDGE = 0.1
"""Measured on held-out posts (cosine with e5): ridge 0.02 -> 0.844, 0.1 -> 0.847, 0.5 -> 0.824."""
CG_ITERATIONS = 25  # converged by 20 on this problem
HELD_OUT = 2_000
CHUNK = 200

Progress = Callable[[str], None] | None


@dataclass
class DistilReport:
    pieces: int
    sentences: int
    held_out: int
    cosine_alone: float  # held-out posts: static vector against e5's, before fitting to sentences
    cosine_fitted: float
    nearest_alone: float  # share of held-out posts whose e5 vector is the nearest to their static vector
    nearest_fitted: float


def choose_pieces(texts: Sequence[str], tokenizer: PieceTokenizer, top: int = TOP_PIECES) -> np.ndarray:
    """Piece ids: those in `texts` and the `top` most probable, without the specials."""
    vocabulary = tokenizer.vocabulary
    chosen = set(np.argsort(-vocabulary.scores, kind="stable")[:top].tolist())
    for start in range(0, len(texts), 10_000):
        chosen.update(piece for row in tokenizer.encode(texts[start:start + 10_000]) for piece in row)
    chosen -= set(vocabulary.special_ids)
    return np.array(sorted(chosen), dtype=np.int32)


def piece_text(piece: str) -> str:
    """What e5 is given for a piece: a word-initial piece as the word, a continuation as itself."""
    return piece.replace(METASPACE, " ").strip() or piece


def _e5_chunk(texts: list[str]) -> np.ndarray:
    from jaga.text.encoder import _model

    return np.asarray(_model().query(texts), dtype=np.float32).reshape(len(texts), -1)


class E5Cache:
    """e5's raw vectors by text, on disk, so that distilling again costs no encoder time."""

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / "e5_vectors.npz" if directory else None
        self.vectors: dict[str, np.ndarray] = {}
        if self.path and self.path.is_file():
            with np.load(self.path) as stored:
                self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def save(self) -> None:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, keys=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values())))

    def embed(self, texts: Sequence[str], progress: Progress = None, what: str = "texts") -> np.ndarray:
        """e5's raw (uncentred) vectors, one process per core for those not cached."""
        keys = [self.key(text) for text in texts]
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in self.vectors}.items())
        chunks = [missing[start:start + CHUNK] for start in range(0, len(missing), CHUNK)]
        if chunks:
            os.environ.setdefault("OMP_NUM_THREADS", "1")  # e5 batches gain nothing from threads here
            with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
                for index, vectors in enumerate(pool.map(_e5_chunk, [[text for _, text in chunk] for chunk in chunks])):
                    self.vectors.update(zip([key for key, _ in chunks[index]], vectors, strict=True))
                    if progress and index % 25 == 24:
                        progress(f"distil: e5 read {(index + 1) * CHUNK} of {len(missing)} {what}")
                        self.save()
            self.save()
        return np.stack([self.vectors[key] for key in keys]) if keys else np.zeros((0, 384), np.float32)


def mixing_matrix(texts: Sequence[str], piece_ids: np.ndarray, weights: np.ndarray,
                  tokenizer: PieceTokenizer) -> sparse.csr_matrix:
    """The encoder's own mixing (`StaticEncoder.mixing`), rows scaled to sum to one: a weighted mean,
    which e5's vectors (centred, not unit) are compared with."""
    placeholder = StaticTable("distilling", piece_ids, np.zeros((len(piece_ids), 0), dtype=np.float32), weights)
    mixing = StaticEncoder(placeholder, tokenizer).mixing(texts).astype(np.float64)
    totals = np.asarray(mixing.sum(axis=1)).ravel()
    return sparse.diags(1.0 / np.maximum(totals, 1e-12)) @ mixing


def fit_to_sentences(initial: np.ndarray, mixing: sparse.csr_matrix, targets: np.ndarray, ridge: float = RIDGE,
                     iterations: int = CG_ITERATIONS) -> np.ndarray:
    """argmin_V ||mixing V - targets||^2 + ridge ||V - initial||^2, by conjugate gradients on the
    normal equations (the same operator for every column, so all columns are solved at once)."""
    transposed = mixing.T.tocsr()

    def operator(values: np.ndarray) -> np.ndarray:
        return transposed @ (mixing @ values) + ridge * values

    solution = initial.astype(np.float64)
    residual = transposed @ targets + ridge * solution - operator(solution)
    direction = residual.copy()
    norm = float((residual * residual).sum())
    for _ in range(iterations):
        if norm < 1e-20:
            break
        applied = operator(direction)
        step = norm / float((direction * applied).sum())
        solution += step * direction
        residual -= step * applied
        new_norm = float((residual * residual).sum())
        direction = residual + (new_norm / norm) * direction
        norm = new_norm
    return solution


def _agreement(predicted: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
    """Mean cosine, and the share of rows whose own target is their nearest."""
    predicted = predicted / np.maximum(np.linalg.norm(predicted, axis=1, keepdims=True), 1e-12)
    targets = targets / np.maximum(np.linalg.norm(targets, axis=1, keepdims=True), 1e-12)
    similarity = predicted @ targets.T
    return (round(float(np.diag(similarity).mean()), 4),
            round(float((similarity.argmax(axis=1) == np.arange(len(targets))).mean()), 4))


def sentence_sample(texts: Sequence[str], languages: Sequence[str], templates: Sequence[bool],
                    per_language: int = SENTENCES_PER_LANGUAGE, seed: int = 0) -> list[str]:
    """Every template, and up to `per_language` other texts per language (seeded)."""
    rng = np.random.default_rng(seed)
    by_language: dict[str, list[int]] = {}
    for index, language in enumerate(languages):
        if not templates[index]:
            by_language.setdefault(language, []).append(index)
    chosen = [index for index, template in enumerate(templates) if template]
    for language in sorted(by_language):
        rows = by_language[language]
        chosen += rng.choice(rows, min(per_language, len(rows)), replace=False).tolist()
    return [texts[index] for index in sorted(chosen)]


def build_table(piece_ids: np.ndarray, alone: np.ndarray, sentences: Sequence[str], sentence_vectors: np.ndarray,
                vocabulary: Vocabulary, tokenizer: PieceTokenizer, dimensions: int = DIMENSIONS,
                ridge: float = RIDGE, smoothing: float = SIF_SMOOTHING, seed: int = 0,
                name: str = STATIC_NAME) -> tuple[StaticTable, DistilReport]:
    """Steps 2-4 from e5's raw vectors of the pieces (`alone`) and of the sample (`sentence_vectors`)."""
    mean = alone.mean(axis=0)
    initial = (alone - mean).astype(np.float64)
    targets = (sentence_vectors - mean).astype(np.float64)
    weights = sif_weights(vocabulary.scores[piece_ids], smoothing)
    mixing = mixing_matrix(sentences, piece_ids, weights, tokenizer)
    order = np.random.default_rng(seed).permutation(len(sentences))
    held_out, fitted_rows = np.sort(order[:HELD_OUT]), np.sort(order[HELD_OUT:])
    fitted = fit_to_sentences(initial, mixing[fitted_rows], targets[fitted_rows], ridge)
    before = _agreement(mixing[held_out] @ initial, targets[held_out])
    after = _agreement(mixing[held_out] @ fitted, targets[held_out])
    _, _, components = np.linalg.svd(fitted - fitted.mean(axis=0), full_matrices=False)
    reduced = (fitted @ components[:dimensions].T).astype(np.float32)
    report = DistilReport(len(piece_ids), len(fitted_rows), len(held_out), before[0], after[0], before[1], after[1])
    return StaticTable(f"{name} {fingerprint(reduced)}", piece_ids.astype(np.int32), reduced, weights), report


def distil(corpus_texts: Sequence[str], sentences: Sequence[str], output: Path, cache: Path | None = None,
           dimensions: int = DIMENSIONS, top: int = TOP_PIECES, progress: Progress = None) -> DistilReport:
    """Pieces from `corpus_texts`, fitted to e5's vectors of `sentences`; the table is written to `output`."""
    tokenizer = piece_tokenizer()
    vocabulary = tokenizer.vocabulary
    piece_ids = choose_pieces(corpus_texts, tokenizer, top)
    if progress:
        progress(f"distil: {len(piece_ids)} pieces, {len(sentences)} sentences")
    e5 = E5Cache(cache)
    alone = e5.embed([piece_text(vocabulary.pieces[piece]) for piece in piece_ids], progress, "pieces")
    sentence_vectors = e5.embed(list(sentences), progress, "sentences")
    if progress:
        progress("distil: fitting pieces to sentences")
    table, report = build_table(piece_ids, alone, sentences, sentence_vectors, vocabulary, tokenizer, dimensions)
    output.parent.mkdir(parents=True, exist_ok=True)
    table.save(output)
    return report
