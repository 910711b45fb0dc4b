"""Coordinated-campaign detection at scale: N posts in a one-hour window (default 1,000,000).

Posts are generated (seeded): organic texts are random word sequences over a vocabulary taken from
the shared data sets when present (so scripts and word lengths are real), else a built-in one; 20%
carry a link (Zipf over 50,000 pages), 10% a hashtag (Zipf over 2,000, so a few trend), 10% reply to
one of 10,000 posts; one account per two posts. Into them go 20 campaigns of 30 accounts posting
four messages each (varied copies, jittered by up to 8 minutes). Prints the time of each stage,
the campaigns found against those injected, and the process's peak RSS.

    python bench/bench_campaigns.py [--n 1000000] [--window 10]
    python bench/bench_campaigns.py --engine ray --workers 2 --n 10000000 [--input posts.parquet] [--hours 1]

With `--engine ray` the posts are generated chunk by chunk (each chunk seeded on its own) into a
Parquet file (kept and reused when `--input` names one that exists), then read back through Jaga's
Parquet reader by the Ray engine (authors pseudonymised, as `jaga campaigns FILE --engine ray` does).
Printed besides: CPU seconds of the driver and of the Ray workers (sampled from /proc each second:
the machine is shared, so wall time alone says little), the driver's and the busiest worker's peak
RSS, the machine's memory in use, and the load average during the run.

Target (issue 25): 1M posts in a 1-hour window in < 2 minutes and < 4 GB on 2 cores; 10M posts via
the Ray engine.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import peak_rss_mb

from jaga.campaigns import PostBatch, detect_campaigns
from jaga.campaigns.evaluation import CAMPAIGNS, organic_texts

FALLBACK_WORDS = {"fallback": ("berita hari ini pemerintah rakyat harga naik viral tin tức hôm nay giá balita "
                                "ngayon presyo news today price government people").split()}


def vocabularies() -> dict[str, list[str]]:
    """Words per source (one language or two each), so generated posts are monolingual like real ones.
    Thai is written without spaces: its words are the source's own tokens, joined without spaces."""
    try:
        texts, _ = organic_texts(16_000, seed=1)
    except FileNotFoundError:
        return FALLBACK_WORDS
    by_script: dict[str, set[str]] = {}
    for text in texts:
        for word in text.split():
            if 1 < len(word) < 15:
                script = "th" if any("\u0e00" <= char <= "\u0e7f" for char in word) else (
                    "my" if any("\u1000" <= char <= "\u109f" for char in word) else (
                        "ta" if any("\u0b80" <= char <= "\u0bff" for char in word) else (
                            "zh" if any("\u4e00" <= char <= "\u9fff" for char in word) else "latin")))
                by_script.setdefault(script, set()).add(word)
    return {script: sorted(words) for script, words in by_script.items() if len(words) > 50} or FALLBACK_WORDS


def generate(count: int, seed: int = 25) -> tuple[PostBatch, set[str]]:
    """All `count` posts at once, in memory (the local engine's input)."""
    return generate_chunk(count, 0, count, seed, vocabularies())


