"""Functional suites for the harms without a trained model (sexual exploitation, self-harm,
violent extremism) and for the regional scam and gambling families (scam_fraud, illegal_gambling),
in each of the 11 languages (`suites/<category>/<code>.yaml`).

Each suite holds harmful cases and benign look-alikes (news about a case, awareness campaigns,
recovery stories, helpline sharing, gaming and food talk, a parent warning other parents), split in
a `dev` half (used while writing the cue files) and a `heldout` half (kept for measuring). A case
counts as flagged when the full pipeline's decision lists the suite's category, so the number
includes every detector that might misfire, not only the rules written for these harms.

A suite file lists its cases in one of two shapes: `dev`/`heldout` blocks of `harmful` and `benign`
texts, or a `cases` list of `{text, label, family, half}` records (the scam and gambling suites, where
the family, e.g. `pinjol` or `lottery_results`, says which kind of scam or look-alike a case is, so a
miss can be read by family). In the second shape the half alternates dev, heldout, dev, ... within
each label and family in file order, so every family is measured in both halves; the loader refuses a
file that breaks the rule, so a case cannot be moved between halves by hand.

Reported per category, language and half: recall on the harmful cases and the share of look-alikes
flagged (false-positive rate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from jaga.pipeline import Moderator
from jaga.types import Category, Post

HALVES = ("dev", "heldout")
SUITE_CATEGORIES = (Category.SEXUAL_EXPLOITATION, Category.SELF_HARM, Category.VIOLENT_EXTREMISM,
                    Category.SCAM_FRAUD, Category.ILLEGAL_GAMBLING)
LABELS = ("harmful", "benign")
RECALL_TARGET = 0.90
FALSE_POSITIVE_TARGET = 0.02


@dataclass(frozen=True)
class HarmCase:
    category: Category
    language: str
    half: str
    harmful: bool
    text: str
    family: str = ""


class SuiteError(ValueError):
    """A suite file that cannot be used, with the file (and case) named in the message."""


def suites_root() -> Path:
    return Path(str(resources.files("jaga.evaluation") / "suites"))


def load_harm_suites(root: Path | None = None, categories: Iterable[Category] = SUITE_CATEGORIES,
                     languages: Iterable[str] | None = None) -> list[HarmCase]:
    """Every case of the chosen suites; a suite file names its language and category itself."""
    wanted_languages = set(languages) if languages is not None else None
    cases: list[HarmCase] = []
    for category in categories:
        for path in sorted((root or suites_root()).joinpath(category.value).glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if Category(data["category"]) != category:
                raise ValueError(f"{path}: category {data['category']} filed under {category.value}")
            language = str(data["language"])
            if wanted_languages is not None and language not in wanted_languages:
                continue
            if "cases" in data:
                cases.extend(_records(path, category, language, data["cases"]))
                continue
            for half in HALVES:
                for label in LABELS:
                    for text in data[half][label]:
                        cases.append(HarmCase(category, language, half, label == "harmful", str(text)))
    return cases


def expected_half(seen_before: int) -> str:
    """The half of a case that has `seen_before` cases of its label and family above it in the file."""
    return HALVES[seen_before % 2]


def _records(path: Path, category: Category, language: str, records: Any) -> list[HarmCase]:
    """`cases:` records, checked: a known label, a family, and the half the alternation rule gives."""
    if not isinstance(records, list):
        raise SuiteError(f"{path}: `cases` must be a list")
    seen: dict[tuple[str, str], int] = {}
    cases = []
    for index, record in enumerate(records):
        if not isinstance(record, dict) or not {"text", "label", "family", "half"} <= set(record):
            raise SuiteError(f"{path}: case {index} needs text, label, family and half")
        label, family, half = str(record["label"]), str(record["family"]), str(record["half"])
        if label not in LABELS:
            raise SuiteError(f"{path}: case {index}: label must be harmful or benign, not {label!r}")
        wanted = expected_half(seen.get((label, family), 0))
        if half != wanted:
            raise SuiteError(f"{path}: case {index} ({label}/{family}) must be in {wanted}, not {half!r}")
        seen[(label, family)] = seen.get((label, family), 0) + 1
        cases.append(HarmCase(category, language, half, label == "harmful", str(record["text"]), family))
    return cases


def evaluate_harms(cases: list[HarmCase], moderator: Moderator | None = None) -> dict[str, Any]:
    """Recall and false-positive rate per category, language and half (plus the misjudged cases)."""
    moderator = moderator or Moderator()
    posts = [Post(id=f"suite-{index}", text=case.text, lang=case.language) for index, case in enumerate(cases)]
    decisions = moderator.moderate_batch(posts, "ASEAN")
    table: dict[tuple[str, str, str], dict[str, int]] = {}
    errors: list[dict[str, str]] = []
    for case, decision in zip(cases, decisions, strict=True):
        flagged = case.category in decision.categories
        cell = table.setdefault((case.category.value, case.language, case.half),
                                {"harmful": 0, "caught": 0, "benign": 0, "flagged": 0, "other_flagged": 0})
        if case.harmful:
            cell["harmful"] += 1
            cell["caught"] += flagged
        else:
            cell["benign"] += 1
            cell["flagged"] += flagged
            # A look-alike flagged for any other category (the classifier reading news of a bombing
            # as hate speech): not this suite's miss, but a misfire all the same.
            cell["other_flagged"] += any(category != case.category for category in decision.categories)
        if flagged != case.harmful:
            errors.append({"category": case.category.value, "language": case.language, "half": case.half,
                           "expected": "harmful" if case.harmful else "benign", "text": case.text,
                           **({"family": case.family} if case.family else {})})
    rows = [{"category": category, "language": language, "half": half, **counts,
             "recall": counts["caught"] / counts["harmful"] if counts["harmful"] else None,
             "false_positive_rate": counts["flagged"] / counts["benign"] if counts["benign"] else None}
            for (category, language, half), counts in sorted(table.items())]
    return {"rows": rows, "errors": errors, "totals": _totals(rows)}


def _totals(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    for half in HALVES:
        chosen = [row for row in rows if row["half"] == half]
        harmful = sum(row["harmful"] for row in chosen)
        benign = sum(row["benign"] for row in chosen)
        totals[half] = {
            "recall": sum(row["caught"] for row in chosen) / harmful if harmful else 0.0,
            "other_category_rate": sum(row["other_flagged"] for row in chosen) / benign if benign else 0.0,
            "false_positive_rate": sum(row["flagged"] for row in chosen) / benign if benign else 0.0,
            "cells_meeting_targets": sum(1 for row in chosen if (row["recall"] or 0) >= RECALL_TARGET
                                         and (row["false_positive_rate"] or 0) <= FALSE_POSITIVE_TARGET),
            "cells": len(chosen),
        }
    return totals


RESULTS_FILE = "results.json"
"""The last full run (`jaga eval harms --report src/jaga/evaluation/suites/results.json`), which the
model card is written from."""


FRESH_BEFORE = "34 % (106 of 312)"
FRESH_AFTER = "63 % (197 of 315)"
"""The fresh-case rounds of 2026-12-05 (all 11 languages and five categories; self-harm had its own round
first, 60 -> 82 of 110 held-out), as the authors measured them with the cue files before and after."""


def _material_figures() -> tuple[str, str]:
    """The rules alone and the rules with the heads on the exploitation material's test split, as the
    shipped heads' training measured them (`heads.json`)."""
    import json

    from jaga.detect.heads import bundled_dir

    meta = json.loads((bundled_dir() / "heads.json").read_text(encoding="utf-8"))
    names = {"sexual_exploitation": "sexual exploitation", "self_harm": "self-harm", "violent_extremism": "violent extremism",
             "scam_fraud": "scams", "illegal_gambling": "gambling"}
    rules, both = meta["on_test"]["rules"], meta["on_test"]["rules_and_heads"]

    def pct(value: float) -> str:
        return f"{100 * value:.0f} %"

    def flagged(figures: dict[str, dict[str, float]]) -> str:
        return ", ".join(f"{100 * figures[c]['test_look_alikes_flagged']:.1f} %" for c in meta["categories"])

    alone = ", ".join(f"{names[c]} {pct(rules[c]['test_recall'])}" for c in meta["categories"])
    with_heads = (", ".join(pct(both[c]["test_recall"]) for c in meta["categories"]) + f", with {flagged(both)} of the "
                  f"look-alikes flagged ({flagged(rules)} before); the heads alone, ungated, "
                  + ", ".join(pct(meta["metrics"][c]["test_recall"]) for c in meta["categories"]))
    return alone, with_heads


