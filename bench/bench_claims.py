"""Claim-index scale: build time, peak memory and query latency at 10k, 100k and 1M fact-checks.

The registry is filled synthetically (seeded): claim texts of 6-18 words drawn from a Zipf law over a
200k-word vocabulary of made-up syllable words plus figures, and 384-d unit vectors drawn around 2,000
topic centres (real claims cluster by topic; uniform random vectors would be the hardest case for
HNSW and unlike any registry). Queries are perturbed copies of indexed claims (a post restating a
claim), so the search does real work. The encoder is timed separately on real short posts, because
its cost does not depend on the registry's size.

Each size runs in its own process so peak RSS is per size. Usage:
    python bench/bench_claims.py                 # 10k, 100k, 1M
    python bench/bench_claims.py --sizes 10000   # one size
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb

SYLLABLES = ["ka", "ra", "ma", "ta", "na", "sa", "li", "pe", "ng", "yu", "do", "bi", "se", "mu", "ha", "ti", "lo", "wa",
             "ju", "an", "ber", "kan", "per", "nya", "tri", "ong", "ai", "eu", "om", "ul"]


def vocabulary(size: int, rng: np.random.Generator) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        length = int(rng.integers(2, 5))
        words.add("".join(SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), length)))
    return sorted(words)


def synthetic_texts(count: int, seed: int = 7) -> list[str]:
    rng = np.random.default_rng(seed)
    words = np.array(vocabulary(200_000, rng))
    probabilities = 1.0 / np.arange(1, len(words) + 1)
    probabilities /= probabilities.sum()
    texts = []
    for offset in range(0, count, 100_000):
        lengths = rng.integers(6, 19, min(100_000, count - offset))
        drawn = words[rng.choice(len(words), size=int(lengths.sum()), p=probabilities)]
        for end, length in zip(np.cumsum(lengths), lengths, strict=True):
            chosen = drawn[end - length:end].tolist()
            if rng.random() < 0.3:
                chosen.insert(int(rng.integers(0, len(chosen))), str(int(rng.integers(2, 100_000))))
            texts.append(" ".join(chosen))
    return texts


def synthetic_vectors(start: int, count: int, seed: int = 7) -> np.ndarray:
    """Rows start..start+count of the synthetic vectors, generated on demand (1M float32 rows would be
    1.5 GB of input alone)."""
    centres = np.random.default_rng(seed).standard_normal((2_000, 384)).astype(np.float32)
    rows = []
    for row in range(start, start + count):
        rng = np.random.default_rng((seed, row))
        vector = centres[rng.integers(0, len(centres))] + 0.6 * rng.standard_normal(384).astype(np.float32)
        rows.append(vector / np.linalg.norm(vector))
    return np.asarray(rows, dtype=np.float32)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_size(size: int, queries: int) -> dict[str, float]:
    from jaga.claims.index import ClaimIndex
    from jaga.claims.matcher import LEXICAL_CANDIDATES, SEMANTIC_CANDIDATES, Calibration

    texts = synthetic_texts(size)
    before = rss_mb()
    index = ClaimIndex.empty()
    started = time.perf_counter()
    keys = list(range(1, size + 1))
    for offset in range(0, size, 50_000):  # incremental adds, as a registry grows
        index.lexical.add(keys[offset:offset + 50_000], texts[offset:offset + 50_000])
    index.lexical.search("warm up", 1)  # builds the postings matrix once
    lexical_seconds = time.perf_counter() - started
    started = time.perf_counter()
    generating = 0.0
    for offset in range(0, size, 20_000):
        tick = time.perf_counter()
        chunk = synthetic_vectors(offset, min(20_000, size - offset))
        generating += time.perf_counter() - tick
        index.semantic.add(keys[offset:offset + len(chunk)], chunk, threads=0)  # a bulk load, on every core
    semantic_seconds = time.perf_counter() - started - generating
    index_mb = rss_mb() - before

    rng = np.random.default_rng(11)
    picks = rng.integers(0, size, queries)
    query_texts = []
    for pick in picks:
        tokens = texts[pick].split()
        rng.shuffle(tokens)
        query_texts.append(" ".join(tokens[: max(3, len(tokens) - 2)]) + " sebarkan")
    query_vectors = np.vstack([synthetic_vectors(int(pick), 1) for pick in picks])
    query_vectors += 0.15 * rng.standard_normal(query_vectors.shape).astype(np.float32)
    query_vectors /= np.linalg.norm(query_vectors, axis=1, keepdims=True)

    calibration = Calibration.bundled()
    timings, hits = [], 0
    for text, vector, pick in zip(query_texts, query_vectors, picks, strict=True):
        started = time.perf_counter()
        lexical = index.lexical.search(text, LEXICAL_CANDIDATES)  # as deep as the matcher reads
        semantic = index.semantic.search(vector, SEMANTIC_CANDIDATES)
        candidates = np.unique(np.concatenate([lexical.keys, semantic.keys]))
        similarity = index.semantic.similarity(vector, candidates)
        coverage = index.lexical.coverage(text, candidates)
        features = np.column_stack([similarity, coverage, np.zeros((len(candidates), 4))])
        best = candidates[int(np.argmax(calibration.probability(features)))]
        timings.append(time.perf_counter() - started)
        hits += int(best) == int(pick) + 1
    timings_ms = np.array(timings) * 1000
    return {"fact_checks": size, "lexical_build_s": round(lexical_seconds, 1),
            "semantic_build_s": round(semantic_seconds, 1), "query_p50_ms": round(float(np.percentile(timings_ms, 50)), 2),
            "query_p99_ms": round(float(np.percentile(timings_ms, 99)), 2), "top1_recovered": round(hits / queries, 3),
            "index_rss_mb": round(index_mb), "process_peak_rss_mb": round(peak_rss_mb())}


def encoder_latency() -> dict[str, float]:
    from jaga.text.encoder import Encoder

    posts = [line.split(",", 2)[2].rsplit(",", 1)[0] for line in
             (Path(__file__).resolve().parents[1] / "eval" / "claims_crosslingual.csv").read_text(encoding="utf-8").splitlines()[1:]]
    encoder = Encoder()
    encoder.encode(posts[:2])
    timings = []
    for post in posts:
        started = time.perf_counter()
        encoder.encode([post])
        timings.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    encoder.encode(posts * 3)
    batched = len(posts) * 3 / (time.perf_counter() - started)
    return {"encode_one_p50_ms": round(float(np.percentile(timings, 50)), 1),
            "encode_one_p99_ms": round(float(np.percentile(timings, 99)), 1), "encode_batch_per_s": round(batched, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args.queries)))
        return
    print(json.dumps(encoder_latency()), flush=True)
    for size in args.sizes:
        result = subprocess.run([sys.executable, __file__, "--one", str(size), "--queries", str(args.queries)],
                                capture_output=True, text=True, check=True)
        print(result.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
