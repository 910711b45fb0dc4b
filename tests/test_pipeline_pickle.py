"""`Moderator` crosses process boundaries (Ray actors, Spark executors, multiprocessing)."""

from __future__ import annotations

import multiprocessing
import pickle

from jaga.pipeline import Moderator
from jaga.policy.engine import PolicyEngine
from jaga.types import Post

POSTS = [
    Post(id="p1", text="Slot gacor hari ini, maxwin pasti! Depo 10rb langsung WD, daftar di slotgacor88.vip",
         country="ID", author_id="user-1"),
    Post(id="p2", text="Selamat pagi semua, jangan lupa sarapan ya!", country="ID"),
    Post(id="p3", text="Those people are vermin and should be driven out of the country", lang="en", country="MY"),
    Post(id="p4", text="Investasi pasti untung 300% sebulan, transfer sekarang", country="MY", extra={"likes": 3}),
]


def _decide(blob: bytes) -> list[dict[str, object]]:
    """In a fresh interpreter: unpickle the moderator and decide the posts."""
    moderator = pickle.loads(blob)
    return [_stable(decision.to_json_dict()) for decision in moderator.moderate_batch(POSTS)]


def _stable(decision: dict[str, object]) -> dict[str, object]:
    decision = dict(decision)
    for name in ("decided_at", "deadline"):
        decision.pop(name)
    if isinstance(decision.get("statement"), dict):
        decision["statement"] = {key: value for key, value in decision["statement"].items() if key != "deadline"}
    return decision


def test_a_pickled_moderator_decides_the_same_in_a_fresh_process(moderator: Moderator) -> None:
    blob = pickle.dumps(Moderator(jurisdiction="SG"))
    assert len(blob) < 2_000_000  # models travel as where to load them from, not as arrays
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        remote = pool.apply(_decide, (blob,))
    local = [_stable(decision.to_json_dict()) for decision in Moderator(moderator.detectors, moderator.policy,
                                                                         "SG").moderate_batch(POSTS)]
    assert remote == local
    assert {decision["jurisdiction"] for decision in remote} == {"SG"}
    assert {decision["action"] for decision in remote} != {"allow"}


def test_policies_are_compiled_again_on_unpickling(moderator: Moderator) -> None:
    engine = pickle.loads(pickle.dumps(moderator.policy))
    assert isinstance(engine, PolicyEngine) and engine is not moderator.policy
    assert engine.version == moderator.policy.version  # type: ignore[attr-defined]
    assert engine.policies.keys() == moderator.policy.policies.keys()  # type: ignore[attr-defined]