HELDOUT_HEADS = ("from 83.3 to 87.8 % (sexual exploitation 84.7 -> 95.5 %, self-harm 71.0 -> 76.7 %, violent "
                 "extremism 84.1 -> 88.1 %, scams 83.7 -> 85.5 %) with look-alikes flagged 2.7 -> 3.3 % (sexual "
                 "exploitation 1.1 -> 2.3 %, scams 2.4 -> 3.0 %). Retrained with the material's round s (2,194 more "
                 "posts, self-harm above all) and on 64 pieces instead of 96: 87.9 % (self-harm 77.3 %, scams 86.1 %, "
                 "violent extremism 87.5 %), look-alikes 3.3 %: a linear head on e5's pretrained vector is at its "
                 "ceiling here (at the dev threshold it scores above it 36-40 % of the held-out self-harm posts with "
                 "any material tried; an MLP head 40 %, with twice the look-alikes). The cost: e5 on int8 kernels, one "
                 "thread, for the posts that pass the gate, at most 64 pieces of a post's first 600 characters "
                 "(`bench/README.md`)")
"""The suites run before and after the heads (2026-12-05; the scam head joined later that day): the
before is no longer derivable."""

SELF_HARM_ROUND = ("a self-harm round of 2026-12-06 (16 harmful posts and 16 look-alikes per language, written "
                   "before the writer read the cue file or the suite, half held out; terms then added from the dev "
                   "misses alone, several over-broad ones narrowed to first-person phrases: km បន្ទុក, lo ພາລະ, ta பாரம், "
                   "zh 拖累) moved the pipeline on its fresh held-out posts from 54 to 57 of 88 caught (look-alikes "
                   "flagged 9 -> 8 of 87) while its fresh dev posts went 60 -> 86 of 88: cue words fitted to one "
                   "writer's posts carry little to the next writer's; over the whole self-harm held-out half 72.0 -> "
                   "75.4 % (look-alikes 16 -> 14 of 264), every category's held-out recall 85.4 -> 86.4 %. A second "
                   "self-harm round the same evening, a new writer per language (40 harmful posts and 40 look-alikes "
                   "each, all of them tuned on: 148 -> 397 of 440 caught, look-alikes 69 -> 0 of 440), which also "
                   "narrowed broad method words that fired with any time word (medicine in km, my, zh, tl; bridge and "
                   "rope in km, my, tl; Malay's shared counter word tahan, which silenced tak tahan hidup): the "
                   "held-out half 198 -> 200 of 264 caught, look-alikes flagged 14 -> 8 of 264. The lesson holds: the "
                   "look-alikes gain, recall hardly moves")
