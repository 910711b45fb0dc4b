"""Bank matches in moderation: a re-uploaded banked image becomes a signal naming its bank, in the
decision and its statement of reasons; allow-lists and disabled banks suppress it; media that
cannot be read reject their post alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jaga.banks import Bank, BankEntry, BankMatcher, MediaError
from jaga.banks.signals import PdqSignal
from jaga.detect.banks import BankDetector, bank_detector
from jaga.moderation import registry_moderator
from jaga.pipeline import Moderator
from jaga.scan import scan
from jaga.store import Store
from jaga.types import Action, Category, Post

from .images import altered, png


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'jaga.db'}")
    store.save_bank(Bank("KNOWN_CSEA", "known child abuse material", Category.SEXUAL_EXPLOITATION))
    store.save_bank(Bank("NEWS_PHOTOS", "press photos cleared by review", None, allow=True))
    store.add_bank_entries([BankEntry("KNOWN_CSEA", "pdq", PdqSignal.from_bytes(png(seed)) or "", content_id=f"c{seed}")
                            for seed in (1, 2)])
    store.add_bank_entries([BankEntry("NEWS_PHOTOS", "pdq", PdqSignal.from_bytes(png(2)) or "")])
    store.add_bank_entries([BankEntry("KNOWN_CSEA", "text", "jual video bocil full no sensor, dm untuk link")])
    return store


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {"reupload": altered(1), "cleared": png(2), "other": png(7)}
    for name, data in paths.items():
        (tmp_path / f"{name}.img").write_bytes(data)
    return {name: str(tmp_path / f"{name}.img") for name in paths}


def _moderator(store: Store, base: Moderator) -> Moderator:
    return Moderator([*base.detectors, BankDetector(BankMatcher(store, refresh_seconds=0))], policy=base.policy)


def test_a_reuploaded_banked_image_is_flagged_naming_its_bank(store: Store, files: dict[str, str],
                                                              moderator: Moderator) -> None:
    decision = _moderator(store, moderator).moderate(Post(id="p1", text="lihat ini guys", media=[files["reupload"]]))
    assert Category.SEXUAL_EXPLOITATION in decision.categories and decision.action >= Action.REVIEW
    signal = next(signal for signal in decision.signals if signal.source.startswith("bank:"))
    assert signal.source == "bank:KNOWN_CSEA" and signal.details["content_id"] == "c1"
    assert 0 < signal.details["distance"] <= 31 and signal.details["content"] == "media[0]"
    assert "bank:KNOWN_CSEA" in decision.reasons
    assert decision.statement is not None
    assert [match["bank"] for match in decision.statement["hash_matches"]] == ["KNOWN_CSEA"]
    assert "bank:KNOWN_CSEA" in decision.statement["decision_facts"]


def test_allow_lists_other_content_and_disabled_banks_give_no_signal(store: Store, files: dict[str, str]) -> None:
    detector = BankDetector(BankMatcher(store, refresh_seconds=0))
    moderator = Moderator([detector])
    posts = [Post(id="cleared", text="berita hari ini", media=[files["cleared"]]),
             Post(id="other", text="foto liburan", media=[files["other"]]),
             Post(id="flagged", text="lihat", media=[files["reupload"]])]
    assert [bool(decision.signals) for decision in moderator.moderate_batch(posts)] == [False, False, True]
    store.set_bank_enabled("NEWS_PHOTOS", False)  # the allow-list off: the cleared photo is flagged again
    assert [bool(decision.signals) for decision in moderator.moderate_batch(posts)] == [True, False, True]
    store.set_bank_enabled("KNOWN_CSEA", False)
    assert [bool(decision.signals) for decision in moderator.moderate_batch(posts)] == [False, False, False]


def test_given_hashes_and_near_duplicate_texts_match(store: Store) -> None:
    moderator = Moderator([BankDetector(BankMatcher(store))])
    pdq = PdqSignal.from_bytes(altered(1))
    by_hash = moderator.moderate(Post(id="h", text="x", media=[f"pdq:{pdq}"]))
    assert [signal.source for signal in by_hash.signals] == ["bank:KNOWN_CSEA"]
    text = moderator.moderate(Post(id="t", text="JUAL video b0cil full no sensor!! DM untuk link"))
    assert [signal.details["signal_type"] for signal in text.signals] == ["text"]
    assert text.signals[0].details["signal"] is None  # the banked text is not repeated in the statement
    assert not moderator.moderate(Post(id="n", text="jual video tutorial masak full, dm untuk resep")).signals


@pytest.mark.parametrize("item, reason", [("https://cdn.example.com/a.jpg", "never fetches"),
                                          ("/nonexistent/a.jpg", "cannot be read"),
                                          ("md5:xyz", "not a md5 hash"),
                                          ("/dev/zero", "not a regular file")])
def test_unreadable_media_is_a_clear_error(store: Store, item: str, reason: str) -> None:
    with pytest.raises(MediaError, match=reason):
        BankMatcher(store).match("x", [item])


def test_media_outside_the_allowed_folders_is_refused(store: Store, files: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="outside the folders"):
        BankMatcher(store, media_roots=[tmp_path / "elsewhere"]).match(None, [files["reupload"]])
    assert BankMatcher(store, media_roots=[tmp_path]).match(None, [files["reupload"]])


def test_a_scan_rejects_only_the_post_whose_media_cannot_be_read(store: Store, files: dict[str, str],
                                                                 tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    posts = [{"id": "ok", "text": "lihat", "media": [f"file://{files['reupload']}"]},
             {"id": "bad", "text": "lihat", "media": ["http://cdn.example.com/x.jpg"]},
             {"id": "plain", "text": "selamat pagi"}]
    source.write_text("".join(json.dumps(post) + "\n" for post in posts), encoding="utf-8")
    _, paths = scan(str(source), str(tmp_path / "out.jsonl"), moderator=Moderator([BankDetector(BankMatcher(store))]))
    decided = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    rejects = [json.loads(line) for line in paths.rejects.read_text().splitlines()]
    assert [decision["post_id"] for decision in decided] == ["ok", "plain"]
    assert decided[0]["signals"][0]["source"] == "bank:KNOWN_CSEA"
    assert [reject["id"] for reject in rejects] == ["bad"] and "never fetches" in rejects[0]["error"]


def test_the_registry_moderator_carries_the_bank_detector(store: Store) -> None:
    detector = bank_detector(store)
    assert isinstance(detector, BankDetector) and detector.matcher.active
    assert any(isinstance(found, BankDetector) for found in registry_moderator(store.url).detectors)
    absent = registry_moderator("sqlite:////nonexistent/jaga.db")
    assert not any(isinstance(found, BankDetector) for found in absent.detectors)
