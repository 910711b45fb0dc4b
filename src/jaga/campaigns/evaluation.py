"""How well `detect_campaigns` recovers campaigns: synthetic campaigns injected into real posts.

Why synthetic: no public data set labels coordinated accounts in Southeast Asian languages. The
organic background is real text (posts and comments from the shared data sets, in Indonesian, Malay,
Vietnamese, Filipino, English, Burmese, Thai, Chinese and Tamil) given random accounts and times, so
near-duplicate matching faces real vocabulary, real length and real accidental overlap. Into it go:

- campaigns: a few to a few dozen accounts posting several messages in bursts, each copy varied
  (emoji, word order, small edits, added interjections), some accounts posting translations
  (written here, in Thai, Lao, Khmer, Burmese, also typed in Zawgyi, and others), each post delayed by
  a random jitter, with the campaign's link (tracking parameters varied, sometimes behind a
  shortener) and hashtag in some copies; the accounts also post ordinary filler;
- organic look-alikes: viral news shared honestly by many unrelated accounts spread over hours,
  the same headline and link, which a detector that only looks at copies would flag.

Scored: precision and recall of accounts (campaign accounts found vs flagged) and of posts (the
campaign messages vs the posts the campaigns were found through). Filler posts by campaign accounts
are not campaign posts. The target (issue 25) is >= 0.9 on accounts.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from jaga.campaigns.detect import CampaignResult, PostBatch, detect_campaigns
from jaga.config import data_dir
from jaga.text.icu import zawgyi_transliterator

START = 1_767_225_600  # 2026-01-01 00:00 UTC

CAMPAIGNS: list[dict[str, Any]] = [
    {"url": "https://kabar-sehat.example/vaksin-chip?utm_source=wa", "tag": "#BukaMataRakyat", "messages": [
        {"id": "Vaksin terbaru mengandung chip pelacak, para dokter sudah mengakuinya. Jangan mau disuntik, "
               "sebarkan sebelum dihapus!",
         "ms": "Vaksin terbaru mengandungi cip pengesan, doktor sudah mengakuinya. Jangan mahu disuntik, "
               "kongsikan sebelum dipadam!"},
        {"id": "Rumah sakit dibayar untuk mencatat setiap kematian sebagai korban virus. Buka matamu, "
               "baca buktinya di sini.",
         "ms": "Hospital dibayar untuk merekod setiap kematian sebagai mangsa virus. Buka mata anda, "
               "baca buktinya di sini."},
        {"id": "Minum air rebusan daun sirih tiga kali sehari terbukti menyembuhkan virus lebih cepat "
               "dari obat dokter."},
    ]},
    {"url": "https://gov-aid-th.example/register", "tag": "#เงินช่วยเหลือ", "messages": [
        {"th": "รัฐบาลแจกเงินช่วยเหลือคนละ 5,000 บาท ลงทะเบียนด่วนภายในวันนี้ก่อนระบบปิด กดลิงก์ด้านล่างเลย",
         "lo": "ລັດຖະບານແຈກເງິນຊ່ວຍເຫຼືອຄົນລະ 500,000 ກີບ ລົງທະບຽນດ່ວນພາຍໃນມື້ນີ້ ກົດລິ້ງລຸ່ມນີ້",
         "km": "រដ្ឋាភិបាលចែកប្រាក់ជំនួយម្នាក់ 500,000 រៀល ចុះឈ្មោះភ្លាមៗថ្ងៃនេះ ចុចតំណខាងក្រោម"},
        {"th": "ข่าวด่วน! ธนาคารจะปิดบัญชีที่ไม่ยืนยันตัวตนภายใน 24 ชั่วโมง รีบยืนยันผ่านลิงก์นี้ก่อนเงินหาย",
         "lo": "ຂ່າວດ່ວນ! ທະນາຄານຈະປິດບັນຊີທີ່ບໍ່ຢືນຢັນຕົວຕົນພາຍໃນ 24 ຊົ່ວໂມງ ຮີບຢືນຢັນຜ່ານລິ້ງນີ້"},
        {"th": "แชร์ต่อด่วน นักการเมืองฝ่ายค้านรับเงินจากต่างชาติ มีหลักฐานชัดเจนในคลิปนี้ อย่าให้ถูกลบ",
         "km": "ចែករំលែកបន្ទាន់ អ្នកនយោបាយប្រឆាំងទទួលលុយពីបរទេស មានភស្តុតាងច្បាស់ក្នុងវីដេអូនេះ"},
    ]},
    {"url": "https://tin-nong.example/nuoc-may", "tag": "#CanhBao", "messages": [
        {"vi": "Tin khẩn: nước máy ở Hà Nội bị nhiễm độc, tuyệt đối không uống trong ba ngày tới. "
               "Chia sẻ ngay cho người thân!",
         "en": "Urgent: tap water in Hanoi is poisoned, do not drink it for the next three days. "
               "Share with your family now!"},
        {"vi": "Bộ Y tế đã giấu số liệu thật về dịch bệnh, con số thật cao gấp mười lần. "
               "Xem tài liệu bị rò rỉ tại đây."},
        {"vi": "Ngân hàng sẽ đóng băng mọi tài khoản chưa cập nhật căn cước trước thứ Sáu này, "
               "hãy làm ngay kẻo mất tiền.",
         "en": "Banks will freeze every account without an updated ID card before this Friday, "
               "do it now or lose your money."},
    ]},
    {"url": "https://totoo-balita.example/dayaan", "tag": "#DayaanSaHalalan", "messages": [
        {"tl": "Huwag kayong maniwala sa resulta ng halalan, may dayaan sa mga makina sa buong bansa. "
               "Ikalat ninyo ito!",
         "en": "Don't believe the election results, the machines were rigged all over the country. "
               "Spread this!"},
        {"tl": "Binayaran ng mga dayuhan ang mga kandidato ng oposisyon, narito ang mga dokumento na "
               "nagpapatunay."},
        {"tl": "Lahat ng bakunado ay mamamatay sa loob ng dalawang taon, sabi ng isang doktor na "
               "pinatahimik na."},
    ]},
    {"url": "https://myanmar-truth.example/votes", "tag": "#မဲလိမ်မှု", "messages": [
        {"my": "ရွေးကောက်ပွဲမှာ မဲလိမ်မှုတွေ အများကြီးရှိတယ်၊ အထောက်အထားတွေ ဒီမှာကြည့်ပါ၊ မဖျက်ခင် မျှဝေပါ",
         "zh": "选举存在大规模舞弊，证据都在这里，在被删除之前赶快转发！"},
        {"my": "ဆေးရုံတွေက လူနာတွေကို ဗိုင်းရပ်စ်ကြောင့်သေတယ်လို့ အတင်းမှတ်တမ်းတင်နေတယ်၊ အမှန်တရားကို သိပါ",
         "ta": "மருத்துவமனைகள் ஒவ்வொரு மரணத்தையும் வைரஸ் மரணம் என்று பதிவு செய்கின்றன, "
               "உண்மையை தெரிந்து கொள்ளுங்கள்"},
        {"my": "ဘဏ်တွေ နောက်အပတ်မှာ ပိတ်တော့မယ်၊ ငွေတွေ အမြန်ထုတ်ထားကြပါ၊ ဒီသတင်းကို မျှဝေပေးပါ"},
    ]},
]
"""Campaign messages, written for this evaluation: each a dict of language -> text (the first is
the campaign's main language; accounts that speak another one post the translation)."""

VIRAL_NEWS: list[tuple[str, str, str]] = [
    ("Gempa magnitudo 6,1 guncang Sulawesi Tengah pagi ini, warga diminta waspada gempa susulan",
     "https://berita.example/gempa-sulteng", "#PrayForSulteng"),
    ("Harga BBM resmi turun mulai besok, pemerintah umumkan penyesuaian harga Pertalite dan Solar",
     "https://berita.example/bbm-turun", "#BBM"),
    ("Đội tuyển Việt Nam giành chức vô địch AFF Cup sau trận chung kết nghẹt thở tối qua",
     "https://bao.example/aff-cup", "#AFFCup"),
    ("กรมอุตุฯ เตือนพายุฤดูร้อนถล่มภาคเหนือและภาคอีสาน 3 วันข้างหน้า ระวังอันตรายจากลมกระโชกแรง",
     "https://khao.example/storm-warning", "#พายุฤดูร้อน"),
    ("PAGASA: Typhoon signal no. 3 raised over Metro Manila, classes suspended in all levels tomorrow",
     "https://balita.example/typhoon-signal", "#WalangPasok"),
    ("Singapore announces new GST voucher payout for lower-income households from next month",
     "https://news.example/gst-voucher", "#GSTVoucher"),
]
"""Real-world-style news that many unrelated people share over hours: the look-alikes."""

_COMMENTS = ["", "", "", " 😢", " wow", " !!", " 🙏", " semoga aman", " grabe", " trời ơi", " ใจหาย", " stay safe"]
_EMOJI = ["😱", "🔥", "‼️", "🙏", "😡", "👇", "📢", "⚠️"]
_PREFIXES = ["", "", "", "PENTING: ", "Wow. ", "Baca ini: ", "OMG ", ">>> ", "FYI "]
_SHORT_CODES = "abcdefghijkmnpqrstuvwxyz23456789"


@dataclass
class Injection:
    """What is injected: the posts (as columns) and the truth about them."""

    batch: PostBatch
    campaign_accounts: set[str]
    campaign_posts: set[str]
    lookalike_accounts: set[str]
    sources: dict[str, int]


@dataclass
class Scores:
    account_precision: float
    account_recall: float
    post_precision: float
    post_recall: float
    campaigns_found: int
    campaigns_injected: int
    lookalike_accounts_flagged: int
    seconds: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {key: round(value, 4) if isinstance(value, float) else value for key, value in self.__dict__.items()}


def _csv_column(path: Path, column: str, delimiter: str = ",", encoding: str = "utf-8") -> Iterator[str]:
    with open(path, encoding=encoding, newline="") as handle:
        for row in csv.DictReader(handle, delimiter=delimiter):
            value = row.get(column)
            if value and value.strip():
                yield value.strip()


def _burmese(path: Path) -> Iterator[str]:
    tag = re.compile(r"/(ab|re|ra|bo|se|le|po|ed|no)(\|(ab|re|ra|bo|se|le|po|ed|no))*")
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            text = tag.sub("", line.split("\t")[0]).strip()
            if text:
                yield text


def _thai(path: Path) -> Iterator[str]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            tokens = json.loads(line).get("Text") or []
            text = "".join(token for token in tokens if token != "|||").strip()
            if text:
                yield text[:280]


SOURCES: dict[str, tuple[str, Any]] = {
    "sg_online_attacks": ("sg_online_attacks/train_split.csv", lambda p: _csv_column(p, "text")),
    "vihsd": ("vihsd/train.csv", lambda p: _csv_column(p, "free_text")),
    "filipino_hatespeech_election": ("filipino_hatespeech_election/train.csv", lambda p: _csv_column(p, "text")),
    "davidson_en": ("davidson_en/labeled_data.csv", lambda p: _csv_column(p, "tweet")),
    "my_hatespeech": ("my_hatespeech/myHateSpeech_ver1.0.txt", _burmese),
    "limesoda_th": ("claims/limesoda_th/val_v1.jsonl", _thai),
    "cold_zh": ("cold_zh/train.csv", lambda p: _csv_column(p, "TEXT")),
    "tamil_hasoc2021": ("tamil_hasoc2021/task1_tamil_script_train.tsv", lambda p: _csv_column(p, "text", "\t")),
}
"""Real posts used as the organic background (only their text: authors and times are random)."""


def organic_texts(count: int, seed: int = 25, root: Path | None = None) -> tuple[list[str], dict[str, int]]:
    """`count` real texts sampled evenly from the available sources (a missing source is skipped)."""
    root = root or data_dir()
    pools: dict[str, list[str]] = {}
    for name, (relative, reader) in SOURCES.items():
        path = root / relative
        if path.is_file():
            pools[name] = list(dict.fromkeys(reader(path)))
    if not pools:
        raise FileNotFoundError(f"no organic data under {root} (set JAGA_DATA_DIR to the shared data folder)")
    rng = random.Random(seed)
    per_source = -(-count // len(pools))
    texts: list[str] = []
    used: dict[str, int] = {}
    for name, pool in pools.items():
        sample = rng.sample(pool, min(per_source, len(pool)))
        used[name] = len(sample)
        texts.extend(sample)
    rng.shuffle(texts)
    return texts[:count], used


def _vary(text: str, rng: random.Random) -> str:
    """A copy as a campaign account would post it: small, independent edits."""
    words = text.split(" ")
    if len(words) > 4 and rng.random() < 0.4:  # swap two neighbouring words
        at = rng.randrange(len(words) - 1)
        words[at], words[at + 1] = words[at + 1], words[at]
    if len(words) > 6 and rng.random() < 0.3:  # drop a word
        del words[rng.randrange(len(words))]
    text = " ".join(words)
    if rng.random() < 0.3:
        text = text.upper() if rng.random() < 0.3 else text.lower()
    text = rng.choice(_PREFIXES) + text
    if rng.random() < 0.6:
        text += " " + "".join(rng.choices(_EMOJI, k=rng.randint(1, 3)))
    return text


def inject(organic: int = 20_000, seed: int = 25, campaigns: int = len(CAMPAIGNS), hours: float = 8.0,
           lookalike_share: tuple[float, float] = (0.012, 0.04), root: Path | None = None) -> Injection:
    """Organic posts with `campaigns` synthetic campaigns and the viral look-alikes injected.

    Each viral story is shared by a `lookalike_share` fraction of the organic accounts (60-200 of
    the 5,000 accounts behind 20,000 posts): a fraction, so that a small run has as many accounts
    sharing two stories at the same time by chance as a large one."""
    rng = random.Random(seed)
    texts, used = organic_texts(organic, seed, root)
    span = int(hours * 3600)
    pool = [f"user{index:06d}" for index in range(max(organic // 4, 50))]
    ids: list[str] = []
    authors: list[str] = []
    times: list[int] = []
    posts: list[str] = []
    replies: list[str | None] = []
    popular = [f"popular-{index}" for index in range(30)]

    def add(author: str, when: int, text: str, reply: str | None = None) -> str:
        post_id = f"p{len(ids):07d}"
        ids.append(post_id)
        authors.append(author)
        times.append(START + max(when, 0))
        posts.append(text)
        replies.append(reply)
        return post_id

    for text in texts:
        add(rng.choice(pool), rng.randrange(span), text, rng.choice(popular) if rng.random() < 0.1 else None)
    lookalikes: set[str] = set()
    for headline, url, tag in VIRAL_NEWS:
        published = rng.randrange(span // 2)
        sharers = rng.randint(max(int(lookalike_share[0] * len(pool)), 5), max(int(lookalike_share[1] * len(pool)), 6))
        for author in rng.sample(pool, sharers):
            delay = int(min(rng.expovariate(1 / 5400), span))  # shares decay over hours
            parts = [headline + rng.choice(_COMMENTS)]
            if rng.random() < 0.8:
                parts.append(url + (f"?utm_source={rng.choice(['fb', 'tw', 'wa'])}" if rng.random() < 0.5 else ""))
            if rng.random() < 0.4:
                parts.append(tag)
            add(author, published + delay, " ".join(parts))
            lookalikes.add(author)
    campaign_accounts: set[str] = set()
    campaign_posts: set[str] = set()
    zawgyi = zawgyi_transliterator()
    for number, campaign in enumerate(CAMPAIGNS[:campaigns]):
        languages = sorted({language for message in campaign["messages"] for language in message})
        main = next(iter(campaign["messages"][0]))
        members = [f"cmp{number}-{index:03d}" for index in range(rng.randint(8, 30))]
        speaks = {member: main if rng.random() < 0.6 else rng.choice(languages) for member in members}
        short = "bit.ly/" + "".join(rng.choices(_SHORT_CODES, k=7))
        when = rng.randrange(span // 3)
        for message in campaign["messages"]:
            for member in members:
                if rng.random() < 0.15:
                    continue  # not every account posts every message
                language = speaks[member] if speaks[member] in message else main
                text = _vary(message[language], rng)
                if language == "my" and rng.random() < 0.5:
                    text = zawgyi.transliterate(text)  # as most phones in Myanmar still type it
                link = rng.random()
                if link < 0.3:
                    text += " " + campaign["url"].replace("utm_source=wa", f"utm_source={rng.choice(['x', 'fb'])}")
                elif link < 0.45:
                    text += f" {short} ({campaign['url'].split('?')[0]})"  # the expansion, visible
                elif link < 0.65:
                    text += " " + short
                if rng.random() < 0.6:
                    text += " " + campaign["tag"]
                campaign_posts.add(add(member, when + rng.randrange(12 * 60), text))
                campaign_accounts.add(member)  # an account that never posted a message is not in it
            when += rng.randrange(20 * 60, 60 * 60)
        for member in members:  # ordinary posts by the same accounts: not campaign posts (an account
            # that posted none of the messages is organic, and these are its posts)
            for _ in range(rng.randint(0, 3)):
                add(member, rng.randrange(span), rng.choice(texts))
    order = sorted(range(len(ids)), key=lambda index: times[index])
    batch = PostBatch([ids[i] for i in order], [authors[i] for i in order], np.array([times[i] for i in order]),
                      [posts[i] for i in order], reply_to=[replies[i] for i in order])
    return Injection(batch, campaign_accounts, campaign_posts, lookalikes - campaign_accounts, used)


def score(result: CampaignResult, injection: Injection, seconds: float = 0.0) -> Scores:
    """Precision and recall of accounts and posts (a ratio with nothing to count is 1.0 for precision,
    0.0 for recall: flagging nothing is never a success)."""
    accounts = {account for campaign in result.campaigns for account in campaign.accounts}
    posts = {post for campaign in result.campaigns for post in campaign.posts}

    def ratio(hit: int, total: int, empty: float) -> float:
        return hit / total if total else empty

    return Scores(
        account_precision=ratio(len(accounts & injection.campaign_accounts), len(accounts), 1.0),
        account_recall=ratio(len(accounts & injection.campaign_accounts), len(injection.campaign_accounts), 0.0),
        post_precision=ratio(len(posts & injection.campaign_posts), len(posts), 1.0),
        post_recall=ratio(len(posts & injection.campaign_posts), len(injection.campaign_posts), 0.0),
        campaigns_found=len(result.campaigns),
        campaigns_injected=len({account.split("-")[0] for account in injection.campaign_accounts}),
        lookalike_accounts_flagged=len(accounts & injection.lookalike_accounts), seconds=seconds,
        details={"posts": len(injection.batch), "campaign_accounts": len(injection.campaign_accounts),
                 "campaign_posts": len(injection.campaign_posts), "flagged_accounts": len(accounts),
                 "flagged_posts": len(posts), "organic_sources": injection.sources, "stats": result.stats})


def evaluate(organic: int = 20_000, seed: int = 25, window: timedelta = timedelta(minutes=10),
             min_weight: int = 2, root: Path | None = None) -> Scores:
    """Inject, detect, score."""
    import time

    injection = inject(organic, seed, root=root)
    started = time.perf_counter()
    result = detect_campaigns(injection.batch, window=window, min_weight=min_weight)
    return score(result, injection, time.perf_counter() - started)
