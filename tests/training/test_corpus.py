"""Jaga's functional corpus: well formed in all 11 languages, large enough, and split by template."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from jaga.training.corpus import (
    FUNCTIONALITIES,
    GROUPS_PER_TEMPLATE,
    LANGUAGES,
    MADE_UP_NAMES,
    MIN_CASES,
    check,
    corpus_dir,
    load_corpus,
    load_language,
    made_up_names,
    main,
    split_of,
)

CORE = ("derog_neg_emote_h", "derog_neg_attrib_h", "derog_dehum_h", "derog_impl_h", "threat_dir_h", "threat_norm_h",
        "slur_h", "profanity_h", "ref_subs_clause_h", "ref_subs_sent_h", "negate_pos_h", "phrase_question_h",
        "phrase_opinion_h", "profanity_nh", "negate_neg_nh", "ident_neutral_nh", "ident_pos_nh", "counter_quote_nh",
        "counter_ref_nh", "target_obj_nh", "target_indiv_nh", "target_group_nh")


@pytest.fixture(scope="module")
def cases() -> list:
    return load_corpus()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_file_is_sound(language: str) -> None:
    assert check(corpus_dir() / f"{language}.yaml") == []


def test_every_language_has_enough_cases_of_every_core_functionality(cases: list) -> None:
    per_language = defaultdict(Counter)
    for case in cases:
        per_language[case.language][case.functionality] += 1
    assert set(per_language) == set(LANGUAGES)
    for language, functionalities in per_language.items():
        assert sum(functionalities.values()) >= MIN_CASES, language
        missing = [name for name in CORE if functionalities[name] < 8]
        assert not missing, (language, missing)
        assert set(functionalities) <= set(FUNCTIONALITIES)


def test_no_template_spans_two_splits(cases: list) -> None:
    splits = defaultdict(set)
    for case in cases:
        splits[case.template].add(case.split)
    assert all(len(found) == 1 for found in splits.values())
    shares = Counter(case.split for case in cases)
    assert 0.6 < shares["train"] / len(cases) < 0.8 and shares["test"] > 0.1 * len(cases)


def test_a_contrast_pair_stays_in_one_split(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text("""
language: xx
targets:
  - {id: a, group: religion, forms: ["group a"], slurs: []}
templates:
  - {id: xx-1, f: derog_dehum_h, label: hateful, text: "{t} are vermin"}
  - {id: xx-2, f: counter_quote_nh, label: not_hateful, text: "saying \\"{t} are vermin\\" is vile", pair: xx-1}
""", encoding="utf-8")
    found = load_language(tmp_path / "xx.yaml", derive_spelling=False)
    assert len({case.split for case in found}) == 1 and found[0].split == split_of("xx-1")
    assert [case.hateful for case in found] == [True, False]


def test_check_reports_what_is_wrong(tmp_path: Path) -> None:
    (tmp_path / "yy.yaml").write_text("""
language: zz
targets: []
templates:
  - {id: yy-1, f: no_such_thing, label: hateful, text: "x"}
  - {id: yy-2, f: derog_dehum_h, label: not_hateful, text: "{t} {s}"}
""", encoding="utf-8")
    problems = "\\n".join(check(tmp_path / "yy.yaml"))
    for expected in ("differs from the file name", "at least 6", "unknown functionality", "label must be hateful",
                     "one kind of placeholder"):
        assert expected in problems


def test_spelling_variants_are_derived_in_every_script(cases: list) -> None:
    derived = Counter(case.language for case in cases if case.functionality.startswith("spell_char"))
    assert all(derived[language] > 20 for language in LANGUAGES), derived


def test_loading_is_deterministic() -> None:
    assert load_language(corpus_dir() / "ta.yaml") == load_language(corpus_dir() / "ta.yaml")


def test_the_check_command_exits_non_zero_on_a_bad_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "en"]) == 0
    assert "cases" in capsys.readouterr().out
    assert main([]) == 2


def test_a_name_twin_puts_names_where_the_slur_stood(tmp_path: Path) -> None:
    """One friendly twin against a sentence expanded over every slur taught a model that any
    unfamiliar word there may be a slur; the twins give the sentence with names, in the pair's split."""
    (tmp_path / "xx.yaml").write_text("""
language: xx
targets:
  - {id: a, group: religion, forms: ["group a"], slurs: ["zlur1", "zlur2"]}
names: ["Budi", "Siti Aisyah", "@kopi_lover88", "Wojciech"]
templates:
  - {id: xx-1, f: slur_h, label: hateful, text: "stuck in traffic behind some {s} again"}
  - {id: xx-2, f: name_nh, label: not_hateful, text: "stuck in traffic behind Pak Joko's lorry again", pair: xx-1}
  - {id: xx-3, f: name_nh, label: not_hateful, text: "see you at {n}'s place tonight"}
""", encoding="utf-8")
    found = load_language(tmp_path / "xx.yaml", derive_spelling=False)
    twins = [case for case in found if case.name_twin]
    made_up = made_up_names("xx-2", MADE_UP_NAMES, {"zlur1", "zlur2"})
    assert sorted(case.text for case in twins) == sorted(
        f"stuck in traffic behind some {name} again"
        for name in ("Budi", "Siti Aisyah", "@kopi_lover88", "Wojciech", *made_up))
    assert all(not case.hateful and case.harassment is None and case.split == split_of("xx-1") for case in twins)
    assert len([case for case in found if case.template == "xx-3"]) == 4 + MADE_UP_NAMES
    assert next(case for case in found if case.template == "xx-2" and not case.name_twin).harassment is False


