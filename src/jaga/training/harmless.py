"""Ordinary social posts from the harm datasets: what a claim match or a check-worthy flag on
harmless chatter costs (`jaga eval claims`). Lives beside the datasets it samples, so that the claim
stage's evaluation never imports training code (claims comes before training in the import order)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from jaga.training.datasets import REGISTRY

UNRELATED_SOURCES = ("id_abusive_2018", "vihsd", "tagalog_hate_elf", "sg_online_attacks", "davidson_en", "cold_zh",
                     "tamil_offensive_dravidian_eacl2021", "my_hatespeech")


def unrelated_posts(data_dir: Path, per_source: int = 60) -> list[str]:
    """Ordinary social posts (labelled harmless in the harm datasets), a fixed sample per source.
    `data_dir` is the claims data folder (its parent holds the harm datasets). Some do state facts;
    most are chatter."""
    posts = []
    for name in UNRELATED_SOURCES:
        dataset = REGISTRY[name]
        if not dataset.available(data_dir.parent):
            continue
        harmless = [example.text for example in dataset.examples(data_dir.parent)
                    if not any(example.labels.values()) and len(example.text) >= 20]
        harmless.sort(key=lambda text: hashlib.sha256(text.encode("utf-8")).digest())
        posts.extend(harmless[:per_source])
    return posts
