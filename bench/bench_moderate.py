"""Throughput and peak memory of `Moderator.moderate_batch` (every detector on) on 10,000 posts in
all 11 languages. Usage: python bench/bench_moderate.py [--posts N] [--batch-size B]"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_posts, peak_rss_mb

from jaga import Moderator, Post


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=512)
    args = parser.parse_args()
    posts = [Post.model_validate(data) for data in make_posts(args.posts)]
    started = time.perf_counter()
    moderator = Moderator()
    moderator.moderate_batch(posts[:64])  # warm caches (ICU, lexicon pattern)
    load_seconds = time.perf_counter() - started

    stage_seconds: Counter[str] = Counter()
    started = time.perf_counter()
    decisions = []
    for start in range(0, len(posts), args.batch_size):
        batch = posts[start:start + args.batch_size]
        t0 = time.perf_counter()
        prepared = [moderator.prepare(post) for post in batch]
        stage_seconds["text (normalise + language)"] += time.perf_counter() - t0
        signals: list[list] = [[] for _ in prepared]
        for detector in moderator.detectors:
            t0 = time.perf_counter()
            for index, found in enumerate(detector.detect(prepared)):
                signals[index].extend(found)
            stage_seconds[f"detector:{detector.name}"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        decisions += [moderator.policy.decide(item, found, "ASEAN") for item, found in zip(prepared, signals, strict=True)]
        stage_seconds["policy"] += time.perf_counter() - t0
    elapsed = time.perf_counter() - started
    languages = Counter(decision.language.code for decision in decisions)
    print(f"moderate_batch: {len(posts)} posts in {elapsed:.2f} s = {len(posts) / elapsed:,.0f} posts/s "
          f"(batch {args.batch_size}; model load + warm-up {load_seconds:.2f} s)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    for stage, seconds in stage_seconds.most_common():
        print(f"  {stage:32s} {seconds:6.2f} s  {100 * seconds / elapsed:5.1f} %")
    print(f"languages: {dict(sorted(languages.items()))}")


if __name__ == "__main__":
    main()
