"""Scan throughput with a loaded fact-check registry: every shared fact-check set in
`$JAGA_DATA_DIR/claims` imported and indexed, then the bench mix (10,000 posts in all 11 languages,
`common.make_posts`) moderated with and without claim matching, the contextual tier off
(`JAGA_ENCODER_TIER=off`, so that claim matching is what the comparison measures).

Prints the import (read and upsert) and indexing (e5) times, posts/s with and without the registry
(by the clock, and per second of CPU: on a machine shared with other work the clock mostly measures
the others), the claim stage's own time, how many posts the encoder read, and peak RSS.

The registry is kept in `--home` (a temporary folder by default): run it again with the same
`--home` to skip the import and measure the scan alone. With `--quality`, the match quality that a
faster scan must keep is printed too: success@10, MRR and the share of unrelated posts given a match,
on the held-out pairs searched against the same registry (what `jaga eval claims` reports; the
registry is the same set of fact-checks).

Usage: JAGA_DATA_DIR=... python bench/bench_claims_scan.py [--posts N] [--batch-size B] [--home DIR] [--quality]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import make_posts, peak_rss_mb


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--home", type=Path, default=None, help="Where the registry and its index are kept.")
    parser.add_argument("--database", default=None, help="The registry's database (default: SQLite in --home).")
    parser.add_argument("--quality", action="store_true", help="Also print match quality on the held-out pairs.")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="jaga-bench-claims-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["JAGA_HOME"] = str(home)
    os.environ["JAGA_ENCODER_TIER"] = "off"  # before jaga reads its settings

    from jaga import Moderator, Post
    from jaga.moderation import registry_moderator

    url = args.database or f"sqlite:///{home / 'bench-claims.db'}"
    load_registry(url)
    posts = [Post.model_validate(data) for data in make_posts(args.posts)]
    plain = scan("no registry", Moderator(), posts, args.batch_size)
    started = time.perf_counter()
    moderator = registry_moderator(url)
    print(f"registry moderator built in {time.perf_counter() - started:.2f} s")
    with_registry = scan("registry loaded", moderator, posts, args.batch_size)
    claims = next((detector for detector in moderator.detectors if detector.name == "claims"), None)
    if claims is None:
        raise SystemExit("the registry moderator has no claim detector: is the registry empty?")
    print(f"claim stage: {getattr(claims, 'encoded', '?')} of {len(posts)} posts read by the encoder; "
          f"{getattr(claims, 'signalled', '?')} posts got a claim signal")
    print(f"with the registry: {with_registry:,.0f} posts/s against {plain:,.0f} without "
          f"({100 * with_registry / plain:.0f} %)")
    if args.quality:
        quality(url)
    print(f"peak RSS: {peak_rss_mb():.0f} MB (registry: {home})")


def quality(url: str) -> dict[str, float]:
    """success@1, success@10 and MRR over all held-out pairs and the false-match rate on unrelated
    posts, searched against the registry at `url`; printed and returned."""
    from jaga.claims.evaluation import all_pairs, evaluate
    from jaga.claims.matcher import ClaimMatcher
    from jaga.config import data_dir
    from jaga.store import Store
    from jaga.training.harmless import unrelated_posts

    pairs = [pair for pair in all_pairs(data_dir() / "claims", unrelated_posts(data_dir() / "claims"))
             if pair.half == "test"]
    started = time.perf_counter()
    metrics = evaluate(ClaimMatcher(Store(url)), pairs)
    figures = {"success@1": metrics["all"]["success@1"], "success@10": metrics["all"]["success@10"],
               "mrr": metrics["all"]["mrr"], "false_match_rate": metrics.get("unrelated", {}).get("false_match_rate", 0.0)}
    print(f"match quality ({metrics['all']['n']:.0f} held-out pairs, {metrics.get('unrelated', {}).get('n', 0):.0f} "
          f"unrelated posts, {time.perf_counter() - started:.0f} s): success@1 {figures['success@1']:.3f}, "
          f"success@10 {figures['success@10']:.3f}, MRR {figures['mrr']:.3f}, "
          f"false matches {100 * figures['false_match_rate']:.1f} %")
    return figures


def load_registry(url: str) -> None:
    """Import every shared set and index it, unless the registry at `url` already has fact-checks."""
    from jaga.claims.matcher import ClaimMatcher
    from jaga.claims.registry import import_dataset
    from jaga.claims.sources import DATASETS
    from jaga.config import data_dir
    from jaga.store import Store

    store = Store(url)
    if store.count_fact_checks():
        print(f"registry: {store.count_fact_checks()} fact-checks already imported")
    else:
        started = time.perf_counter()
        for name in DATASETS:
            if (data_dir() / "claims" / name).is_dir():
                report = import_dataset(store, name, data_dir() / "claims")
                print(f"  {name}: {report.read} read, {report.written} written, {len(report.rejected)} rejected")
        print(f"import: {store.count_fact_checks()} fact-checks in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    indexed = ClaimMatcher(store).sync()
    print(f"index: {indexed} fact-checks encoded and indexed in {time.perf_counter() - started:.1f} s")


def scan(label: str, moderator: Any, posts: list[Any], batch_size: int) -> float:
    """Moderate `posts` with `moderate_batch` (the path `jaga scan` takes), in batches; print posts/s
    and each detector's share; return posts/s."""
    moderator.moderate_batch(posts[:64])  # warm caches (ICU, lexicon patterns, the encoder)
    stage_seconds: defaultdict[str, float] = defaultdict(float)
    for detector in moderator.detectors:
        detector.detect = timed(detector.detect, stage_seconds, f"detector:{detector.name}")
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(posts), batch_size):
        moderator.moderate_batch(posts[start:start + batch_size], "ASEAN")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    for detector in moderator.detectors:
        del detector.detect  # the class's own method again
    rate = len(posts) / elapsed
    print(f"{label}: {len(posts)} posts in {elapsed:.2f} s = {rate:,.0f} posts/s "
          f"({cpu:.2f} s of CPU = {len(posts) / cpu:,.0f} posts per CPU-second)")
    for stage, seconds in sorted(stage_seconds.items(), key=lambda item: -item[1])[:6]:
        print(f"  {stage:24s} {seconds:6.2f} s  {100 * seconds / elapsed:5.1f} %")
    return rate


def timed(function: Callable[..., Any], seconds: defaultdict[str, float], name: str) -> Callable[..., Any]:
    def wrapper(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            seconds[name] += time.perf_counter() - started
    return wrapper


if __name__ == "__main__":
    main()