"""Measured with `jaga eval harms` before (the cue files at commit 3cb5811) and after, the new cases in both."""

ROUND_20261207 = ("A round of 2026-12-07 in eight languages (id, km, lo, ms, my, ta, tl, vi; each writer two of the "
                  "weakest categories, 20 harmful posts and 20 look-alikes each, written before reading the cue file "
                  "or the suite; halves alternate within a family, so the scam and gambling held-out halves are "
                  "small): fresh dev 138 -> 196 of 201 caught and 30 -> 1 of 197 look-alikes flagged, fresh held-out "
                  "85 -> 88 of 119 caught and 12 -> 11 of 114 flagged (measured while the shared rules changed "
                  "under the writers). The writers' reports found misfires the suites never held, fixed for every "
                  "language: recruitment fired on \"join\" and a contact alone (an arisan WhatsApp group, a reading "
                  "club's WeChat, a basketball league: removed, in eight languages), and now needs a group, jihad or "
                  "arms; English framing words read with every post (\"police\", \"training\", \"warning\") silenced "
                  "threats in every language; bare medicine, rope, bridge and knife made \"tonight\" a suicide plan "
                  "in Thai and Lao; DANA, the e-wallet, is Indonesian and Malay for funds; a short term of an unspaced "
                  "script is counted in letters without its vowel signs (Lao ວັດ, temple, matched inside "
                  "ປະຫວັດ, history). The heads speak only for a category whose anchor words the post holds, and a "
                  "place, praise or a donation no longer opens the extremism head's gate (`HeadsDetector.carriers`); "
                  "they were retrained with 770 everyday posts that share the harms' words (the material's n-round). "
                  "Over the suites with the round's cases in them, the held-out half 85.0 -> 85.3 % caught, "
                  "look-alikes 3.9 -> 3.6 %. Then a held-out partner for each family the round had left with one "
                  "case (115, written after the tuning by new writers who read neither the cues nor the suites): "
                  "47 of 55 harmful caught, 7 of 60 look-alikes flagged (genuine prize, shop and loan notices in "
                  "the scams' own words); with them the held-out half reads 85.3 % and 4.0 %")
