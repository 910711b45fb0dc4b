"""Migration 0009 on a database that already holds data (SQLite and PostgreSQL): reports learn their
jurisdiction, remembered responses stay for organisation-wide keys, and the way back works."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from jaga.store import Store, _alembic_config, make_engine, migrate

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_0009_keeps_the_data_of_0008(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine, "0008")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO review_tasks (id, org, decision_id, post_id, jurisdiction, status, created_at) "
            "VALUES ('rev_old', 'acme', 'dec_1', 'p1', 'MY', 'open', :now)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO reports (id, org, post_id, reporter, trusted_flagger, reason, review_task, created_at) "
            "VALUES ('rep_1', 'acme', 'p1', 'anon_x', false, 'spam', 'rev_old', :now)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO idempotency_keys (org, key, fingerprint, status, body, created_at) "
            "VALUES ('acme', 'k-1', 'f', 201, '{\"id\": \"rep_1\"}', :now)"), {"now": NOW})
    migrate(engine)
    store = Store(database_url).scoped("acme")
    assert store.remembered("k-1") == ("f", 201, {"id": "rep_1"}) and store.remembered("k-1", "TH") is None
    assert store.transparency(("MY",)).reports["total"] == 1 and store.transparency(("TH",)).reports["total"] == 0
    with engine.begin() as connection:
        connection.execute(text("UPDATE reports SET reporter = :name"), {"name": "n" * 256})  # was VARCHAR(64)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT key FROM idempotency_keys")).scalars().all() == ["k-1"]
    store.close()
    engine.dispose()


def test_0014_reads_the_authority_orders_already_stored(database_url: str) -> None:
    """The dashboard counts government orders from a column (no document read); 0014 fills it from
    the decisions stored before, on SQLite and PostgreSQL, and the way back drops it."""
    engine = make_engine(database_url)
    migrate(engine, "0013")
    ordered = '{"id": "dec_1", "statement": {"authority_request": {"agency": "MCMC", "channel": "letter"}}}'
    plain = '{"id": "dec_2", "statement": {"authority_request": null}}'
    allowed = '{"id": "dec_3", "statement": null}'
    with engine.begin() as connection:
        for number, document in ((1, ordered), (2, plain), (3, allowed)):
            connection.execute(text(
                "INSERT INTO decisions (org, id, post_id, jurisdiction, policy_version, action, categories, max_score, "
                "language, automated, review_status, decided_at, document) VALUES ('acme', :id, :post, 'MY', 'v', "
                "'review', '[]', 0.9, 'ms', true, 'none', :now, :document)"),
                {"id": f"dec_{number}", "post": f"p{number}", "now": NOW, "document": document})
    migrate(engine)
    with engine.connect() as connection:
        flags = dict(connection.execute(text("SELECT id, authority_order FROM decisions ORDER BY id")).all())
    assert {key: bool(value) for key, value in flags.items()} == {"dec_1": True, "dec_2": False, "dec_3": False}
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM decisions")).scalar() == 3
