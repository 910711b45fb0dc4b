"""The Ray engine finds the local engine's campaigns, on a local Ray (two CPUs, loopback only).

The input is cut into many small splits and few partitions, so that texts, keys and account pairs
cross blocks and partitions as they do at scale."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ray")

from jaga.campaigns import detect_campaigns
from jaga.engines.ray_campaigns import detect_campaigns_ray, start_ray
from jaga.ingest.readers import RecordReader
from jaga.privacy import pseudonymise
from jaga.types import Post

from .posts import DECORATIONS, MESSAGES, campaign_posts, organic_posts, post
from .test_detect import SECOND

SMALL = {"split_bytes": 3_000, "partitions": 3, "chunk": 7}
"""Splits of ~10 posts, read 7 at a time, 3 partitions: every stage crosses blocks."""


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    import ray

    started = start_ray(None, 2)
    yield
    if started:
        ray.shutdown()


def injection() -> list[Post]:
    """A small fixed injection: two campaigns (one with an account that joined one burst only), a
    translated campaign behind a shortener, co-replies, a viral story shared once by many, organic
    chatter, and posts that cannot take part."""
    posts = campaign_posts(accounts=8)
    posts.append(post("late", "one-timer", 90.5, MESSAGES[2] + " 😡"))
    posts += [post(f"d{m}-{a}", f"other{a}", 300 + m * 45 + a, SECOND[m] + DECORATIONS[a])
              for m in range(3) for a in range(6)]
    texts = {"th": "รัฐบาลแจกเงินช่วยเหลือคนละ 5,000 บาท ลงทะเบียนด่วนภายในวันนี้",
             "lo": "ລັດຖະບານແຈກເງິນຊ່ວຍເຫຼືອຄົນລະ 500,000 ກີບ ລົງທະບຽນດ່ວນພາຍໃນມື້ນີ້",
             "km": "រដ្ឋាភិបាលចែកប្រាក់ជំនួយម្នាក់ 500,000 រៀល ចុះឈ្មោះភ្លាមៗថ្ងៃនេះ"}
    for round_ in range(2):
        for index, (language, text) in enumerate(texts.items()):
            link = "bit.ly/x9Y (aid.example/register)" if index == 0 else "https://bit.ly/x9Y?utm_source=fb"
            posts.append(post(f"{language}{round_}", f"acct-{language}", 500 + round_ * 60 + index,
                              f"{text} {link} #เงินช่วยเหลือ{round_}", lang=language))
    posts += [post(f"r{t}-{a}", f"replier{a}", 700 + t * 30 + a, f"setuju {a}", reply_to=f"target{t}")
              for t in range(3) for a in range(4)]
    story = "Gempa magnitudo 6,1 guncang Sulawesi Tengah pagi ini, warga diminta waspada gempa susulan"
    posts += [post(f"v{i}", f"reader{i}", 20 + i * 0.5, f"{story} https://berita.example/gempa #PrayForSulteng")
              for i in range(30)]
    posts += organic_posts(60)
    posts += [Post(id="anon", text=MESSAGES[0]), Post(id="timeless", author_id="a", text="x")]
    return posts


def write_jsonl(posts: list[Post], path: Path) -> Path:
    path.write_text("".join(item.model_dump_json() + "\n" for item in posts) + "{not json\n", encoding="utf-8")
    return path


def local(path: Path, **settings: Any) -> Any:
    """The local engine on the same file, read as `jaga campaigns` reads it."""
    posts = [record.post for record in RecordReader(str(path)) if record.post is not None]
    return detect_campaigns(posts, **settings)


@pytest.mark.parametrize("settings", [{}, {"communities": True}, {"attach": 0.0, "min_weight": 1},
                                      {"kinds": ["url", "hashtag", "reply"], "window": timedelta(minutes=30)}])
def test_the_ray_engine_finds_the_local_engines_campaigns(ray_session: None, tmp_path: Path,
                                                           settings: dict[str, Any]) -> None:
    path = write_jsonl(injection(), tmp_path / "posts.jsonl")
    expected = local(path, **settings)
    run = detect_campaigns_ray(str(path), **settings, **SMALL)  # type: ignore[arg-type]
    assert expected.campaigns, "the injection must hold campaigns for this test to mean anything"
    assert [c.accounts for c in run.result.campaigns] == [c.accounts for c in expected.campaigns]
    assert [c.to_json() for c in run.result.campaigns] == [c.to_json() for c in expected.campaigns]
    assert list(run.result.graph.edges(data=True)) == list(expected.graph.edges(data=True))
    assert run.result.skipped == expected.skipped
    assert run.result.post_times == expected.post_times
    assert len(run.rejects) == 1 and run.rejects[0]["line"] == len(injection()) + 1


def test_the_default_settings_find_the_injected_campaigns_and_not_the_viral_story(ray_session: None,
                                                                                 tmp_path: Path) -> None:
    path = write_jsonl(injection(), tmp_path / "posts.jsonl")
    found = [set(campaign.accounts) for campaign in detect_campaigns_ray(str(path), **SMALL).result.campaigns]  # type: ignore[arg-type]
    named = {pseudonymise(name): name for name in ("one-timer", "acct0", "other0", "acct-th", "replier0", "reader0")}
    assert sorted(len(accounts) for accounts in found) == [3, 4, 6, 9]
    assert {named.get(account) for accounts in found for account in accounts} >= {
        "one-timer", "acct0", "other0", "acct-th", "replier0"}
    assert not any(pseudonymise("reader0") in accounts for accounts in found)


def test_the_cli_runs_the_ray_engine_with_the_local_engines_output(ray_session: None, tmp_path: Path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from jaga.cli.campaigns import campaigns_app

    app = typer.Typer()
    app.add_typer(campaigns_app, name="campaigns")
    path = write_jsonl(injection(), tmp_path / "posts.jsonl")
    outputs = {}
    for engine in ("local", "ray"):
        result = CliRunner().invoke(app, ["campaigns", str(path), "--engine", engine, "--workers", "2",
                                          "-o", str(tmp_path / f"{engine}.json"),
                                          "--rejects", str(tmp_path / f"{engine}.rejects")])
        assert result.exit_code == 3, result.output  # records set aside: the bad line and two unusable posts
        outputs[engine] = json.loads((tmp_path / f"{engine}.json").read_text(encoding="utf-8"))
        assert "from 153 posts; 3 records set aside" in result.output
    assert outputs["ray"]["campaigns"] == outputs["local"]["campaigns"]
    assert (tmp_path / "ray.rejects").read_text() == (tmp_path / "local.rejects").read_text()
    refused = CliRunner().invoke(app, ["campaigns", "-", "--engine", "ray"])
    assert refused.exit_code != 0 and "reads an input file" in refused.output