"""Measured with `jaga eval harms`: the tree before (commit 78005d6) and after, the new cases in both."""


AUDIT_20261207 = ("A precision audit the same day: a writer of each language who had read its cue file wrote 100 "
                  "everyday posts that use the cue words in their ordinary sense (a rope or a knife for sale with "
                  "\"tomorrow\", a flash sale at the mall, a concert that \"explodes\", the state lottery's results, a "
                  "relative asking a child's age for a present) and 25 harmful posts. The rules flagged 35-85 % of the "
                  "everyday posts in every language; the whole pipeline flagged 681 of the 1,100 for an exploitation "
                  "category and removed 353. The cue files were narrowed (bare common words to the phrases that carry "
                  "the harm; compounds that hold a cue listed as `ordinary` words, which no cue may share a letter "
                  "with: 秒杀, a flash sale, holds 杀, kill); a Tamil term no longer matches after a vowel sign inside "
                  "a word; and rules were made stricter: a threat is removed only with a time or \"will\" (not with "
                  "\"I\" or \"we\"), an attack and a place alone go to review, a child, a photo and a price go to "
                  "review (not removal and a report), a method and a time alone get a support notice (ideation, not "
                  "the hour's deadline), an investment pitch needs a second word of its own. After: 124 of the 1,100 "
                  "everyday posts flagged, 21 removed; 275 of the 275 harmful posts flagged (272 before). Then a `sport` class "
                  "in eight languages (what only match talk says: a striker, a free kick, a scoreline; never the stadium, "
                  "the match, the crowd, a coach or referee, a league or a club, which a threat names) that the threat "
                  "rules give way to: of 120 match posts written with attack words (\"the team will attack hard at the "
                  "national stadium tonight\") the rules flagged 88 as threats, now 23; 64 of 66 threats against "
                  "stadiums and matches are flagged (the two missed were missed before). The cost, on "
                  "the suites' held-out half, which the writers never read: recall 85.3 -> 82.8 %, look-alikes "
                  "flagged 3.8 -> 3.6 % (dev half 99.1 % both). The 1,125 everyday and match posts no rule fires on now are a "
                  "test (`tests/detect/everyday/`)")
"""Measured with `jaga eval harms` and the whole pipeline on the audit's posts: the tree before (commit 417fda2)
and after."""

SELF_HARM_WRITERS_20261207 = (
    "A self-harm round the same day, in the eight languages whose held-out self-harm recall was lowest (id, km, lo, "
    "ms, my, ta, th, vi): a writer of each wrote 45 self-harm posts and 35 look-alikes before opening the cue file "
    "(round 1), then added phrases until the rules missed at most 4 of them and flagged none, then wrote 20 and 15 "
    "new ones in fresh wording and ran them once (round 2). Round 1 before the edits: 164 of 360 harmful posts missed, "
    "22 of 280 look-alikes flagged (rules or whole pipeline); after: 30 missed by the rules, none flagged. Round 2, never tuned on: the rules caught 27 of 160 harmful posts "
    "(17 %; 2-5 per language) and flagged 10 of 120 look-alikes, the whole pipeline 30 and 10; the self-harm head, "
    "retrained with round 1 in the material, 35 and 12 (not shipped). Held-out self-harm recall rose only in id 71 -> "
    "74 %, km 68 -> 71 %, ta 67 -> 71 %, th 71 -> 75 % (id look-alikes 9 -> 6 %). Phrase lists reach the phrasings "
    "their authors thought of; indirect ideation (\"I pray not to wake up\", \"the world is fine without me\"), farewells "
    "without a method, and self-injury in words no list holds need a trained reader: a self-harm output on the "
    "contextual tier, trained on the material (the writers' posts are in it) on a GPU. Both rounds are in "
    "`eval/self_harm_writers/`. A cue that holds a whole `ordinary` word and more now stands (Lao burden phrases "
    "holding ສະບາຍ, well off, which the word \"hello\" masked); and self-injury with concealment but no how-to "
    "(\"cut again last night, wearing long sleeves so mum won't see\"), a person's own disclosure as often as a tip, gets "
    "the support notice and review instead of removal as instructions")
