"""Reproducible benchmark input: 10,000 posts in all 11 languages, built from the example posts with
deterministic variations (seeded), so every run measures the same work."""

from __future__ import annotations

import json
import random
import resource
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "posts.jsonl"
FILLERS = ["", " ok", " 😀", " lah", " ya", " na", " ครับ", " nhé", " 吧", " !!", " https://example.com/x"]


def make_posts(count: int = 10_000, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    base = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    posts = []
    for index in range(count):
        template = base[index % len(base)]
        text = str(template["text"])
        words = text.split(" ")
        if len(words) > 3 and rng.random() < 0.5:
            rng.shuffle(words)
            text = " ".join(words)
        posts.append({**template, "id": f"bench-{index}", "text": text + rng.choice(FILLERS)})
    return posts


def write_posts(path: Path, count: int = 10_000) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for post in make_posts(count):
            handle.write(json.dumps(post, ensure_ascii=False) + "\n")
    return path


def peak_rss_mb(children: bool = False) -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_maxrss / 1024  # Linux reports KiB
