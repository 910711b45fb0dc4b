"""Migration 0012 adds the exchange tables to a database of 0011 and takes them away again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from jaga.store import _alembic_config, make_engine, migrate


def test_0012_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine, "0011")
    assert "exchange_items" not in inspect(engine).get_table_names()
    migrate(engine)
    tables = inspect(engine).get_table_names()
    assert {"exchange_items", "exchange_partners"} <= set(tables)
    unique = inspect(engine).get_unique_constraints("exchange_items")
    assert [c["column_names"] for c in unique] == [["org", "kind", "item_id"]]
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011")
    assert "exchange_partners" not in inspect(engine).get_table_names()
    engine.dispose()