"""Measured with `jaga eval harms`, the writers' check (rules and whole pipeline) and the heads retrained with
round 1 (`jaga train --heads`)."""

SELF_HARM_GATE_20261207 = (
    "Then a self-harm round for the learned reader (the material's round t: 130 self-harm posts and 110 look-alikes "
    "in each of the 11 languages, by writers who read neither the cue files, the suites nor the writers' rounds) and "
    "words that let the self-harm head read a post (`distress`: 70-89 per language, \"die\", \"pills\", \"goodbye\", "
    "read by no rule), the heads retrained: on round 2, never tuned on, the whole pipeline caught 30 -> 60 of 160 "
    "(id 3 -> 8, km 4 -> 8, lo 4 -> 8, ms 5 -> 13, my 4 -> 7, ta 5 -> 8, th 2 -> 2, vi 3 -> 6) and flagged 10 -> 13 "
    "of 120 look-alikes; 1,125 everyday posts in the harms' words (tests/detect/everyday) flagged for self-harm 2 -> 9 "
    "(a farewell before a trip home, \"last post about the sale, bye everyone\": a label and a support notice, never "
    "removal); the suites' held-out self-harm half rose in 10 of 11 languages and held in en (km 24 -> 29 of 34, lo 18 -> 22 "
    "of 24, ms 24 -> 28 of 34). The head on e5's pretrained vector is now the limit (self-harm against its look-alikes: "
    "ROC AUC 0.91)")
"""Measured with `jaga eval harms`, the writers' round 2 through the whole pipeline and the everyday posts."""

EXTREMISM_EXPLOITATION_WRITERS_20261207 = (
    "Then a fresh set for the other two (`eval/exploitation_writers/`: 15 extremism posts, 15 sexual-exploitation "
    "posts and 20 look-alikes in each of id, lo, ms, my, ta, th, tl, vi, by writers who read no cue file, suite or "
    "material, never tuned on; the Lao writer wrote no sexual-exploitation posts) and, by the same writers after it, "
    "the material's u-round (60 + 60 + 80 a language); the heads retrained, `jihad` and praise let the extremism "
    "head read a post: extremism 26 -> 36 of 120 caught (id 8 -> 9, lo 0 -> 1, ms 5 -> 6, my 3 -> 5, ta 2 -> 4, "
    "th 2 -> 3, tl 3 -> 4, vi 3 -> 4), sexual exploitation 69 -> 71 of 105, look-alikes 7 -> 7 of 160; the self-harm "
    "writers' round 2 60 -> 67 of 160 (look-alikes 13 -> 17 of 120); the everyday posts flagged for extremism 4 -> 4 "
    "and for sexual exploitation 15 -> 13. Before the gate grew, the rules' anchor words let the head read 40 of "
    "the 120, and it would have flagged 45 of the other 80 (with place and donation words as anchors too, 45 of "
    "120 caught, but 21 everyday posts, a mosque's iftar or a church fair, flagged)")
"""Measured with `jaga eval harms`, the writers' fresh set and round 2 through the whole pipeline and the everyday
posts."""


HEADS_FINE_TUNED_20261207 = (
    "Then the heads became e5 with its four upper layers fine-tuned (`jaga.training.heads`; 783 s on 2 CPU cores), "
    "trained with the material's v-round. The v-round was written after fresh sets in en, zh and km (extremism, "
    "sexual exploitation and look-alikes; en and zh self-harm as well) and a second writer's tl self-harm set, all "
    "of which joined `eval/exploitation_writers/`. Through the whole pipeline, every fresh set in all 11 languages: "
    "extremism 44 -> 52 of 165 caught, sexual exploitation 86 -> 91 of 150, self-harm 96 -> 95 of 218, "
    "look-alikes flagged 35 -> 31 of 397; the everyday posts flagged for scams 13 -> 9, self-harm 10 -> 6, "
    "extremism 4 -> 3 and sexual exploitation 12 -> 11; the suites' held-out half 86.5 -> 88.1 % caught, "
    "3.8 -> 3.7 % of look-alikes flagged, 13 -> 16 of 55 cells meeting both targets (the dev half 0.5 -> 0.8 % "
    "flagged, 50 -> 46 cells). Each head alone, wherever it reads, caught 124 of the 150 sexual-exploitation "
    "posts, 113 of the 165 extremism posts and 105 of the 218 self-harm posts. The gate lets only 97, 67 and 158 "
    "of them reach a head, so the gate is now the limit. With the first training of these heads, opening the "
    "gate to every class of its category's rules raised extremism to 64-75 of 165 and sexual exploitation to "
    "105-112 of 150. The everyday posts flagged for extremism then rose 3 -> 17-18 and for sexual exploitation "
    "14 -> 23-29, and the bench's posts sent to e5 789 -> 1,070-1,313 of 3,000: not adopted "
    "as such. Adopted instead: video, link, photo and donation words open the gate for a head that clears a "
    "strict threshold (0.2 % of the dev look-alikes; `weak_anchors`): sexual exploitation 91 -> 99 of 150 and "
    "extremism 52 -> 55 of 165 caught, look-alikes 31 -> 32 of 397, everyday posts the same, the suites' held-out "
    "half 88.1 -> 88.2 %, and 789 -> 1,070 of 3,000 bench posts reach the heads' e5")
