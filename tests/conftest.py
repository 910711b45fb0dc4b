from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


@pytest.fixture(autouse=True)
def _no_dns_for_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook URLs are resolved when registered and before each delivery (`jaga.outbound`). Here
    only IP literals resolve (AI_NUMERICHOST: never a DNS query), so no test, fuzzing included, can
    look up or reach a public name; a test that needs a name injects its own resolver."""
    import functools
    import socket

    import jaga.outbound

    monkeypatch.setattr(jaga.outbound, "default_resolver", functools.partial(socket.getaddrinfo, flags=socket.AI_NUMERICHOST))


@pytest.fixture
def local_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's allow-lists for a webhook receiver on this machine (plain http on 127.0.0.1)."""
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")
    monkeypatch.setenv("JAGA_WEBHOOK_ALLOW_HTTP_HOSTS", "127.0.0.1")


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


@contextmanager
def _database(kind: str, directory: Path) -> Iterator[str]:
    """A fresh database of `kind`: a SQLite file in `directory`, or a new schema on the PostgreSQL
    server (dropped afterwards). In CI (CI=true) a missing PostgreSQL is a failure, not a skip."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'jaga.db'}"
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
    # Named after the schema, so that the connections a test leaves open (a store it did not close,
    # a module's app) can be ended with it: the server allows 100, and the suite opens thousands.
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}&application_name={schema}"
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                           "WHERE application_name = :name AND pid <> pg_backend_pid()"),
                           {"name": schema})
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every store test runs on SQLite and on the real PostgreSQL server, each in a fresh schema."""
    with _database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same, shared by the tests of one module: for a world that is costly to build once."""
    with _database(request.param, tmp_path_factory.mktemp("database")) as url:
        yield url
