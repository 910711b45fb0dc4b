"""The authored claim-matching pairs (jaga/claims/pairs): coverage, the split by claim, their
fact-check ids in the real sets, and the held-back evaluation on a small real registry."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from jaga.claims.authored import LANGUAGES, AuthoredPairError, load_pairs, split_of
from jaga.claims.evaluation import _authored_row, authored_eval_pairs
from jaga.claims.matcher import ClaimMatcher
from jaga.claims.model import FactCheck
from jaga.store import Store

CLAIM_LANGUAGE = {"turnbackhoax_id_2021": "id", "afnc_th": "th", "limesoda_th": "th"}
DATASET_OF = {"turnbackhoax_id_2021": "turnbackhoax_id_2021", "afnc_th": "afnc_th_opendata", "limesoda_th": "limesoda_th"}


def test_every_language_has_monolingual_and_crosslingual_pairs_and_hard_negatives() -> None:
    pairs = load_pairs()
    for language in LANGUAGES:
        mine = [pair for pair in pairs if pair.language == language]
        positives = [pair for pair in mine if not pair.negative]
        assert len(positives) >= 40, language
        assert sum(pair.negative for pair in mine) >= 10, language
        assert {pair.split for pair in positives} == {"train", "calibration", "test"}, language
    claim_languages = {(pair.language, CLAIM_LANGUAGE[pair.fact_checks[0].split(":")[0]])
                       for pair in pairs if not pair.negative}
    assert {("id", "id"), ("th", "th"), ("id", "th"), ("th", "id"), ("lo", "th"), ("ms", "id")} <= claim_languages
    assert len({pair.id for pair in pairs}) == len(pairs)


def test_the_split_is_by_claim() -> None:
    pairs = load_pairs()
    sides: dict[str, set[str]] = defaultdict(set)
    for pair in pairs:
        for fact_check in pair.fact_checks:
            sides[fact_check].add(pair.split)
    assert all(len(side) == 1 for side in sides.values()), {k: v for k, v in sides.items() if len(v) > 1}
    # A claim the registry holds twice is one claim: both ids on the same side.
    assert split_of("turnbackhoax_id_2021:1070") == next(iter(sides["turnbackhoax_id_2021:850"]))
    # A hard negative follows the claim it is near, named by any of that claim's ids.
    negatives = [pair for pair in pairs if pair.negative and pair.near]
    assert negatives and all(pair.split == next(iter(sides[pair.near])) for pair in negatives)
    sides_of = {split: {f for p in load_pairs(split=split) for f in p.fact_checks} for split in ("train", "calibration", "test")}
    assert sum(len(load_pairs(split=split)) for split in sides_of) == len(pairs)
    assert not sides_of["test"] & sides_of["train"] and not sides_of["test"] & sides_of["calibration"]
    assert not sides_of["calibration"] & sides_of["train"]
    assert split_of("afnc_th:74717") == split_of("afnc_th:74717")


def test_every_fact_check_id_resolves_in_the_shared_sets() -> None:
    from jaga.claims.sources import DATASETS, Rejected
    from jaga.config import data_dir

    directory = data_dir() / "claims"
    if not all((directory / name).is_dir() for name in DATASET_OF.values()):
        pytest.skip(f"{directory} lacks the TurnBackHoax, AFNC and LimeSoda sets (set JAGA_DATA_DIR)")
    known = {item.id: item for name in DATASET_OF.values() for item in DATASETS[name](directory / name)
             if not isinstance(item, Rejected)}
    wanted = {fact_check for pair in load_pairs() for fact_check in pair.fact_checks}
    assert wanted and not sorted(wanted - known.keys())
    assert all(known[fact_check].verdict.is_disinformation for fact_check in wanted)


@pytest.mark.parametrize(("text", "problem"), [
    ("language: ms\npairs:\n- {id: ms-1, fact_checks: ['afnc_th:1'], style: forward, text: a}\n"
     "- {id: ms-1, fact_checks: ['afnc_th:2'], style: forward, text: b}\n", "duplicate pair id"),
    ("language: ms\npairs:\n- {id: ms-1, fact_checks: ['afnc_th:1', 'afnc_th:2'], style: forward, text: a}\n"
     "- {id: ms-2, fact_checks: ['afnc_th:1'], style: forward, text: b}\n", "list the same ids everywhere"),
    ("language: ms\npairs:\n- {id: ms-1, fact_checks: [], near: 'afnc_th:9', style: news, text: a}\n",
     "not a fact-check any pair repeats"),
    ("language: ms\npairs:\n- {id: ms-1, fact_checks: ['afnc_th:1'], style: poem, text: a}\n", "style"),
    ("language: ms\npairs:\n- {id: ms-1, fact_checks: ['afnc_th:1'], style: forward, text: '  '}\n", "empty"),
    ("language: xx\npairs: []\n", "language"),
])
def test_a_bad_pairs_file_is_refused_with_the_reason(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "ms.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(AuthoredPairError, match=problem):
        load_pairs(tmp_path)


def test_rows_count_flagged_hard_negatives_against_precision() -> None:
    positives = [(1, True, True), (3, False, False), (None, False, False), (1, False, True)]
    row = _authored_row("all", positives, [(None, True, False), (None, False, False)])
    assert row["success@1"] == 0.5 and row["success@10"] == 0.75
    assert row["mrr"] == pytest.approx((1 + 1 / 3 + 1) / 4)
    assert row["match_precision"] == 0.5      # one correct flag, one flagged hard negative
    assert row["match_recall"] == 0.5         # of the two correct top-1 answers, one flagged
    assert row["false_match_rate"] == 0.5


# A small registry: the real claims of four held-back claims and of four training claims (as the
# importers read them from the public sets), so each query has same-topic distractors.
REGISTRY = [
    ("turnbackhoax_id_2021:460", "id", "Pembuatan Permen Karet Dari Kondom Bekas"),
    ("turnbackhoax_id_2021:710", "id", "PARTIKEL PANCI ALUMUNIUM, BISA TERSERAP PADA MAKANAN"),
    ("afnc_th:74204", "th", "เปิดแอร์ผิดวิธี เสี่ยงน้ำตาลในเลือดเพิ่ม"),
    ("afnc_th:74717", "th", "ทหารไทยเสียชีวิต 40 นาย ถูกจับกุม 30 นาย"),
    ("turnbackhoax_id_2021:990", "id", "Soda Kue Dicampur Madu Dapat Menyembuhkan Kanker"),
    ("turnbackhoax_id_2021:855", "id", "Gula Jawa Mengandung Formalin"),
    ("afnc_th:74509", "th", "กินทุเรียนกับน้ำอัดลมพิษร้ายแรงกว่าพิษงูเห่า"),
    ("afnc_th:74433", "th", "กินผลไม้สดขณะท้องว่าง ช่วยรักษามะเร็ง"),
]


@pytest.fixture(scope="module")
def small_matcher(tmp_path_factory: pytest.TempPathFactory) -> ClaimMatcher:
    directory = tmp_path_factory.mktemp("authored")
    store = Store(f"sqlite:///{directory / 'r.db'}")
    store.save_fact_checks(FactCheck(id=i, claim=claim, language=language, verdict="false", rating="false",
                                     publisher="test registry") for i, language, claim in REGISTRY)
    matcher = ClaimMatcher(store, directory / "index")
    assert matcher.sync() == len(REGISTRY)
    return matcher


def test_held_back_pairs_are_evaluated_per_language_and_language_pair(
        small_matcher: ClaimMatcher, capsys: pytest.CaptureFixture[str]) -> None:
    from jaga.cli.claims import _evaluate_authored

    registered = {fact_check_id for fact_check_id, _, _ in REGISTRY}
    held_back = load_pairs(split="test")
    chosen = [pair for pair in held_back
              if set(pair.fact_checks) & registered or (pair.negative and pair.near in registered)]
    _, missing = authored_eval_pairs(small_matcher.store, "test", held_back)
    assert "afnc_th:74787" in missing and not set(missing) & registered   # named, never counted as misses
    result = _evaluate_authored(small_matcher, "test", chosen)   # what `jaga eval claims` runs and prints
    printed = capsys.readouterr()
    assert "authored pairs (test split" in printed.out  # the table, and a progress bar on stderr:
    assert "searching authored pairs (test)" in printed.err and f"{len(chosen)}/{len(chosen)}" in printed.err
    assert not result["missing_fact_checks"]
    rows = {row["set"]: row for row in result["rows"]}
    positives = [pair for pair in chosen if not pair.negative]
    assert rows["all"]["n"] == len(positives) and rows["all"]["negatives"] == len(chosen) - len(positives)
    assert rows["monolingual"]["n"] + rows["cross-lingual"]["n"] == len(positives)
    assert {f"language {language}" for language in LANGUAGES} <= rows.keys()
    assert {"pair id->id", "pair th->th", "pair lo->th", "pair zh->id"} <= rows.keys()
    # Eight fact-checks to choose from (chance: 1 in 8): the repeated claim must come first for
    # most posts. (The full registry's figures are the baseline in docs/CLAIMS.md.)
    assert rows["all"]["success@1"] >= 0.5
    assert rows["monolingual"]["success@1"] >= 0.8
    assert 0.0 <= rows["hard negatives"]["false_match_rate"] <= 1.0


def test_the_hard_negative_floor_lets_at_most_the_allowed_share_match() -> None:
    from jaga.claims.evaluation import _threshold_for_false_matches

    scores = [0.95, 0.9, 0.8, 0.4, 0.3, 0.2, 0.1, 0.1, 0.05, 0.0]
    for share in (0.0, 0.1, 0.25, 0.5):
        floor = _threshold_for_false_matches(scores, share)
        assert sum(score >= floor for score in scores) <= share * len(scores)
        assert sum(score >= floor for score in scores[:int(share * len(scores)) + 1]) == int(share * len(scores))
    assert _threshold_for_false_matches([], 0.1) == 0.0
    assert _threshold_for_false_matches([0.3], 1.0) == 0.0


def test_the_calibration_split_sits_between_train_and_test() -> None:
    from collections import Counter

    sides = Counter(split_of(f"afnc_th:{number}") for number in range(6_000))
    assert abs(sides["test"] / 6_000 - 1 / 3) < 0.03
    assert abs(sides["calibration"] / 6_000 - 1 / 6) < 0.03
    assert abs(sides["train"] / 6_000 - 1 / 2) < 0.03