"""Measured 2026-12-07 afternoon against the heads before, on the same sets (`jaga eval harms`, the writers' sets and
the everyday posts through the whole pipeline, the gate variants on 3,000 bench posts)."""

HEADS_LEARNED_GATE_20261207 = (
    "Then e5's six upper layers were fine-tuned instead of four (`jaga.training.heads.FROZEN`; 1,364 s of training on "
    "2 CPU cores) and a learned gate joined the anchor words: per category, a linear model on hashed n-grams that "
    "lets through 90 % of the dev split's posts of the category, after which the head must clear its strict "
    "threshold (`HeadsDetector.learned_gate`); sexual exploitation's threshold is 1.5 % of the dev look-alikes "
    "instead of 2 % (at 2 % it flagged 20 of the 1,125 everyday posts, parents selling children's clothes with "
    "photos). Through the whole pipeline, on the writers' posts never tuned on: extremism 55 -> 80 of 165 caught, "
    "sexual exploitation 99 -> 114 of 150, self-harm 95 -> 118 of 218, look-alikes flagged 29 -> 27 of 397; "
    "everyday posts flagged for self-harm 6 -> 4, extremism 3 -> 4, sexual exploitation 11 -> 11, scams 9 -> 9; "
    "the material's test split, rules and heads: extremism 28 -> 47 %, sexual exploitation 39 -> 59 %, "
    "self-harm 56 -> 63 %; the suites' held-out half 88.2 -> 88.5 % caught, look-alikes flagged 3.7 % both, "
    "cells meeting both targets 16 -> 14 of 55 (dev 46 -> 47); the bench (10,000 posts, back to back on a slow "
    "host) 89 -> 79 posts/s, the heads 36.6 -> 52.6 s, peak RSS 990 -> 1,004 MB. The anchors and the learned gate "
    "send 14 -> 26 % of real posts (the registry's test split) to the heads' e5; every post at the strict threshold "
    "would catch 80, 114 and 120")
"""Measured 2026-12-07 evening against the heads of the afternoon, on the same sets and host."""

HEADS_ROUNDS_XY_20261207 = (
    "Then two material rounds by new authors (x: 160 extremism, sexual-exploitation, self-harm posts and look-alikes "
    "a language in the shapes the older rounds lacked, thread replies, forwards, captions, indirect wording; y: 110 "
    "scam, gambling and look-alike posts a language), a head for gambling and learned gates for scams and gambling, "
    "and the learned gate's posts held to 1 % of the dev look-alikes instead of 0.2 % (extremism stays at 0.2 %: at "
    "1 % it read iftar invitations and Ramadan's \"greatest jihad\" of the self as extremism). Through the whole "
    "pipeline, on the writers' sets never tuned on (`jaga eval writers`; the scam writers' sets were written the "
    "same evening): scams 223 -> 239 of 268 caught, gambling 98 -> 117 of 132, sexual exploitation 114 -> 123 of "
    "150, self-harm 118 -> 128 of 218, extremism 81 -> 85 of 165, look-alikes flagged 60 -> 66 of 671; the "
    "everyday posts flagged for gambling 1 -> 11 of 1,125 (giveaways, a lucky draw, a club's fee), sexual "
    "exploitation 15 -> 21 (parents selling children's things), scams 9 -> 12, self-harm 4 -> 5, extremism 4 -> 3; "
    "the suites' held-out half 88.5 -> 91.2 % caught, look-alikes flagged 3.7 -> 4.1 %, cells meeting both targets "
    "14 -> 19 of 55 (dev 47 -> 43, its look-alikes 0.7 -> 1.4 %). The x round alone, before the other changes, "
    "moved extremism 81 -> 92 but sexual exploitation 114 -> 105 and self-harm 118 -> 115: its harder look-alikes "
    "raised the strict threshold, two or three dev posts, which the learned gate's posts then had to clear")
