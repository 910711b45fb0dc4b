"""Hash-bank matching at scale: one PDQ hash against a million bank entries, and exact-hash lookups.

Entries are seeded random 256-bit hashes (the worst case for multi-index hashing is a bank whose
chunks are skewed; random hashes spread evenly, as real PDQ hashes of unrelated images roughly do);
half the queries are banked hashes with up to 20 bits flipped (a re-upload), half unrelated hashes.
Prints the build time, the index's own memory (tracemalloc: numpy arrays are traced), the process's
peak RSS, query throughput and p50/p99 latency.

    python bench/bench_banks.py [--entries 1000000] [--queries 2000] [--threshold 31]

Target (issue 22): PDQ < 10 ms p99 and < 1 GB at 1M entries; exact hashes < 1 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb

from jaga.banks.signals import ExactIndex, Md5Signal, PdqIndex


def percentiles(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p50 = statistics.median(ordered) * 1e3
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1e3
    return f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, {len(ordered) / sum(ordered):,.0f} queries/s"


def pdq(entries: int, queries: int, threshold: int, seed: int = 22) -> None:
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, size=(entries, 32), dtype=np.uint8)
    signals = [row.tobytes().hex() for row in raw]
    tracemalloc.start()
    started = time.perf_counter()
    index = PdqIndex([(signal, key) for key, signal in enumerate(signals)])
    built = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    held = index.words.nbytes + index.columns.nbytes + index.order.nbytes + index.offsets.nbytes + index.keys.nbytes
    print(f"PDQ index: {entries:,} entries built in {built:.1f} s; arrays {held / 2**20:.0f} MiB, "
          f"peak while building {peak / 2**20:.0f} MiB (tracemalloc)")
    probes = []
    for number in range(queries):
        if number % 2:
            probes.append(f"{int(rng.integers(0, 2**63)):016x}" * 4)
            continue
        base = int(signals[int(rng.integers(entries))], 16)
        flips = rng.choice(256, size=int(rng.integers(0, 21)), replace=False)
        probes.append(f"{base ^ sum(1 << int(bit) for bit in flips):064x}")
    for probe in probes[:20]:  # warm caches
        index.query(probe, threshold)
    times, found = [], 0
    for probe in probes:
        started = time.perf_counter()
        found += bool(index.query(probe, threshold))
        times.append(time.perf_counter() - started)
    print(f"PDQ match, threshold {threshold}: {percentiles(times)}; {found}/{queries} queries matched "
          f"(expected {(queries + 1) // 2})")


def exact(entries: int, queries: int, seed: int = 23) -> None:
    rng = np.random.default_rng(seed)
    signals = [row.tobytes().hex() for row in rng.integers(0, 256, size=(entries, 16), dtype=np.uint8)]
    started = time.perf_counter()
    index = ExactIndex([(signal, key) for key, signal in enumerate(signals)])
    built = time.perf_counter() - started
    probes = [signals[int(rng.integers(entries))] if number % 2 else Md5Signal.from_bytes(str(number).encode()) or ""
              for number in range(queries)]
    times = []
    for probe in probes:
        started = time.perf_counter()
        index.query(probe, 0)
        times.append(time.perf_counter() - started)
    print(f"MD5 exact lookup: {entries:,} entries built in {built:.1f} s; {percentiles(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--threshold", type=int, default=31)
    arguments = parser.parse_args()
    pdq(arguments.entries, arguments.queries, arguments.threshold)
    exact(arguments.entries, arguments.queries)
    print(f"peak RSS of the process: {peak_rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
