"""`jaga scan --engine ray` against the local engine: throughput by number of workers, efficiency per
added worker, peak memory (driver + Ray's processes, sampled from /proc).

Usage: python bench/bench_ray.py [--posts 4000] [--workers 1 2]

Each Ray run starts a local Ray (workers + 1 CPUs) and stops it, so "end to end" includes Ray's start
and each actor's model load; "steady" counts from the first batch written to the last, which is what
a long scan on a cluster sees. Efficiency of N workers = steady(N) / (N x steady(1))."""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb, write_posts

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def tree_rss_mb(root: int) -> tuple[float, float]:
    """(RSS of `root` and all its descendants, largest single process) in MB, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm") as handle:
                rss[int(entry)] = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    total, largest, stack = 0.0, 0.0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0.0)
        if pid != root:
            largest = max(largest, rss.get(pid, 0.0))
        stack.extend(children.get(pid, []))
    return total, largest


class MemorySampler:
    def __init__(self) -> None:
        self.peak_total = self.peak_worker = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            total, largest = tree_rss_mb(os.getpid())
            self.peak_total, self.peak_worker = max(self.peak_total, total), max(self.peak_worker, largest)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _mark(marks: list[tuple[float, int]], summary: Any) -> None:
    marks.append((time.perf_counter(), summary.records))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()

    from jaga.engines.ray import scan_ray
    from jaga.pipeline import Moderator
    from jaga.scan import scan

    with tempfile.TemporaryDirectory() as directory:
        source = write_posts(Path(directory) / "posts.jsonl", args.posts)
        moderator = Moderator()
        scan(str(source), str(Path(directory) / "warm.jsonl"), moderator=moderator, batch_size=args.batch_size)
        started = time.perf_counter()
        scan(str(source), str(Path(directory) / "local.jsonl"), moderator=moderator, batch_size=args.batch_size)
        local = args.posts / (time.perf_counter() - started)
        print(f"local engine (one process, models loaded): {local:,.0f} posts/s; "
              f"peak RSS {peak_rss_mb():.0f} MB", flush=True)
        del moderator

        steady: dict[int, float] = {}
        for workers in args.workers:
            marks: list[tuple[float, int]] = []
            with MemorySampler() as memory:
                started = time.perf_counter()
                summary, _ = scan_ray(str(source), str(Path(directory) / f"ray{workers}.jsonl"), workers=workers,
                                      batch_size=args.batch_size,
                                      progress=partial(_mark, marks))
                elapsed = time.perf_counter() - started
            assert summary.decisions == args.posts, summary.to_json()
            (first_time, first_records), (last_time, last_records) = marks[0], marks[-1]
            steady[workers] = (last_records - first_records) / max(last_time - first_time, 1e-9)
            efficiency = steady[workers] / (workers * steady[min(steady)] / min(steady))
            print(f"ray, {workers} worker(s): end to end {args.posts / elapsed:,.0f} posts/s ({elapsed:.1f} s, "
                  f"first batch after {first_time - started:.1f} s); steady {steady[workers]:,.0f} posts/s; "
                  f"efficiency {efficiency:.0%}; peak RSS driver + Ray {memory.peak_total:,.0f} MB "
                  f"(largest process {memory.peak_worker:,.0f} MB)", flush=True)
        ordered = sorted(steady)
        for previous, current in itertools.pairwise(ordered):
            gained = (steady[current] - steady[previous]) / (current - previous)
            print(f"{previous} -> {current} workers: +{gained:,.0f} posts/s per added worker "
                  f"({gained / steady[ordered[0]] * ordered[0]:.0%} of one worker's)")
        print(f"cores on this machine: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