"""Measured 2026-12-07 late evening against the heads of the evening, on the same sets and host."""

HEADS_ROUND_Z_20261207 = (
    "Then the material's z-round (about 150 posts a language by new authors: self-harm that never names itself, "
    "extremism in the religious and ideological words everyday believers also use, and the look-alikes of religious "
    "life in every faith, of support for a friend and of recovery), written beside a second fresh set "
    "(`eval/exploitation_writers_2`: 16 self-harm posts, 12 extremism posts and 30 look-alikes in each of the 11 "
    "languages, by other writers, never tuned on), the heads trained on e5's eight upper layers instead of six, "
    "gambling held to 1 % of the dev look-alikes (the round's other look-alikes had diluted its pool) and "
    "extremism's strict threshold to 0.1 % (at 0.2 % the eight-layer head read an iftar invitation as extremism "
    "again). Through the whole pipeline, on the older writers' sets: scams 239 -> 247 of 268, gambling 117 -> 121 "
    "of 132, sexual exploitation 123 -> 132 of 150, self-harm 128 -> 131 of 218, extremism 85 -> 88 of 165, "
    "look-alikes flagged 66 -> 66 of 671; on the second fresh set: self-harm 129 -> 133 of 174, extremism 65 -> 73 "
    "of 131, look-alikes 19 -> 20 of 322; the everyday posts flagged for sexual exploitation 21 -> 25 of 1,125, "
    "gambling 11 -> 9, extremism 3 -> 4, scams 12 and self-harm 5 unchanged; the suites' held-out half 91.2 -> "
    "91.9 % caught, look-alikes flagged 4.1 -> 3.9 %, cells meeting both targets 19 -> 19 of 55 (dev 43 -> 41). The "
    "round alone on six layers moved extremism (85 -> 90; fresh, before 11 posts were removed, 66 -> 75) and not "
    "self-harm (128 -> 124; fresh 131 -> 130); the eight layers raised every head's ROC AUC over all writers' sets (self-harm 0.965 -> 0.977, "
    "extremism 0.980 -> 0.984)")
"""Measured 2026-12-07 night against the heads of the late evening, same sets and host."""


