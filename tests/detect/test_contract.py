"""The contract every detector keeps (in the spirit of scikit-learn's `check_estimator` and
python-threatexchange's signal-type battery): a new detector is one class plus its own tests, and
this battery runs on it as soon as it is registered in `jaga.detect.DETECTORS` (or built by the
store-backed factories, which are checked here with a real store).

What the pipeline relies on: a name and a declared set of categories; one list of signals per post,
in order, for any batch (empty ones included); only declared categories, scores in [0, 1]; evidence
that quotes the post's original text exactly where it says; the same answer twice and whatever
posts share the batch; and hostile text (control characters, zero-width joiners, Zawgyi, a very
long post) handled without an exception."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jaga.detect import DETECTORS, Detector
from jaga.detect.base import PreparedPost
from jaga.pipeline import Moderator
from jaga.types import Category, Post, Signal

POSTS = [
    Post(id="hate", text="Orang Papua itu monyet, usir saja mereka dari sini", country="ID"),
    Post(id="scam", text="Tahniah! Anda menang RM5000, klik http://bit.ly/hadiah-bnm untuk tuntut", country="MY"),
    Post(id="gambling", text="slot gacor maxwin hari ini, daftar di gacor88.vip bonus 100%"),
    Post(id="benign", text="Selamat pagi semua, jangan lupa sarapan ya"),
    Post(id="thai", text="คนพม่าเป็นเชื้อโรค ไล่มันกลับไปให้หมด"),
    Post(id="zh", text="【中国银行】您的账户存在异常，请立即点击 http://boc-hk-verify.top 验证"),
    Post(id="hostile", text="a\u200b\u200db\u202e\x07 \ufeffတရုတ်  \U0001f923" * 3),
    Post(id="long", text="word " * 4_000),
    Post(id="empty-ish", text="."),
]


def _store_backed(tmp_path_factory: pytest.TempPathFactory) -> list[Detector]:
    """The detectors that read the store (fact-checks, hash banks), over an empty real database."""
    from jaga.detect.banks import bank_detector
    from jaga.detect.claims import registry_detector
    from jaga.store import Store

    store = Store(f"sqlite:///{Path(tmp_path_factory.mktemp('contract')) / 'jaga.db'}")
    found: list[Detector] = [bank_detector(store, None)]
    claims = registry_detector(store)
    if claims is not None:
        found.append(claims)
    return found


@pytest.fixture(scope="module")
def prepared() -> list[PreparedPost]:
    moderator = Moderator(detectors=[])
    return [moderator.prepare(post) for post in POSTS]


@pytest.fixture(scope="module", params=sorted(DETECTORS))
def registered(request: pytest.FixtureRequest) -> Detector:
    return DETECTORS[request.param]()


@pytest.fixture(scope="module")
def store_backed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Detector]]:
    yield _store_backed(tmp_path_factory)


def check_detector(detector: Detector, prepared: list[PreparedPost]) -> None:
    assert isinstance(detector.name, str) and detector.name.strip()
    assert detector.categories and set(detector.categories) <= set(Category)
    assert isinstance(detector.version, str) and detector.version
    assert detector.detect([]) == []
    found = detector.detect(prepared)
    assert isinstance(found, list) and len(found) == len(prepared)
    for post, signals in zip(prepared, found, strict=True):
        assert isinstance(signals, list)
        for signal in signals:
            assert isinstance(signal, Signal)
            assert signal.category in detector.categories, (detector.name, signal.category)
            assert 0.0 <= signal.score <= 1.0
            for span in signal.evidence:
                assert 0 <= span.start <= span.end <= len(post.text.original)
                assert post.text.original[span.start:span.end] == span.text, (detector.name, post.post.id)
    assert detector.detect(prepared) == found, "the same answer twice"
    alone = [detector.detect([post])[0] for post in prepared]
    assert alone == found, "a post's signals do not depend on the rest of its batch"


def test_every_registered_detector_keeps_the_contract(registered: Detector, prepared: list[PreparedPost]) -> None:
    check_detector(registered, prepared)


def test_store_backed_detectors_keep_the_contract(store_backed: list[Detector], prepared: list[PreparedPost]) -> None:
    assert store_backed, "the bank detector is always built"
    for detector in store_backed:
        check_detector(detector, prepared)


def test_registered_names_are_unique_and_are_the_registry_keys() -> None:
    for key, factory in DETECTORS.items():
        assert factory().name == key
