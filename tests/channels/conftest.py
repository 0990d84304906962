"""Fixtures for the SMS channel adapter tests: a store in a temporary file, a clock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from channels import SmsChannel, SqliteStore

ALICE = "+14155550101"
BOB = "+12015550123"
CAROL = "+16135550123"  # Canada
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def at(**delta: float) -> str:
    """An ISO timestamp `delta` after T0."""
    return (T0 + timedelta(**delta)).isoformat()


def inbound(
    ident: str, when: str, sender: str = ALICE, body: str = "hi", **extra: object
) -> dict[str, object]:
    return {"type": "inbound_sms", "id": ident, "at": when, "from": sender, "body": body, **extra}


def dump(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
    """Every row of every table: to check that a refused call changed nothing."""
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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "helpdesk.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(db_path)
    yield store
    store.close()


@pytest.fixture
def channel(store: SqliteStore) -> SmsChannel:
    return SmsChannel(store)
