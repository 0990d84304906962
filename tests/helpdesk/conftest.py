"""Fixtures for the SMS channel adapter tests: a store on each backend, a clock.

`store` (and so `channel`) is parametrised over SQLite and PostgreSQL: every test that
uses it runs on both, so the two stores cannot drift apart.  `sqlite_store` is for the
few tests about SQLite itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from sms_people import ALICE as ALICE  # the tests import these from here too
from sms_people import BOB as BOB
from sms_people import CAROL as CAROL
from sms_people import T0 as T0

from helpdesk import ConversationStore, Inbox, PostgresStore, SqliteStore

BACKENDS = ("sqlite", "postgres")

Rows = list[tuple[str, list[tuple[object, ...]]]]


def at(**delta: float) -> str:
    """An ISO timestamp `delta` after T0."""
    return (T0 + timedelta(**delta)).isoformat()


def inbound(
    ident: str, when: str, sender: str = ALICE, body: str = "hi", **extra: object
) -> dict[str, object]:
    return {"type": "inbound_sms", "id": ident, "at": when, "from": sender, "body": body, **extra}


def dump(store: ConversationStore) -> Rows:
    """Every row of every table: to check that a refused call changed nothing."""
    if isinstance(store, PostgresStore):
        return _dump_postgres(store.url)
    assert isinstance(store, SqliteStore)
    return _dump_sqlite(Path(store.path))


def _dump_sqlite(path: Path) -> Rows:
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        result = [
            (table, conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
            for table in tables
        ]
    conn.close()
    return result


def _dump_postgres(url: str) -> Rows:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            str(row[0])
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() ORDER BY table_name"
            )
        ]
        return [
            (table, conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
            for table in tables
        ]


def open_backend(backend: str, request: pytest.FixtureRequest, path: Path) -> ConversationStore:
    """A new store on `backend`: a file at `path`, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        return SqliteStore(path)
    return PostgresStore(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "helpdesk.db"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(
    backend: str, request: pytest.FixtureRequest, db_path: Path
) -> Iterator[ConversationStore]:
    store = open_backend(backend, request, db_path)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(db_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(db_path)
    yield store
    store.close()


@pytest.fixture
def channel(store: ConversationStore) -> Inbox:
    return Inbox(store)