def stored_result(name: str) -> dict[str, Any] | None:
    """A stored evaluation report beside the suites (`RESULTS_FILE`, the writers' `RESULTS_FILE`), which the model
    card is written from; None when no run is stored."""
    import json

    path = suites_root() / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def card_section(result: dict[str, Any] | None = None) -> list[str]:
    """The model card's section on these suites (empty when no run is stored)."""
    result = result or stored_result(RESULTS_FILE)
    if result is None:
        return []
    material = _material_figures()
    lines = [
        "## Sexual exploitation, self-harm, violent extremism, scams, gambling: rules with context "
        "(`jaga.detect.harms`) and heads on fine-tuned e5 (`jaga.detect.heads`)",
        "",
        "Rules: per-language word classes (`src/jaga/detect/harm_cues/<code>.yaml`) combined by shared rules "
        "(`harm_cues/rules.yaml`) into sub-types (csam_trade, grooming, sextortion, trafficking; imminent, ideation, "
        "encouragement, instructions; threat, support, recruitment, funding, instructions; scam bait, alarm, "
        "credential_theft, investment; gambling promotion), with negation and news, condemnation, awareness, "
        "recovery, gaming and food framing. Scam and gambling lexicon terms alone stay below the label threshold. "
        "Heads: for the three categories no trained model covered, for scams (which the whole moderator missed "
        "in 55-80 % of the material's train and dev posts in every language but English) and, since 2026-12-07, for "
        "gambling, one output each on "
        "e5-small with its eight upper layers fine-tuned (on int8 kernels), trained on Jaga's exploitation material "
        "(17,813 posts in 11 languages written without the cue files or these suites, plus friendly and real "
        "posts as negatives; `jaga train --heads`, about 35 minutes on 2 CPU cores). A post reaches them when "
        "the rules' scan finds one of their categories' anchor words in it (a child, sexual material, a method, an "
        "attack: the classes rules are built on; for scams and gambling any class of theirs, a demand for payment "
        "above all), or when a learned gate (a linear model on hashed n-grams "
        "that lets through 90 % of the dev split's posts of the category) finds its wording close: then the head "
        "must clear a stricter threshold (1 % of the dev look-alikes; 0.2 % after a weak anchor: a video, a link, "
        "a donation); a head "
        "is silent where the category's framing "
        "classes (news, condemnation, awareness, family, first aid, jest, games) are present, and its score stays between "
        "the label threshold and the lowest remove threshold: it labels and sends to a person, never removes or "
        "reports on its own. On the material's test split (posts neither the rules nor the heads were fitted to) "
        "the rules alone caught " + material[0] + "; with the heads " + material[1] + ". Threshold: 2 % of "
        "the dev split's look-alikes (sexual exploitation 1.5 %, gambling 1 %); set on all benign posts instead, it flagged "
        "13-19 % of these suites' look-alikes; a first scam head, gated on the scam rules' anchor classes only, flagged bank notices (scam "
        "look-alikes 0.5 -> 3.1 % on the dev half) and was dropped; the shipped one, trained with 132 more bank and "
        "e-wallet notices among the material's look-alikes, flags 0.5 % there (1.6 % without them).",
        "",
        "Measured by `jaga eval harms` on Jaga's own functional suites (`src/jaga/evaluation/suites/`, "
        "64-156 cases per category and language: half harmful, half benign look-alikes; scam and gambling cases "
        "name their family; a `dev` half used while writing the cue files and a `heldout` half never tuned on). A "
        "case counts as flagged when the whole pipeline's decision (every detector, ASEAN baseline) lists the "
        "category. The suites and the cue files were written by the same authors, so even the held-out half is "
        "optimistic. What new posts meet is better read from the rounds of 2026-12-05, where each language's author "
        "wrote fresh cases (12 harmful and 12 look-alikes per category, half of them held out) before changing any "
        "cue: the cue files caught " + FRESH_BEFORE + " of the fresh held-out harmful posts before the round, and "
        + FRESH_AFTER + " after terms were added from the dev misses alone; and from the material's test split "
        "above. With the heads, held-out recall rose " + HELDOUT_HEADS + ". Then " + SELF_HARM_ROUND + ". "
        + ROUND_20261207 + ". " + AUDIT_20261207 + ". " + SELF_HARM_WRITERS_20261207 + ". " + SELF_HARM_GATE_20261207 + ". "
        + EXTREMISM_EXPLOITATION_WRITERS_20261207 + ". " + HEADS_FINE_TUNED_20261207 + ". "
        + HEADS_LEARNED_GATE_20261207 + ". " + HEADS_ROUNDS_XY_20261207 + ". " + HEADS_ROUND_Z_20261207 + ".",
        "",
    ]
    for half in HALVES:
        totals = result["totals"][half]
        lines.append(f"- **{half}**: recall {100 * totals['recall']:.1f} %, look-alikes flagged "
                     f"{100 * totals['false_positive_rate']:.1f} %; {totals['cells_meeting_targets']} of "
                     f"{totals['cells']} category-language cells meet both targets (recall >= 90 %, <= 2 % flagged); "
                     f"{100 * totals.get('other_category_rate', 0.0):.1f} % of look-alikes flagged for another "
                     "category by the other detectors.")
    lines += ["", "| category | language | recall dev | recall held-out | flagged dev | flagged held-out |",
              "|---|---|---|---|---|---|"]
    cells: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for row in result["rows"]:
        cells.setdefault((row["category"], row["language"]), {})[row["half"]] = row
    for (category, language), halves in sorted(cells.items()):
        dev, held = halves.get("dev", {}), halves.get("heldout", {})
        lines.append(f"| {category} | {language} | {dev.get('caught')}/{dev.get('harmful')} | "
                     f"{held.get('caught')}/{held.get('harmful')} | {dev.get('flagged')}/{dev.get('benign')} | "
                     f"{held.get('flagged')}/{held.get('benign')} |")
    return [*lines, ""]
