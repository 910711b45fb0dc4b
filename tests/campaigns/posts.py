"""Posts for the campaign tests: a small campaign (six accounts, three messages, a minute apart)
and organic chatter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jaga.types import Post

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
MESSAGES = [
    "Vaksin terbaru mengandung chip pelacak, para dokter sudah mengakuinya. Jangan mau disuntik!",
    "Rumah sakit dibayar untuk mencatat setiap kematian sebagai korban virus. Buka matamu sekarang.",
    "Minum air rebusan daun sirih tiga kali sehari terbukti menyembuhkan virus lebih cepat dari obat.",
]
DECORATIONS = ["", " 😱", " !!", " 🔥🔥", " FYI", " 🙏", " ‼️", " 📢"]


def post(post_id: str, author: str | None, minutes: float, text: str, **fields: Any) -> Post:
    return Post(id=post_id, author_id=author, created_at=T0 + timedelta(minutes=minutes), text=text, **fields)


def campaign_posts(accounts: int = 6, gap_minutes: float = 45, spread: float = 1.0) -> list[Post]:
    """Each account posts each message, a minute (times `spread`) after the previous account."""
    return [post(f"c{m}-{a}", f"acct{a}", m * gap_minutes + a * spread, text + DECORATIONS[a % len(DECORATIONS)])
            for m, text in enumerate(MESSAGES) for a in range(accounts)]


def organic_posts(count: int = 40) -> list[Post]:
    words = "nasi goreng enak sekali hari ini hujan deras macet lagi kantor libur pantai kopi susu".split()
    return [post(f"o{i}", f"person{i}", i * 3.7, " ".join(words[(i * 7 + j * 3) % len(words)] for j in range(9)))
            for i in range(count)]
