"""The writers' sets (`jaga.evaluation.writers`): every file reads, a malformed line is named, and the
evaluation counts catches per category and look-alikes flagged per language through the pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from jaga.detect.harms import HarmDetector
from jaga.evaluation.writers import SETS, WritersError, WritersSet, evaluate_writers, load_set, load_writers
from jaga.pipeline import Moderator
from jaga.types import Category

EVAL = Path(__file__).parents[2] / "eval"


def test_the_repositorys_sets_read_in_every_language_they_hold() -> None:
    posts = load_writers(EVAL)
    languages = {(post.set, post.language) for post in posts}
    assert {language for name, language in languages if name == "exploitation_writers"} >= {"en", "id", "zh", "km"}
    assert {language for name, language in languages if name == "self_harm_writers"} >= {"id", "th", "my"}
    categories = {post.category for post in posts}
    assert {Category.VIOLENT_EXTREMISM, Category.SEXUAL_EXPLOITATION, Category.SELF_HARM, None} <= categories
    assert len({post.text for post in posts}) > 0.99 * len(posts)


def test_only_the_rounds_below_the_marker_are_read(tmp_path: Path) -> None:
    folder = tmp_path / "self_harm_writers"
    folder.mkdir()
    (folder / "ms.txt").write_text("# round 1\n+ tuned on\n- also tuned on\n# round 2\n+ fresh post\n- fresh look-alike\n",
                                   encoding="utf-8")
    (self_harm,) = [chosen for chosen in SETS if chosen.folder == "self_harm_writers"]
    posts = load_set(tmp_path, self_harm)
    assert [(post.category, post.text) for post in posts] == [(Category.SELF_HARM, "fresh post"),
                                                              (None, "fresh look-alike")]


def test_a_line_without_a_known_tag_is_refused_with_its_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "scam_writers").mkdir()
    (tmp_path / "scam_writers" / "vi.txt").write_text("# header\n+sc ok post\n+xx unknown tag\n", encoding="utf-8")
    with pytest.raises(WritersError, match=r"vi.txt:3"):
        load_set(tmp_path, WritersSet("scam_writers"))


def test_catches_and_look_alikes_are_counted_per_category_and_language(tmp_path: Path) -> None:
    (tmp_path / "exploitation_writers").mkdir()
    (tmp_path / "exploitation_writers" / "id.txt").write_text(
        "+se Jual video bocil SD full no sensor, DM\n"
        "+ve ini cuma tulisan biasa tentang cuaca hari ini\n"
        "- Nasi lemak di warung ini enak sekali, sambalnya pedas\n", encoding="utf-8")
    posts = load_writers(tmp_path)
    result = evaluate_writers(posts, Moderator(detectors=[HarmDetector()]))
    assert result["totals"]["sexual_exploitation"] == {"posts": 1, "hits": 1}
    assert result["totals"]["violent_extremism"] == {"posts": 1, "hits": 0}
    assert result["totals"]["look_alike"] == {"posts": 1, "hits": 0}
    assert [error["expected"] for error in result["errors"]] == ["violent_extremism"]


def test_the_model_cards_table_gives_every_category_and_language_with_totals() -> None:
    from jaga.evaluation.writers import card_section

    result = {"rows": [{"category": "scam_fraud", "language": "km", "posts": 25, "caught": 20},
                       {"category": "scam_fraud", "language": "zh", "posts": 24, "caught": 15},
                       {"category": "look_alike", "language": "zh", "posts": 60, "flagged": 3}],
              "totals": {"scam_fraud": {"posts": 49, "hits": 35}, "look_alike": {"posts": 60, "hits": 3}}}
    lines = card_section(result)
    assert "| category | km | zh | all |" in lines
    assert "| scam_fraud | 20/25 | 15/24 | **35/49** |" in lines
    assert "| look-alikes flagged |  | 3/60 | **3/60** |" in lines
