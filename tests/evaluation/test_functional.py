from __future__ import annotations

from pathlib import Path

import pytest

from jaga import Moderator
from jaga.evaluation.functional import SuiteError, evaluate_suite, load_suite, macro_f1


def _suite(tmp_path: Path, rows: list[str], header: str = "text,label,functionality,target,language") -> Path:
    path = tmp_path / "suite.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_macro_f1_is_the_mean_of_both_classes() -> None:
    assert macro_f1([True, True, False, False], [True, True, False, False]) == 1.0
    assert macro_f1([True, False], [False, True]) == 0.0
    assert macro_f1([True, True, False, False], [True, True, True, False]) == pytest.approx((0.8 + 2 / 3) / 2)


def test_suite_report_per_language_and_functionality(tmp_path: Path, moderator: Moderator) -> None:
    path = _suite(tmp_path, [
        "Semua orang Cina itu binatang kotor,hateful,derog,chinese,id",
        "Selamat pagi semua,non-hateful,neutral,,id",
        "今天天气很好,non-hateful,neutral,,zh",
        "The weather is lovely today,non-hateful,neutral,,en",
    ])
    result = evaluate_suite(load_suite(path), moderator)
    assert result["n"] == 4
    assert set(result["by_language"]) == {"en", "id", "zh"}
    assert result["by_functionality"]["neutral"] == {"accuracy": 1.0, "gold": "non-hateful", "n": 3}
    assert 0.0 <= result["macro_f1"] <= 1.0
    # Only the statement about a group reaches the encoder tier; its share is reported.
    assert result["escalated"] == 0.25 and result["by_language"]["id"]["escalated"] == 0.5
    assert result["by_language"]["en"]["escalated"] == 0.0


def test_hatecheck_column_names_and_lang_option(tmp_path: Path) -> None:
    path = _suite(tmp_path, ["I love my neighbours,non-hateful,ident_pos_nh,none"],
                  header="test_case,label_gold,functionality,target_ident")
    with pytest.raises(SuiteError, match="--lang"):
        load_suite(path)
    case = load_suite(path, "en")[0]
    assert (case.text, case.hateful, case.language, case.target) == ("I love my neighbours", False, "en", "none")


def test_bad_label_names_the_line(tmp_path: Path) -> None:
    path = _suite(tmp_path, ["fine,non-hateful,f,,en", "odd,maybe,f,,en"])
    with pytest.raises(SuiteError, match=r"suite\.csv:3"):
        load_suite(path)
