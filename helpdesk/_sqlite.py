"""The SQLite store: the embedded default, one file created on first use.

WAL with `synchronous=FULL` (a message acknowledged to the provider survives a power
cut), a busy timeout, and `BEGIN IMMEDIATE` for every transaction, so one writer at a
time holds the database from its first read to its commit: that is the per-customer
serialisation SQLite can give, across threads and processes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import cast

from ._errors import StoreError
from ._group import DEFERRED_LIMIT, GroupWriter
from ._schema import SQLITE_TYPES
from ._sql import Cursor, Dialect, SqlTransaction, migrate, schema_version
from ._sql import conversation_id as conversation_id
from ._sql import conversation_seq as conversation_seq

Row = sqlite3.Row
# Reader connections kept open between snapshots (more are opened when needed).
IDLE_READERS = 4
RETRYABLE_CONSTRAINTS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def to_text(at: datetime) -> str:
    """A UTC instant as sortable text (`2026-01-05T10:00:00.000000Z`)."""
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_text(text: str) -> datetime:
    """The instant `to_text` wrote (a UTC datetime)."""
    return datetime.fromisoformat(text)


class SqliteStore:
    """A `ConversationStore` in one SQLite file, shared by threads and processes."""

    def __init__(self, path: str | os.PathLike[str], *, busy_timeout: float = 30.0) -> None:
        self.path = os.fspath(path)
        if self.path == ":memory:" or not self.path:
            raise StoreError(
                "The SQLite store needs a file path; ':memory:' cannot be shared.",
                field="path",
            )
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._writer = GroupWriter(self._connect)
        self._connections: list[sqlite3.Connection] = []
        self._idle: list[sqlite3.Connection] = []  # reader connections not in use
        self._pid = os.getpid()
        self._closed = False
        try:
            self._migrate()
        except BaseException:
            self.close()  # a store that cannot open leaves no connection behind
            raise

    # connections ---------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"The SQLite store {self.path!r} is closed; open a new one.")
        pid, conn = getattr(self._local, "conn", (None, None))
        if conn is None or pid != os.getpid():
            conn = self._connect()
            self._local.conn = (os.getpid(), conn)
            with self._lock:
                self._connections.append(conn)
        return cast(sqlite3.Connection, conn)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def close(self) -> None:
        """Commit what is pending, and close every connection this store opened (in this
        process)."""
        try:
            self._writer.close()
        finally:
            self._close_readers()

    def _close_readers(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
            self._idle = []
            self._closed = True
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_retryable(self, error: BaseException) -> bool:
        """A conflict worth running the whole call again: "database is locked" past the
        busy timeout, or a unique violation (which `BEGIN IMMEDIATE` should make impossible).
        """
        name = getattr(error, "sqlite_errorname", "")
        if isinstance(error, sqlite3.OperationalError):
            return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(error)
        if isinstance(error, sqlite3.IntegrityError):
            return name in RETRYABLE_CONSTRAINTS or "UNIQUE constraint failed" in str(error)
        return False

    # schema --------------------------------------------------------------------------

    def schema_version(self) -> int:
        return schema_version(self._connection())

    def _migrate(self) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            migrate(conn, SQLITE, database=repr(self.path), field="path")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # transactions --------------------------------------------------------------------

    @contextmanager
    def transaction(self, customer: str, *, durable: bool = True) -> Iterator[SqliteTransaction]:
        """A savepoint in this process's group transaction (`_group`), rolled back on
        any exception; the block returns once the group's COMMIT is on disk.

        SQLite has one writer at a time: the threads of this process take turns on the
        group writer's lock, not on SQLite's busy handler (other processes still wait
        there, up to the busy timeout).  With `durable=False` the block returns without
        waiting for the COMMIT (the outbox marking a reply sent: a crash before that
        COMMIT only means the reply is sent again, with the same key).
        """
        if self._closed:
            raise StoreError(f"The SQLite store {self.path!r} is closed; open a new one.")
        with self._writer.member(durable=durable) as conn:
            yield SqliteTransaction(conn, writable=True)

    def unwaited_transaction(self, customer: str) -> AbstractContextManager[SqliteTransaction]:
        return self.transaction(customer, durable=False)

    @contextmanager
    def deferred(self, limit: int = DEFERRED_LIMIT) -> Iterator[None]:
        """For a single writer that can replay what a crash loses (`simulate`): commit
        every `limit` transactions and at the end of the block, not each one."""
        with self._writer.deferred(limit):
            yield

    def flush(self) -> None:
        """Commit the transactions of a `deferred` block so far."""
        self._writer.flush()

    @contextmanager
    def snapshot(self) -> Iterator[SqliteTransaction]:
        with self._writer.reading() as writer:
            if writer is not None:  # deferred: read what is not committed yet
                yield SqliteTransaction(writer, writable=False)
                return
            with self._begin("BEGIN", writable=False) as tx:
                yield tx

    @contextmanager
    def _begin(self, begin: str, *, writable: bool) -> Iterator[SqliteTransaction]:
        conn = self._reader()
        try:
            conn.execute(begin)
            try:
                yield SqliteTransaction(conn, writable=writable)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._put_back(conn)

    def _reader(self) -> sqlite3.Connection:
        """A reader connection from the pool (threads come and go in a service's thread
        pool: a connection per thread would stay open after its thread is gone)."""
        if self._closed:
            raise StoreError(f"The SQLite store {self.path!r} is closed; open a new one.")
        with self._lock:
            if self._pid != os.getpid():  # after a fork: the parent's are not ours
                self._pid, self._idle = os.getpid(), []
            if self._idle:
                return self._idle.pop()
        conn = self._connect()
        with self._lock:
            self._connections.append(conn)
        return conn

    def _put_back(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < IDLE_READERS:
                self._idle.append(conn)
                return
            if conn in self._connections:
                self._connections.remove(conn)
        conn.close()


class SqliteTransaction(SqlTransaction):
    """The `StoreTransaction` of `SqliteStore`: the shared queries in the SQLite dialect."""

    def __init__(self, conn: sqlite3.Connection, *, writable: bool) -> None:
        super().__init__(conn, SQLITE, writable=writable)


# the SQLite dialect: timestamps and JSON as text ---------------------------------------


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _quoted_in_json(conversation_id: str) -> str:
    """The `LIKE` pattern of a conversation id inside a JSON list of ids."""
    return f'%"{conversation_id}"%'


def _lastrowid(cursor: Cursor) -> int | None:
    return cast(sqlite3.Cursor, cursor).lastrowid


SQLITE = Dialect(
    name="SQLite",
    types=SQLITE_TYPES,
    placeholder="?",
    write_time=to_text,
    read_time=from_text,
    write_json=_json,
    read_json=json.loads,
    closed_has="closed LIKE ?",
    closed_item=_quoted_in_json,
    nulls_last="",  # NULLs are the smallest values: last in DESC order already
    returning_seq="",
    new_seq=_lastrowid,
)
