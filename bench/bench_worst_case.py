"""CPU time and peak memory of the worst 50,000-character posts we know of (`worst_posts.py`),
each against its first 5,000 characters: the fast tier with every other detector (the contextual
tier off), then everything on. Issue 21's budget is 200 ms and 50 MB a post on the benchmark host;
a cost that grows linearly with length reads about 10x the 5,000-character prefix, a quadratic one
100x.

Time is CPU time of this process, the least of five runs (timeit's reading: noise only ever adds);
the moderator's heap is frozen first, as every door does (`freeze_loaded_heap`).

Usage: python bench/bench_worst_case.py [--runs N]"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb
from worst_posts import WORST

from jaga.detect import DETECTORS
from jaga.detect.classifier import ClassifierDetector
from jaga.pipeline import Moderator, freeze_loaded_heap
from jaga.types import Post


def least_cpu(moderator: Moderator, text: str, runs: int) -> float:
    post = Post(id="worst", text=text)
    least = float("inf")
    for _ in range(runs):
        started = time.process_time()
        moderator.moderate(post)
        least = min(least, time.process_time() - started)
    return least


def peak_bytes(moderator: Moderator, text: str) -> int:
    tracemalloc.start()
    moderator.moderate(Post(id="worst", text=text))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    fast = Moderator([ClassifierDetector(escalate=False) if name == ClassifierDetector.name else make()
                      for name, make in DETECTORS.items()])
    full = Moderator()
    texts = {case: make() for case, make in WORST.items()}
    for moderator in (fast, full):  # what each case reaches first (a language's model, a word list) loads here
        moderator.moderate_batch([Post(id=case, text=text[:2_000]) for case, text in texts.items()])
    freeze_loaded_heap()
    print(f"{'case':36s} {'fast ms':>8s} {'x prefix':>8s} {'MB':>6s} {'full ms':>8s} {'x prefix':>8s}")
    worst_fast = worst_full = 0.0
    for case, text in texts.items():
        row = []
        for moderator in (fast, full):
            seconds = least_cpu(moderator, text, args.runs)
            prefix = least_cpu(moderator, text[:5_000], args.runs)
            row.append((seconds, seconds / prefix))
        megabytes = peak_bytes(fast, text) / 1e6
        worst_fast, worst_full = max(worst_fast, row[0][0]), max(worst_full, row[1][0])
        print(f"{case:36s} {row[0][0] * 1000:8.0f} {row[0][1]:8.1f} {megabytes:6.1f} "
              f"{row[1][0] * 1000:8.0f} {row[1][1]:8.1f}")
    print(f"worst: fast tier {worst_fast * 1000:.0f} ms, everything on {worst_full * 1000:.0f} ms; "
          f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
