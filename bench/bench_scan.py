"""End-to-end `jaga scan` (process start, model load, read, moderate, write, checkpoints) on 10,000
posts in all 11 languages. Usage: python bench/bench_scan.py [--posts N] [--store]"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import peak_rss_mb, write_posts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--store", action="store_true", help="also persist to the database (SQLite by default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        source = write_posts(Path(directory) / "posts.jsonl", args.posts)
        for output in ("out.jsonl", "out.parquet"):
            command = [sys.executable, "-m", "jaga.cli", "scan", str(source), "-o", str(Path(directory) / output), "-q"]
            if args.store:
                command.append("--store")
            started = time.perf_counter()
            subprocess.run(command, check=True)
            elapsed = time.perf_counter() - started
            print(f"jaga scan -> {output}{' --store' if args.store else ''}: {args.posts} posts in {elapsed:.2f} s = "
                  f"{args.posts / elapsed:,.0f} posts/s end to end")
        print(f"peak RSS of the scan processes: {peak_rss_mb(children=True):.0f} MB")


if __name__ == "__main__":
    main()
