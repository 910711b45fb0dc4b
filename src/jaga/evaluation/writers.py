"""The writers' sets (`eval/<set>/<lang>.txt`): posts written by a writer of each language who had read
no cue file, suite or training material, and never tuned on. They measure what the exploitation
detectors learnt on posts phrased the way their authors never saw; Jaga's own suites measure what the
cue files and material were written against.

A file holds one post a line: `+<tag> text` a harmful post (`ve` violent extremism, `se` child sexual
exploitation, `sh` self-harm, `sc` scam, `gb` illegal gambling), `- text` a look-alike, `#` a comment.
A set may name the category of a bare `+ text` line and read only below a marker line, when the lines
above it were tuned on (the self-harm writers' round 1 shaped the cue files; round 2 did not).

A harmful post counts as caught when the whole pipeline's decision (ASEAN baseline) lists its
category; a look-alike as flagged when it lists any of the harm categories these sets measure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jaga.evaluation.harms import SUITE_CATEGORIES, stored_result
from jaga.pipeline import Moderator
from jaga.types import Category, Post

TAGS = {"ve": Category.VIOLENT_EXTREMISM, "se": Category.SEXUAL_EXPLOITATION, "sh": Category.SELF_HARM,
        "sc": Category.SCAM_FRAUD, "gb": Category.ILLEGAL_GAMBLING}


@dataclass(frozen=True)
class WritersSet:
    folder: str
    untagged: Category | None = None
    """The category of a bare `+ text` line (None: every harmful line carries a tag)."""
    after: str | None = None
    """Read only the lines below this one: those above it were tuned on."""


SETS = (WritersSet("exploitation_writers"),
        WritersSet("self_harm_writers", Category.SELF_HARM, "# round 2"),
        WritersSet("scam_writers"),
        WritersSet("exploitation_writers_2"))


@dataclass(frozen=True)
class WriterPost:
    set: str
    language: str
    category: Category | None
    """The harm the post commits; None for a look-alike."""
    text: str


class WritersError(ValueError):
    """A writers' file that cannot be read, with the file and line named."""


def load_set(root: Path, chosen: WritersSet) -> list[WriterPost]:
    """Every post of one set under `root` (a missing folder is an empty set)."""
    posts = []
    for path in sorted((root / chosen.folder).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        if chosen.after is not None:
            if chosen.after not in text:
                raise WritersError(f"{path}: no line {chosen.after!r} to read below")
            text = text.split(chosen.after, 1)[1]
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            head, _, body = line.partition(" ")
            if head == "-":
                category = None
            elif head == "+" and chosen.untagged is not None:
                category = chosen.untagged
            elif head[:1] == "+" and head[1:] in TAGS:
                category = TAGS[head[1:]]
            else:
                raise WritersError(f"{path}:{number}: a line starts with +<tag> ({', '.join(TAGS)}), - or #")
            if not body.strip():
                raise WritersError(f"{path}:{number}: no text")
            posts.append(WriterPost(chosen.folder, path.stem, category, body.strip()))
    return posts


def load_writers(root: Path, sets: tuple[WritersSet, ...] = SETS) -> list[WriterPost]:
    return [post for chosen in sets for post in load_set(root, chosen)]


def evaluate_writers(posts: list[WriterPost], moderator: Moderator | None = None) -> dict[str, Any]:
    """Caught and flagged counts per category and language (look-alikes per language), and the misses."""
    moderator = moderator or Moderator()
    decisions = moderator.moderate_batch(
        [Post(id=f"writers-{index}", text=post.text, lang=post.language) for index, post in enumerate(posts)], "ASEAN")
    counts: Counter[tuple[str, str, str]] = Counter()
    errors = []
    for post, decision in zip(posts, decisions, strict=True):
        found = set(decision.categories)
        if post.category is not None:
            key = post.category.value
            hit = post.category in found
        else:
            key = "look_alike"
            hit = bool(found & set(SUITE_CATEGORIES))
        counts[(key, post.language, "n")] += 1
        counts[(key, post.language, "hit")] += hit
        if hit != (post.category is not None):
            errors.append({"set": post.set, "language": post.language, "expected": key, "text": post.text,
                           "found": sorted(category.value for category in found)})
    keys = sorted({key for key, _, _ in counts})
    languages = sorted({language for _, language, _ in counts})
    rows = [{"category": key, "language": language, "posts": counts[(key, language, "n")],
             ("flagged" if key == "look_alike" else "caught"): counts[(key, language, "hit")]}
            for key in keys for language in languages if counts[(key, language, "n")]]
    totals = {key: {"posts": sum(counts[(key, language, "n")] for language in languages),
                    "hits": sum(counts[(key, language, "hit")] for language in languages)} for key in keys}
    return {"rows": rows, "totals": totals, "errors": errors}


RESULTS_FILE = "writers_results.json"
"""The last full run (`jaga eval writers --report src/jaga/evaluation/suites/writers_results.json`), which the model
card's table is written from."""


def card_section(result: dict[str, Any] | None = None) -> list[str]:
    """The model card's table of the writers' sets: caught per category and language, look-alikes flagged (empty
    when no run is stored)."""
    result = result or stored_result(RESULTS_FILE)
    if result is None:
        return []
    cells = {(row["category"], row["language"]): (row.get("caught", row.get("flagged", 0)), row["posts"])
             for row in result["rows"]}
    keys = [key for key in (*(category.value for category in SUITE_CATEGORIES), "look_alike") if key in result["totals"]]
    languages = sorted({language for _, language in cells})
    lines = ["### Writers' sets never tuned on (`jaga eval writers`)", "",
             "Posts by a writer of each language who had read no cue file, suite or training material "
             "(`eval/exploitation_writers`, the self-harm writers' round 2, `eval/scam_writers`), through the whole "
             "pipeline (ASEAN baseline): harmful posts caught, and look-alikes flagged for any of the five harms. "
             "These measure what the detectors learnt on wording their authors never saw; the material's authors "
             "never read them.", "",
             "| category | " + " | ".join(languages) + " | all |", "|---|" + "---:|" * (len(languages) + 1)]
    for key in keys:
        row = [f"{cells[(key, language)][0]}/{cells[(key, language)][1]}" if (key, language) in cells else ""
               for language in languages]
        total = result["totals"][key]
        name = "look-alikes flagged" if key == "look_alike" else key
        lines.append(f"| {name} | " + " | ".join(row) + f" | **{total['hits']}/{total['posts']}** |")
    return [*lines, ""]
