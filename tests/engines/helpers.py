"""Shared by the engine tests: a small mixed input, and decisions with their clock readings taken out."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


def mixed_lines() -> list[bytes]:
    """The 11-language example posts, some with fields Jaga does not know, and bad records among them:
    invalid JSON, a missing text, Latin-1 bytes, a blank line."""
    lines = [line.encode() for line in (EXAMPLES / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    lines[3] = lines[3][:-1] + b', "likes": 7, "label": "spam?"}'
    lines.insert(5, b'{"id": "broken", "text": ')
    lines.insert(9, b"")
    lines.insert(12, b'{"id": 17}')
    lines.insert(20, b'{"id": "latin1", "text": "caf\xe9"}')
    return lines


def stable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Decisions without their clock readings: `decided_at` is when each was made, and a deadline
    is counted from it (kept as the time left)."""
    out = []
    for row in rows:
        row = json.loads(json.dumps(row))
        decided = datetime.fromisoformat(row.pop("decided_at"))
        deadline = row.pop("deadline")
        row["time_left"] = None if deadline is None else (datetime.fromisoformat(deadline) - decided).total_seconds()
        if row.get("statement"):
            row["statement"].pop("deadline", None)
            notice = row["statement"].get("user_notice") or {}
            if "text" in notice:  # "handled by <deadline>", to the minute
                notice["text"] = _MINUTE.sub("<deadline>", notice["text"])
        out.append(row)
    return out


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
