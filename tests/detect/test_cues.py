from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jaga.detect.classifier import HarmClassifier, TextFeaturizer, bundled_model_dir
from jaga.detect.cues import FEATURES, GROUP_TOKEN, CueAnalyser, CueError, features_of, load_cues
from jaga.text import normalise
from jaga.types import Category


@pytest.fixture(scope="module")
def analyser() -> CueAnalyser:
    return CueAnalyser()


def cues(analyser: CueAnalyser, text: str, language: str) -> set[str]:
    analysis = analyser.analyse(text, language)
    assert analysis is not None
    return set(features_of(analysis, text))


def test_every_cue_language_has_every_class() -> None:
    lexicons = load_cues()
    assert {"en", "id", "ms", "tl", "vi", "th", "ta", "zh", "km", "lo", "my"} <= set(lexicons)
    for lexicon in lexicons.values():
        assert {"identity", "dehumanise", "negation", "counter"} <= set(lexicon.term_class.values()), lexicon.language


@pytest.mark.parametrize(("hateful", "negated", "language"), [
    ("muslims are vermin", "i would never say that muslims are vermin", "en"),
    ("orang cina itu sampah masyarakat", "orang cina itu bukan sampah masyarakat", "id"),
    ("mga bakla ay salot", "hindi salot ang mga bakla", "tl"),
    ("người đồng tính là rác rưởi", "người đồng tính không phải là rác rưởi", "vi"),
    ("ฉันเกลียดคนจีน", "ฉันไม่ได้เกลียดคนจีน", "th"),
    ("我讨厌女人", "我不讨厌女人", "zh"),
])
def test_negation_turns_group_derogation_into_its_own_feature(analyser: CueAnalyser, hateful: str, negated: str,
                                                              language: str) -> None:
    assert "group_derogatory" in cues(analyser, hateful, language)
    found = cues(analyser, negated, language)
    assert "group_derogatory" not in found
    assert "group_derogatory_negated_only" in found


def test_negation_stops_at_the_clause(analyser: CueAnalyser) -> None:
    assert "group_derogatory" in cues(analyser, "i am not joking. muslims are vermin", "en")


def test_negation_in_a_question_is_rhetorical(analyser: CueAnalyser) -> None:
    found = cues(analyser, "isn't it obvious that women are inferior?", "en")
    assert {"group_derogatory", "group_hostile_question"} <= found


def test_quoted_hate_with_counter_speech(analyser: CueAnalyser) -> None:
    found = cues(analyser, 'if you say "gay people are disgusting", you are a bigot', "en")
    assert "group_derogatory_quoted_only" in found and "counter" in found
    assert "group_derogatory" not in found


def test_marked_text_hides_the_group_and_marks_scope(analyser: CueAnalyser) -> None:
    analysis = analyser.analyse("i don't hate women.", "en")
    assert analysis is not None
    assert GROUP_TOKEN in analysis.marked and "women" not in analysis.marked
    assert "n_hate" in analysis.marked


def test_unknown_language_has_no_cues(analyser: CueAnalyser) -> None:
    marked, features = analyser.transform(["xyz abc"], ["xx"])
    assert marked == ["xyz abc"] and not features.any() and features.shape == (1, len(FEATURES))


def test_bare_yaml_boolean_is_refused_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("language: en\nnegation: [not, no]\n", encoding="utf-8")
    load_cues.cache_clear()
    try:
        with pytest.raises(CueError, match=r"en\.yaml.*False is not text; quote it"):
            load_cues(tmp_path)
    finally:
        load_cues.cache_clear()


