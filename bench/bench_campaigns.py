"""Coordinated-campaign detection at scale: N posts in a one-hour window (default 1,000,000).

Posts are generated (seeded): organic texts are random word sequences over a vocabulary taken from
the shared data sets when present (so scripts and word lengths are real), else a built-in one; 20%
carry a link (Zipf over 50,000 pages), 10% a hashtag (Zipf over 2,000, so a few trend), 10% reply to
one of 10,000 posts; one account per two posts. Into them go 20 campaigns of 30 accounts posting
four messages each (varied copies, jittered by up to 8 minutes). Prints the time of each stage,
the campaigns found against those injected, and the process's peak RSS.

    python bench/bench_campaigns.py [--n 1000000] [--window 10]

Target (issue 25): 1M posts in a 1-hour window in < 2 minutes and < 4 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import random
import sys
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
    rng = np.random.default_rng(seed)
    vocabulary = vocabularies()
    scripts = sorted(vocabulary)
    share = np.array([0.6 if script == "latin" else 1.0 for script in scripts])  # Latin covers several languages
    script_of = rng.choice(len(scripts), size=count, p=share / share.sum())
    texts = [""] * count
    for number, script in enumerate(scripts):
        words = np.array(vocabulary[script], dtype=object)
        chosen = np.flatnonzero(script_of == number)
        lengths = rng.integers(4, 14, size=len(chosen)) if script in ("th", "zh") else rng.integers(5, 30, size=len(chosen))
        picks = words[rng.integers(0, len(words), size=int(lengths.sum()))]
        separator = "" if script in ("th", "zh") else " "
        for index, chunk in zip(chosen.tolist(), np.split(picks, np.cumsum(lengths)[:-1]), strict=True):
            texts[index] = separator.join(chunk)
    accounts = max(count // 2, 10)
    authors = [f"u{index}" for index in rng.integers(0, accounts, size=count)]
    times = 1_767_225_600 + rng.integers(0, 3600, size=count)
    links = rng.zipf(1.3, size=count) % 50_000
    has_link = rng.random(count) < 0.2
    tags = rng.zipf(1.5, size=count) % 2_000
    has_tag = rng.random(count) < 0.1
    for index in np.flatnonzero(has_link).tolist():
        texts[index] += f" https://site{links[index] % 997}.example/page/{links[index]}"
    for index in np.flatnonzero(has_tag).tolist():
        texts[index] += f" #tag{tags[index]}"
    replies: list[str | None] = [None] * count
    for index in np.flatnonzero(rng.random(count) < 0.1).tolist():
        replies[index] = f"post-{int(rng.integers(0, 10_000))}"
    truth: set[str] = set()
    python_rng = random.Random(seed)
    messages = [text for campaign in CAMPAIGNS for message in campaign["messages"] for text in message.values()]
    slot = 0
    for number in range(20):
        members = [f"campaign{number}-{index}" for index in range(30)]
        truth.update(members)
        start = python_rng.randrange(0, 3000)
        for message in python_rng.sample(messages, 4):
            for member in members:
                if slot >= count:
                    break
                texts[slot] = f"{message} {python_rng.choice(['', '🔥', '!!', '😱'])} #campaign{number}"
                authors[slot] = member
                times[slot] = 1_767_225_600 + min(start + python_rng.randrange(480), 3599)
                slot += 1
            start = min(start + python_rng.randrange(300, 900), 3000)
    ids = [f"b{index}" for index in range(count)]
    return PostBatch(ids, authors, times, texts, reply_to=replies), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="posts")
    parser.add_argument("--window", type=int, default=10, help="window in minutes")
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