def test_made_up_names_are_fixed_per_template_varied_and_never_a_slur() -> None:
    """Usernames are any string: beside the files' names, each template gets names nobody has, so
    that a model learns that an unfamiliar word where a slur might stand is a person, not which
    few dozen names are."""
    assert made_up_names("id-1", 5) == made_up_names("id-1", 5)
    made = [name for key in range(300) for name in made_up_names(f"en-{key}", MADE_UP_NAMES)]
    assert len(set(made)) > 0.95 * len(made)
    assert any(name.startswith("@") for name in made) and any(name[:1].isupper() for name in made)
    avoided = [name for key in range(300) for name in made_up_names(f"en-{key}", 4, {"ra", "kek", "tai"})]
    assert not any("kek" in name.lower() or "tai" in name.lower() or name.lower() == "ra" for name in avoided)


def test_check_keeps_names_apart_from_slurs(tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text("""
language: xx
targets:
  - {id: a, group: religion, forms: ["group a"], slurs: ["zlur1"]}
names: ["zlur1", "Budi"]
templates:
  - {id: xx-1, f: slur_h, label: hateful, text: "{n} and {s}"}
  - {id: xx-2, f: slur_h, label: hateful, text: "{n} again"}
  - {id: xx-3, f: name_nh, label: not_hateful, text: "hi {n}"}
""", encoding="utf-8")
    problems = "\n".join(check(tmp_path / "xx.yaml"))
    for expected in ("one kind of placeholder", "belongs only in name_nh", "name_nh needs at least", "'zlur1' is also a slur"):
        assert expected in problems, expected


def test_every_language_has_name_twins(cases: list) -> None:
    twins = Counter(case.language for case in cases if case.name_twin)
    assert all(twins[language] >= 100 for language in LANGUAGES), twins


def test_a_group_template_draws_its_groups_from_a_long_list(tmp_path: Path) -> None:
    """A model taught on the same dozen non-protected groups learnt those names, not the idea: every
    `{g}` template draws its own `GROUPS_PER_TEMPLATE` from the list, the same ones on every load."""
    groups = [f"group{number}" for number in range(60)]
    (tmp_path / "xx.yaml").write_text(f"""
language: xx
targets:
  - {{id: a, group: religion, forms: ["group a"], slurs: []}}
non_protected: {groups}
templates:
  - {{id: xx-1, f: target_group_nh, label: not_hateful, text: "{{g}} are parasites"}}
  - {{id: xx-2, f: target_group_nh, label: not_hateful, text: "i can't stand {{g}}"}}
""", encoding="utf-8")
    found = load_language(tmp_path / "xx.yaml", derive_spelling=False)
    drawn = {template: {case.text.split(" ")[-1] if template == "xx-2" else case.text.split(" ")[0]
                        for case in found if case.template == template} for template in ("xx-1", "xx-2")}
    assert all(len(names) == GROUPS_PER_TEMPLATE and names <= set(groups) for names in drawn.values())
    assert drawn["xx-1"] != drawn["xx-2"]
    assert found == load_language(tmp_path / "xx.yaml", derive_spelling=False)


def test_every_language_names_many_groups_in_many_ways() -> None:
    """Breadth is what generalises: dozens of non-protected groups, and several neutral names for every
    protected one (a model that saw two names of a group learnt the two strings)."""
    import yaml

    for language in LANGUAGES:
        data = yaml.safe_load((corpus_dir() / f"{language}.yaml").read_text(encoding="utf-8"))
        assert len(set(data["non_protected"])) >= 60, language
        assert all(len(set(target["forms"])) >= 6 for target in data["targets"]), language
        forms = [form for target in data["targets"] for form in target["forms"]]
        assert len(forms) == len(set(forms)) and not set(forms) & set(data["non_protected"]), language