def test_unknown_cue_class_is_refused(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text("language: xx\nslurz: [a]\n", encoding="utf-8")
    with pytest.raises(CueError, match="unknown cue classes"):
        load_cues(tmp_path)


def test_featurizer_appends_cue_block_only_when_asked() -> None:
    with_cues, without = TextFeaturizer(char_bits=10, word_bits=10), TextFeaturizer(10, 10, cues=False)
    assert with_cues.n_features == without.n_features + len(FEATURES)
    matrix = with_cues.transform(["muslims are vermin"], ["en"])
    assert matrix.shape == (1, with_cues.n_features)
    assert matrix[0, -len(FEATURES):].nnz > 0


def test_bundled_model_reads_negation_and_counter_speech() -> None:
    """The bundled model, not a rule: the cue features are weights it learnt."""
    model = HarmClassifier.load(bundled_model_dir())
    hate = model.categories.index(Category.HATE_SPEECH)
    texts = ["Muslims are vermin.", "I would never say that Muslims are vermin.",
             "Saying Muslims are vermin is hateful and you should be ashamed.", "I love my Muslim neighbours."]
    scores = model.predict_proba([normalise(text).text for text in texts], ["en"] * 4)[:, hate]
    assert scores[0] > 0.8
    assert np.all(scores[1:] < scores[0] - 0.3), scores


@pytest.mark.parametrize(("text", "language"), [
    ("ต้องกำจัดคนจีนให้หมด", "th"),  # NFKC splits sara am: a cue file's กำจัด must still match
    ("ຕ້ອງກຳຈັດຄົນຫວຽດ", "lo"),
    ("ត្រូវសម្លាប់ជនជាតិចិនឱ្យអស់", "km"),
    ("ရိုဟင်ဂျာတွေကို သတ်ပစ်", "my"),
])
def test_cue_terms_match_canonical_text_in_scripts_without_spaces(analyser: CueAnalyser, text: str,
                                                                  language: str) -> None:
    assert {"identity", "threat", "group_threat"} <= cues(analyser, normalise(text).text, language)


@pytest.mark.parametrize(("text", "language", "found"), [
    ("immigrnts like you are repugnant", "en", ("immigrnts", "identity")),  # a letter dropped
    ("they are worthelss", "en", ("worthelss", "insult")),  # two letters swapped
    ("typical niggerbehaviour", "en", ("nigger", "slur")),  # run together with a common word
    ("ihate women", "en", ("hate", "hate_verb")),
    ("dasar anjingg semua", "id", ("anjingg", "dehumanise")),
    ("我想sha死所有跨性别者", "zh", ("sha死", "threat")),  # one character in pinyin
    ("他们都是laji", "zh", ("laji", "dehumanise")),  # the whole term in pinyin
    ("典型的女表子行为", "zh", ("女表子", "slur")),  # a character written as two (婊 as 女表)
    ("歹戋疾人都该滚出去", "zh", ("歹戋疾人", "identity")),
])
def test_misspelt_and_run_together_cue_terms_are_found(analyser: CueAnalyser, text: str, language: str,
                                                       found: tuple[str, str]) -> None:
    analysis = analyser.analyse(text, language)
    assert analysis is not None
    assert found in [(text[hit.start:hit.end], hit.cue_class) for hit in analysis.hits]


@pytest.mark.parametrize("text", ["treat women with respect", "i have a skill", "grapes are sweet"])
def test_common_words_are_never_read_as_misspellings(analyser: CueAnalyser, text: str) -> None:
    analysis = analyser.analyse(text, "en")
    assert analysis is not None
    assert {hit.cue_class for hit in analysis.hits} <= {"identity", "positive"}


def test_pinyin_is_read_only_as_a_whole_latin_word_and_never_as_english(analyser: CueAnalyser) -> None:
    for text in ("我们明天去 shanghai 开会", "i shall go", "这个 ringtone 很好听"):
        analysis = analyser.analyse(text, "zh")
        assert analysis is not None
        read_in_latin = [text[hit.start:hit.end] for hit in analysis.hits
                         if any("a" <= char <= "z" for char in text[hit.start:hit.end])]
        assert read_in_latin == [], text


def test_a_split_character_is_read_only_inside_a_cue_term(analyser: CueAnalyser) -> None:
    """"女表" is 婊 only where it completes a term: "女表演者" is a female performer."""
    analysis = analyser.analyse("她是一位女表演者", "zh")
    assert analysis is not None
    assert [hit.cue_class for hit in analysis.hits] == []


def test_a_huge_token_costs_little() -> None:
    import resource
    import time

    from jaga.detect.cues import CueAnalyser

    analyser = CueAnalyser()
    token = ("abcабвαβγ" * 6000)[:50_000]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.process_time()
    analyser.transform([token, f"kaum {token} itu sampah"], ["id", "id"])
    assert time.process_time() - started < 2.0  # was 15-29 s
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB; was 5.3 GB


def test_every_name_the_corpus_gives_a_protected_group_is_a_cue() -> None:
    """The fast tier settles a post alone only when it names no protected group: a group named in a way
    the lists lack ('OKU', 'warga keturunan') would be settled unread by the contextual tier."""
    import yaml

    from jaga.training.corpus import corpus_dir

    lexicons = load_cues()
    for path in sorted(corpus_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        known = lexicons[data["language"]].term_class
        missing = [form for target in data["targets"] for form in target["forms"]
                   if normalise(form).text.lower() not in known]
        assert not missing, (data["language"], missing[:5])