def generate_chunk(count: int, start: int, stop: int, seed: int, vocabulary: dict[str, list[str]],
                   hours: float = 1.0) -> tuple[PostBatch, set[str]]:
    """Posts [start, stop) of a run of `count` (each chunk seeded on its own, so a chunk needs no
    other in memory); the campaigns fill the first slots. Returns the posts and the campaign accounts
    among them."""
    rng = np.random.default_rng([seed, start])
    size = stop - start
    span = int(3600 * hours)
    scripts = sorted(vocabulary)
    share = np.array([0.6 if script == "latin" else 1.0 for script in scripts])  # Latin covers several languages
    script_of = rng.choice(len(scripts), size=size, p=share / share.sum())
    texts = [""] * size
    for number, script in enumerate(scripts):
        words = np.array(vocabulary[script], dtype=object)
        chosen = np.flatnonzero(script_of == number)
        lengths = rng.integers(4, 14, size=len(chosen)) if script in ("th", "zh") else rng.integers(5, 30, size=len(chosen))
        picks = words[rng.integers(0, len(words), size=int(lengths.sum()))]
        separator = "" if script in ("th", "zh") else " "
        for index, chunk in zip(chosen.tolist(), np.split(picks, np.cumsum(lengths)[:-1]), strict=True):
            texts[index] = separator.join(chunk)
    accounts = max(count // 2, 10)
    authors = [f"u{index}" for index in rng.integers(0, accounts, size=size)]
    times = 1_767_225_600 + rng.integers(0, span, size=size)
    links = rng.zipf(1.3, size=size) % 50_000
    has_link = rng.random(size) < 0.2
    tags = rng.zipf(1.5, size=size) % 2_000
    has_tag = rng.random(size) < 0.1
    for index in np.flatnonzero(has_link).tolist():
        texts[index] += f" https://site{links[index] % 997}.example/page/{links[index]}"
    for index in np.flatnonzero(has_tag).tolist():
        texts[index] += f" #tag{tags[index]}"
    replies: list[str | None] = [None] * size
    for index in np.flatnonzero(rng.random(size) < 0.1).tolist():
        replies[index] = f"post-{int(rng.integers(0, 10_000))}"
    truth: set[str] = set()
    python_rng = random.Random(seed)
    messages = [text for campaign in CAMPAIGNS for message in campaign["messages"] for text in message.values()]
    slot = 0
    for number in range(20):
        members = [f"campaign{number}-{index}" for index in range(30)]
        begin = python_rng.randrange(0, 3000)
        for message in python_rng.sample(messages, 4):
            for member in members:
                if start <= slot < stop:
                    local = slot - start
                    texts[local] = f"{message} {python_rng.choice(['', '🔥', '!!', '😱'])} #campaign{number}"
                    authors[local] = member
                    times[local] = 1_767_225_600 + min(begin + python_rng.randrange(480), 3599)
                    truth.add(member)
                else:
                    python_rng.choice(['', '🔥', '!!', '😱'])
                    python_rng.randrange(480)
                slot += 1
            begin = min(begin + python_rng.randrange(300, 900), 3000)
    ids = [f"b{index}" for index in range(start, stop)]
    return PostBatch(ids, authors, times, texts, reply_to=replies), truth


def write_input(path: Path, count: int, chunk: int = 250_000, seed: int = 25, hours: float = 1.0) -> set[str]:
    """The posts as Parquet, chunk by chunk (10M posts never sit in one list); the campaign accounts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    vocabulary = vocabularies()
    schema = pa.schema([("id", pa.string()), ("author_id", pa.string()), ("created_at", pa.timestamp("s", tz="UTC")),
                        ("text", pa.string()), ("reply_to", pa.string())])
    truth: set[str] = set()
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, count, chunk):
            batch, found = generate_chunk(count, start, min(count, start + chunk), seed, vocabulary, hours)
            truth |= found
            writer.write_table(pa.table({"id": batch.ids, "author_id": batch.authors,
                                         "created_at": pa.array(batch.times, pa.timestamp("s", tz="UTC")),
                                         "text": batch.texts, "reply_to": batch.reply_to}, schema=schema),
                               row_group_size=65_536)
    return truth


class Sampler:
    """Load average and memory in use on the machine, sampled each second while the run goes on
    (Ray's workers and object store are other processes: the machine's memory is what they add up to)."""

    def __init__(self) -> None:
        self.load: list[float] = []
        self.used_mb: list[float] = []
        self.worker_cpu: dict[int, float] = {}
        """CPU seconds of each Ray worker process (pid), as last seen: Ray's workers are not this
        process's children, so `RUSAGE_CHILDREN` does not count them."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while not self._stop.is_set():
            self.load.append(os.getloadavg()[0])
            info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
            self.used_mb.append((int(info["MemTotal"].split()[0]) - int(info["MemAvailable"].split()[0])) / 1024)
            for proc in Path("/proc").iterdir():
                try:
                    if proc.name.isdigit() and (proc / "cmdline").read_bytes().startswith(b"ray::"):
                        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                        self.worker_cpu[int(proc.name)] = (int(fields[11]) + int(fields[12])) / tick
                except OSError:
                    continue
            self._stop.wait(1.0)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="posts")
    parser.add_argument("--window", type=int, default=10, help="window in minutes")
    parser.add_argument("--engine", choices=("local", "ray"), default="local")
    parser.add_argument("--workers", type=int, default=2, help="Ray workers (--engine ray)")
    parser.add_argument("--hours", type=float, default=1.0, help="the posts' time span (--engine ray)")
    parser.add_argument("--input", type=Path, help="Parquet input to write (or reuse) for --engine ray")
    args = parser.parse_args()
    if args.engine == "ray":
        run_ray(args)
        return
    started = time.perf_counter()
    batch, truth = generate(args.n)
    generated = time.perf_counter()
    print(f"generated {len(batch):,} posts in {generated - started:.1f} s (peak RSS {peak_rss_mb():,.0f} MB)")
    cpu = time.process_time()
    result = detect_campaigns(batch, window=timedelta(minutes=args.window))
    took = time.perf_counter() - generated
    cpu = time.process_time() - cpu
    found = {account for campaign in result.campaigns for account in campaign.accounts}
    print(f"detected in {took:.1f} s, {cpu:.1f} s of CPU (one thread: about the wall time on an idle core): "
          f"{len(batch) / took:,.0f} posts/s; {len(result.campaigns)} campaigns, "
          f"{len(found & truth)}/{len(truth)} injected accounts found, {len(found - truth)} others flagged")
    print("stats:", result.stats)
    print(f"peak RSS {peak_rss_mb():,.0f} MB")


