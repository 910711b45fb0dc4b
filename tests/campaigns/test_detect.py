from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pytest

from jaga.campaigns import PostBatch, detect_campaigns
from jaga.types import Post

from .posts import DECORATIONS, MESSAGES, T0, campaign_posts, organic_posts, post


def test_a_campaign_is_found_with_its_accounts_posts_and_texts() -> None:
    posts = campaign_posts() + organic_posts()
    result = detect_campaigns(posts)
    assert len(result.campaigns) == 1
    campaign = result.campaigns[0]
    assert campaign.accounts == [f"acct{a}" for a in range(6)]
    assert sorted(campaign.posts) == sorted(p.id for p in posts if p.id.startswith("c"))
    assert campaign.start == T0 and campaign.end == T0 + timedelta(minutes=95)
    assert len(campaign.texts) == 3 and campaign.representative_text.startswith(MESSAGES[0][:20])
    assert campaign.co_actions["text"] == 45 and campaign.density == 1.0
    assert campaign.languages == {"id": 18}
    assert result.graph["acct0"]["acct1"]["weight"] == 3
    assert detect_campaigns(posts).campaigns[0].id == campaign.id  # stable


def test_posts_further_apart_than_the_window_are_not_coordinated() -> None:
    posts = campaign_posts(spread=15)  # each account 15 minutes after the previous
    assert detect_campaigns(posts, window=timedelta(minutes=10)).campaigns == []
    assert len(detect_campaigns(posts, window=timedelta(minutes=20)).campaigns) == 1


def test_one_shared_message_is_not_enough_at_the_default_weight() -> None:
    # a viral story: text, link and hashtag shared by many accounts in minutes, once each
    story = "Gempa magnitudo 6,1 guncang Sulawesi Tengah pagi ini, warga diminta waspada gempa susulan"
    posts = [post(f"v{i}", f"reader{i}", i * 0.5, f"{story} https://berita.example/gempa #PrayForSulteng")
             for i in range(30)]
    assert detect_campaigns(posts).campaigns == []
    assert len(detect_campaigns(posts, min_weight=1).campaigns) == 1


def test_strangers_who_shared_two_viral_stories_together_own_nothing_and_are_not_a_campaign() -> None:
    stories = ["Gempa magnitudo 6,1 guncang Sulawesi Tengah pagi ini, warga diminta waspada gempa susulan",
               "Harga BBM resmi turun mulai besok, pemerintah umumkan penyesuaian harga Pertalite dan Solar"]
    posts = []
    for number, story in enumerate(stories):
        posts += [post(f"crowd{number}-{i}", f"reader{number}-{i}", number * 300 + i * 30, story) for i in range(20)]
        posts += [post(f"x{number}-{i}", f"stranger{i}", number * 300 + 7 + i, story) for i in range(3)]
    assert detect_campaigns(posts).campaigns == []
    assert [c.accounts for c in detect_campaigns(posts, own_keys=False).campaigns] == [
        ["stranger0", "stranger1", "stranger2"]]


def test_one_account_repeating_itself_is_not_a_network() -> None:
    posts = [post(f"s{i}", "spammer", i, MESSAGES[i % 3]) for i in range(12)]
    posts += [post("x1", "other", 0.5, MESSAGES[0]), post("x2", "other2", 1.5, MESSAGES[1])]
    assert detect_campaigns(posts, min_accounts=2).campaigns == []


def test_translations_are_linked_by_their_shared_link_and_hashtag() -> None:
    texts = {"th": "รัฐบาลแจกเงินช่วยเหลือคนละ 5,000 บาท ลงทะเบียนด่วนภายในวันนี้",
             "lo": "ລັດຖະບານແຈກເງິນຊ່ວຍເຫຼືອຄົນລະ 500,000 ກີບ ລົງທະບຽນດ່ວນພາຍໃນມື້ນີ້",
             "km": "រដ្ឋាភិបាលចែកប្រាក់ជំនួយម្នាក់ 500,000 រៀល ចុះឈ្មោះភ្លាមៗថ្ងៃនេះ"}
    posts = []
    for round_ in range(2):
        for index, (language, text) in enumerate(texts.items()):
            link = "bit.ly/x9Y (aid.example/register)" if index == 0 else "https://bit.ly/x9Y?utm_source=fb"
            posts.append(post(f"{language}{round_}", f"acct-{language}", round_ * 60 + index,
                              f"{text} {link} #เงินช่วยเหลือ{round_}", lang=language))
    result = detect_campaigns(posts)
    assert [campaign.accounts for campaign in result.campaigns] == [["acct-km", "acct-lo", "acct-th"]]
    campaign = result.campaigns[0]
    assert campaign.urls == ["aid.example/register"]  # the shortener, expanded from where it was shown
    assert set(campaign.languages) == {"th", "lo", "km"}
    assert result.stats["shorteners_expanded"] == 1


