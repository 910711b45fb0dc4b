"""Throughput and peak memory of `Moderator.moderate_batch` (every detector on) on 10,000 posts in
all 11 languages, with the contextual tier (default) or without it (`JAGA_ENCODER_TIER=off`), then
the contextual tier on its own.

The contextual tier reads every post the fast tier cannot settle as benign, so the default path's
throughput depends on how many a platform's traffic has. The second part measures the tier alone on
posts that all escalate (the functional corpus, every language) and prints the throughput the whole
path would have at a few escalation rates.

Usage: python bench/bench_moderate.py [--posts N] [--batch-size B] [--group-posts N] [--without DETECTOR]"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_posts, peak_rss_mb

from jaga import Moderator, Post
from jaga.detect import ClassifierDetector, HarmClassifier
from jaga.pipeline import freeze_loaded_heap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--group-posts", type=int, default=600)
    parser.add_argument("--without", action="append", default=[], metavar="DETECTOR",
                        help="leave this detector out (repeatable), e.g. heads: what it costs")
    args = parser.parse_args()
    posts = [Post.model_validate(data) for data in make_posts(args.posts)]
    started = time.perf_counter()
    from jaga.pipeline import default_detectors

    moderator = Moderator(detectors=[detector for detector in default_detectors() if detector.name not in args.without])
    moderator.moderate_batch(posts[:64])  # warm caches (ICU, lexicon pattern)
    freeze_loaded_heap()  # as every door does once its moderator is built (`jaga scan`, `serve`, `consume`)
    load_seconds = time.perf_counter() - started

    stage_seconds: Counter[str] = Counter()
    started = time.perf_counter()
    languages: Counter[str] = Counter()  # decisions are counted and dropped, as a scan writes them out
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
        decisions = [moderator.policy.decide(item, found, "ASEAN") for item, found in zip(prepared, signals, strict=True)]
        stage_seconds["policy"] += time.perf_counter() - t0
        languages.update(decision.language.code for decision in decisions)
    elapsed = time.perf_counter() - started
    print(f"moderate_batch: {len(posts)} posts in {elapsed:.2f} s = {len(posts) / elapsed:,.0f} posts/s "
          f"(batch {args.batch_size}; model load + warm-up {load_seconds:.2f} s)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB")
    for stage, seconds in stage_seconds.most_common():
        print(f"  {stage:32s} {seconds:6.2f} s  {100 * seconds / elapsed:5.1f} %")
    print(f"languages: {dict(sorted(languages.items()))}")
    classifier = next(d for d in moderator.detectors if isinstance(d, ClassifierDetector))
    print(f"read by the contextual tier: {classifier.escalations} of {len(posts)} posts")
    if classifier.escalate:
        contextual_tier(classifier.model, args.group_posts, len(posts), elapsed, classifier.escalations)


def contextual_tier(model: HarmClassifier, count: int, posts: int, elapsed: float, escalations: int) -> None:
    """The tier's own speed, and the default path's throughput at other escalation rates (this run's
    time less what its own escalations cost, plus what the given share would)."""
    from jaga.text import normalise
    from jaga.training.corpus import load_corpus

    rows = [(normalise(case.text).text, case.language) for case in load_corpus() if case.hateful]
    rows = [rows[index] for index in random.Random(7).sample(range(len(rows)), min(count, len(rows)))]
    texts, languages = [text for text, _ in rows], [language for _, language in rows]
    model.cascade(texts[:8], languages[:8])  # load the encoder
    t0 = time.perf_counter()
    model.cascade(texts, languages, escalate=False)
    t1 = time.perf_counter()
    full = model.cascade(texts, languages)
    t2 = time.perf_counter()
    sent = int(full.escalated.sum())
    per_escalation = max((t2 - t1) - (t1 - t0), 1e-9) / max(sent, 1)
    print(f"contextual tier: {sent} of {len(texts)} corpus posts escalated; {1 / per_escalation:,.0f} escalated posts/s "
          f"(fast tier alone on the same posts: {len(texts) / (t1 - t0):,.0f} posts/s); peak RSS {peak_rss_mb():.0f} MB")
    seconds_per_post = max(elapsed - escalations * per_escalation, 1e-9) / posts
    for rate in (0.0, 0.05, 0.10, 0.20, 0.40):
        print(f"  default path at {rate:4.0%} escalated: {1 / (seconds_per_post + rate * per_escalation):,.0f} posts/s")


if __name__ == "__main__":
    main()
