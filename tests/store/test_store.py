from __future__ import annotations

from sqlalchemy import inspect

from jaga import Moderator, Post
from jaga.store import Store


def test_schema_is_created_by_migrations(database_url: str) -> None:
    with Store(database_url) as store:
        tables = set(inspect(store.engine).get_table_names())
        assert {"posts", "decisions", "alembic_version"} <= tables


def test_decisions_round_trip_and_upsert(database_url: str, moderator: Moderator) -> None:
    posts = [Post(id="1", text="Slot gacor hari ini maxwin", author_id="anon_x", country="ID"),
             Post(id="2", text="Selamat pagi", country="ID")]
    decisions = moderator.moderate_batch(posts)
    with Store(database_url) as store:
        store.save(posts, decisions)
        store.save(posts, decisions)
        assert store.counts() == {"posts": 2, "decisions": 2}
        assert store.decision(decisions[0].id) == decisions[0]
        assert store.decisions_for_post("2") == [decisions[1]]
        assert store.post("1") == posts[0]
        assert sum(store.actions().values()) == 2


def test_organisations_do_not_see_each_other(database_url: str, moderator: Moderator) -> None:
    post = Post(id="same-id", text="hello")
    decision = moderator.moderate(post)
    with Store(database_url, org="platform-a") as store_a:
        store_a.save([post], [decision])
    with Store(database_url, org="platform-b") as store_b:
        assert store_b.post("same-id") is None
        assert store_b.decision(decision.id) is None
        assert store_b.counts() == {"posts": 0, "decisions": 0}