def test_co_reply_and_co_hashtag_alone_can_form_a_campaign() -> None:
    replies = [post(f"r{t}-{a}", f"replier{a}", t * 30 + a, f"setuju {a}", reply_to=f"target{t}")
               for t in range(3) for a in range(4)]
    assert [len(c.accounts) for c in detect_campaigns(replies).campaigns] == [4]
    assert detect_campaigns(replies, kinds=["text", "url", "hashtag"]).campaigns == []
    tags = [post(f"h{t}-{a}", f"tagger{a}", t * 30 + a, f"post {a}", extra={"hashtags": [f"#Tag{t}"]})
            for t in range(2) for a in range(3)]
    assert [campaign.co_actions for campaign in detect_campaigns(tags).campaigns] == [{"hashtag": 6}]


def test_an_account_in_only_one_burst_joins_the_campaign_it_acted_with() -> None:
    posts = campaign_posts(accounts=8)
    posts.append(post("late", "one-timer", 90.5, MESSAGES[2] + " 😡"))
    found = detect_campaigns(posts).campaigns[0].accounts
    assert "one-timer" in found
    assert "one-timer" not in detect_campaigns(posts, attach=0).campaigns[0].accounts


def test_posts_without_author_or_time_are_set_aside_and_the_rest_go_on() -> None:
    posts = [*campaign_posts(), Post(id="anon", text=MESSAGES[0]), Post(id="timeless", author_id="a", text="x")]
    result = detect_campaigns(posts)
    assert result.skipped == [("anon", "no author_id"), ("timeless", "no created_at")]
    assert len(result.campaigns) == 1
    assert {item["id"] for item in result.to_json()["skipped"]} == {"anon", "timeless"}


SECOND = ["Tin khẩn: nước máy ở Hà Nội bị nhiễm độc, tuyệt đối không uống trong ba ngày tới, chia sẻ ngay!",
          "Bộ Y tế đã giấu số liệu thật về dịch bệnh, con số thật cao gấp mười lần, xem tài liệu tại đây.",
          "Ngân hàng sẽ đóng băng mọi tài khoản chưa cập nhật căn cước trước thứ Sáu này, làm ngay kẻo mất."]


def test_communities_split_two_campaigns_joined_by_one_account() -> None:
    first = campaign_posts(accounts=6)
    second = [post(f"d{m}-{a}", f"other{a}", 300 + m * 45 + a, SECOND[m] + DECORATIONS[a])
              for m in range(3) for a in range(6)]
    bridge = [post(f"b{m}", "bridge", m * 45 + 0.5, MESSAGES[m]) for m in range(3)]
    bridge += [post(f"e{m}", "bridge", 300 + m * 45 + 0.5, SECOND[m]) for m in range(3)]
    posts = first + second + bridge
    assert [len(c.accounts) for c in detect_campaigns(posts).campaigns] == [13]
    assert sorted(len(c.accounts) for c in detect_campaigns(posts, communities=True).campaigns) == [6, 7]


def test_fact_checks_are_looked_up_for_campaign_texts() -> None:
    seen: list[str] = []

    def lookup(texts: Sequence[str]) -> list[list[str]]:
        seen.extend(texts)
        return [["fc:vaccine-chip"] if "chip" in text else [] for text in texts]

    campaign = detect_campaigns(campaign_posts(), fact_checks=lookup).campaigns[0]
    assert campaign.fact_checks == ["fc:vaccine-chip"] and len(seen) == 3


def test_columns_give_the_same_result_as_posts() -> None:
    posts = campaign_posts() + organic_posts()
    batch = PostBatch([p.id for p in posts], [str(p.author_id) for p in posts],
                      np.array([int(p.created_at.timestamp()) for p in posts if p.created_at]), [p.text for p in posts])
    assert [c.to_json() for c in detect_campaigns(batch).campaigns] == [
        c.to_json() for c in detect_campaigns(posts).campaigns]


def test_bad_settings_are_refused_clearly() -> None:
    with pytest.raises(ValueError, match="unknown co-action kinds"):
        detect_campaigns([], kinds=["likes"])
    with pytest.raises(ValueError, match="window"):
        detect_campaigns([], window=timedelta(0))
    with pytest.raises(ValueError, match="one value per post"):
        PostBatch(["a"], [], np.array([], dtype=np.int64), [])
    assert detect_campaigns([]).campaigns == []
