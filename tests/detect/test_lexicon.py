from __future__ import annotations

from pathlib import Path

import pytest

from jaga.detect.base import PreparedPost
from jaga.detect.lexicon import LexiconDetector, LexiconError
from jaga.text import detect_language, normalise
from jaga.types import Category, Post


def _prepare(text: str) -> PreparedPost:
    normalised = normalise(text)
    return PreparedPost(Post(id="p", text=text), normalised, detect_language(normalised.text))


@pytest.mark.parametrize(
    ("text", "category", "evidence"),
    [
        ("Ayo main SL0T G4C0R hari ini maxwin!!", Category.ILLEGAL_GAMBLING, "SL0T G4C0R"),
        ("สล็อตเว็บตรง เครดิตฟรี", Category.ILLEGAL_GAMBLING, "สล็อต"),
        ("Tangina mo talaga", Category.HARASSMENT, "Tangina mo"),
        ("nhà cái uy tín nhất", Category.ILLEGAL_GAMBLING, "nhà cái"),
        ("ကုလားေတြ ႏိုင္ငံကထြက္သြား", Category.HATE_SPEECH, "ကုလား"),  # Zawgyi input
        ("恭喜您中奖，请点击链接", Category.SCAM_FRAUD, "恭喜您中奖"),
        ("டேய் முட்டாள்", Category.HARASSMENT, "முட்டாள்"),
    ],
)
def test_terms_are_found_in_every_script_with_evidence_in_the_original(text: str, category: Category,
                                                                       evidence: str) -> None:
    signals = {signal.category: signal for signal in LexiconDetector().detect([_prepare(text)])[0]}
    assert category in signals
    assert any(span.text.startswith(evidence) or evidence.startswith(span.text) for span in signals[category].evidence)
    assert signals[category].score < 0.9  # a lexicon hit alone never reaches automatic removal


def test_words_inside_other_words_do_not_match() -> None:
    assert LexiconDetector().detect([_prepare("the gagong is not a word here, but agogo is")])[0] == []


def test_bad_lexicon_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text("language: xx\nversion: '1'\ncategories:\n  not_a_category:\n"
                                      "    score: 0.5\n    terms: [a]\n")
    with pytest.raises(LexiconError, match=r"xx\.yaml"):
        LexiconDetector(tmp_path)


def test_adding_a_term_is_a_data_change(tmp_path: Path) -> None:
    (tmp_path / "id.yaml").write_text("language: id\nversion: '1'\ncategories:\n  scam_fraud:\n"
                                      "    score: 0.6\n    terms: [hadiah gratis kilat]\n")
    signals = LexiconDetector(tmp_path).detect([_prepare("Dapatkan HADIAH GRATIS KILAT sekarang")])[0]
    assert [signal.category for signal in signals] == [Category.SCAM_FRAUD]
