from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
POSTGRES_URL = os.environ.get("JAGA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own Jaga home (SQLite file, pseudonym key): nothing leaks between tests."""
    home = tmp_path_factory.mktemp("jaga-home")
    monkeypatch.setenv("JAGA_HOME", str(home))
    monkeypatch.setenv("JAGA_PSEUDONYM_KEY", "test-key")
    monkeypatch.delenv("JAGA_DATABASE_URL", raising=False)
    from jaga.privacy import pseudonym_key

    pseudonym_key.cache_clear()


@pytest.fixture(scope="session")
def moderator():  # type: ignore[no-untyped-def]
    from jaga import Moderator

    return Moderator()


def _postgres_available() -> bool:
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs on SQLite and on the real PostgreSQL server, each in a fresh schema.
    In CI (CI=true) a missing PostgreSQL is a failure, not a skip."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jaga.db'}"
        return
    if not _postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI and is not reachable at {POSTGRES_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    import sqlalchemy

    schema = f"jaga_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
