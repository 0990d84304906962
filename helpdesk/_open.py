"""Choosing the store from a URL: `postgresql://…` is PostgreSQL, anything else SQLite."""

from __future__ import annotations

import os

from ._errors import StoreError
from ._postgres import PostgresStore
from ._sqlite import SqliteStore
from ._store import ConversationStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
SQLITE_SCHEME = "sqlite:///"


def open_store(url_or_path: str | None = None) -> ConversationStore:
    """The store `url_or_path` names, created or migrated on first use.

    `postgresql://user:password@host/dbname` (or `postgres://…`) opens a `PostgresStore`;
    `sqlite:///path/to/helpdesk.db` or a plain path opens a `SqliteStore`.  None reads
    the `DATABASE_URL` environment variable.

    >>> open_store("sqlite:///helpdesk.db")                  # doctest: +SKIP
    <helpdesk._sqlite.SqliteStore object at ...>
    """
    target = url_or_path if url_or_path is not None else os.environ.get("DATABASE_URL")
    if target is None or not target.strip():
        raise StoreError(
            "No database was given and DATABASE_URL is not set.",
            field="database",
            hint="Pass --database postgresql://user:password@host/dbname (or a SQLite file "
            "path), or set DATABASE_URL.",
        )
    target = target.strip()
    if target.lower().startswith(POSTGRES_SCHEMES):
        return PostgresStore(target)
    if target.lower().startswith(SQLITE_SCHEME):
        return SqliteStore(target[len(SQLITE_SCHEME) :])
    if "://" in target:
        scheme = target.split("://", 1)[0]
        raise StoreError(
            f"The database URL scheme {scheme!r} is not supported.",
            field="database",
            hint="Use postgresql://…, sqlite:///path, or a plain SQLite file path.",
        )
    return SqliteStore(target)