def run_ray(args: argparse.Namespace) -> None:
    """Write the posts to Parquet in chunks (unless the file is there), then detect with the Ray engine,
    reading them back through Jaga's Parquet reader (authors are pseudonymised on the way in)."""
    from jaga.engines.ray_campaigns import detect_campaigns_ray
    from jaga.privacy import pseudonymise

    path = args.input or Path(f"/tmp/bench_campaigns_{args.n}.parquet")
    started = time.perf_counter()
    truth_names = {f"campaign{number}-{index}" for number in range(20) for index in range(30)
                   if number * 120 + index < args.n}
    if not path.exists():
        truth_names = write_input(path, args.n, hours=args.hours)
        print(f"wrote {args.n:,} posts to {path} ({path.stat().st_size / 1e6:,.0f} MB) in "
              f"{time.perf_counter() - started:.1f} s (peak RSS {peak_rss_mb():,.0f} MB)")
    truth = {str(pseudonymise(name)) for name in truth_names}
    print(f"load average before: {os.getloadavg()}")
    with Sampler() as sampler:
        clock, cpu = time.perf_counter(), time.process_time()
        run = detect_campaigns_ray(str(path), window=timedelta(minutes=args.window), workers=args.workers)
        took, cpu = time.perf_counter() - clock, time.process_time() - cpu
    result = run.result
    found = {account for campaign in result.campaigns for account in campaign.accounts}
    print(f"detected in {took:.1f} s with {args.workers} Ray workers: {result.stats['posts'] / took:,.0f} posts/s; "
          f"{len(result.campaigns)} campaigns, {len(found & truth)}/{len(truth)} injected accounts found, "
          f"{len(found - truth)} others flagged")
    print(f"CPU: driver {cpu:.1f} s, Ray workers {sum(sampler.worker_cpu.values()):.1f} s (sampled each second)")
    print("stats:", result.stats)
    print(f"driver peak RSS {run.driver_peak_mb:,.0f} MB; busiest worker's peak RSS {run.worker_peak_mb:,.0f} MB; "
          f"machine memory in use: {min(sampler.used_mb):,.0f} MB before, peak {max(sampler.used_mb):,.0f} MB")
    print(f"load average during the run: mean {sum(sampler.load) / len(sampler.load):.2f}, "
          f"max {max(sampler.load):.2f} (2 cores)")


if __name__ == "__main__":
    main()
