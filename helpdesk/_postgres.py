"""The PostgreSQL store: one database shared by several stateless worker processes.

Every `transaction(customer)` is `BEGIN`, then `SELECT pg_advisory_xact_lock(key)` with a
64-bit key of the customer as its first statement, then the reads and writes, then
`COMMIT`.  The lock is transaction-scoped: it is released by the commit or the rollback,
never held by an idle connection, so it also works behind a transaction-pooling proxy
(PgBouncer `pool_mode = transaction`).  With it, two calls for one customer never
overlap, on any worker, and READ COMMITTED is enough.  The partial unique index (one
open conversation per customer per channel) and the unique provider message id stay in the
schema as the last line of defence; a conflict that gets past the lock anyway is a
retryable error (`is_retryable`), and the adapter runs the whole call again.

Records, ids (`C<n>`) and orderings are exactly those of `SqliteStore`; JSON comes back
with its keys sorted, as SQLite returns what it stored with `sort_keys`.

Connections: a small pool per process, one connection lent to each transaction, in
autocommit mode with explicit `BEGIN`/`COMMIT`.  After a fork the child never touches
the parent's connections (their sockets are the parent's): it opens its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import errors
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb, set_json_loads

from ._errors import StoreError
from ._retry import DEFAULT_POLICY, RetryPolicy
from ._schema import POSTGRES_TYPES
from ._sql import Cursor, Dialect, SqlTransaction, migrate, schema_version
from ._sql import conversation_id as conversation_id
from ._sql import conversation_seq as conversation_seq

Connection = psycopg.Connection[DictRow]
Row = DictRow

MIGRATION_LOCK = "helpdesk-rules/schema"
RETRYABLE = (
    errors.UniqueViolation,
    errors.SerializationFailure,
    errors.DeadlockDetected,
    errors.LockNotAvailable,  # lock_timeout
)
# SQLSTATEs of a lost or refused connection (class 08, and the server shutting down or
# starting): running the call again, on a fresh connection, may succeed.
_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")

# Connections a forked child inherited: kept referenced and never closed in the child
# (closing one would end the parent's session); psycopg does not finish them on exit.
_INHERITED: list[Connection] = []


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_xact_lock`."""
    digest = hashlib.blake2b(f"helpdesk-rules/{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def customer_key(customer: str) -> int:
    """The advisory lock key of a customer's transaction: their identity key (the E.164
    number for SMS, `chat:user-42` otherwise; see `helpdesk._store`)."""
    return lock_key(f"customer/{customer}")


def redacted(url: str) -> str:
    """The URL without its password (in the user part or `?password=`), for messages
    and logs; a URL that cannot be parsed is not shown at all."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "(an unreadable database URL)"
    netloc = parts.netloc
    if password is not None:
        netloc = netloc.replace(f":{password}@", ":***@", 1)
    query = "&".join(
        f"{key}=***" if key.lower() in _SECRET_PARAMETERS else item
        for item in parts.query.split("&")
        if item
        for key in [unquote(item.split("=", 1)[0])]
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


_SECRET_PARAMETERS = frozenset({"password", "sslpassword", "passfile", "sslkey"})


class PostgresStore:
    """A `ConversationStore` in one PostgreSQL database, shared by processes and threads.

    `url` is a libpq URL (`postgresql://user:password@host:5432/dbname`).  `pool_size`
    idle connections are kept per process.  `retry` is the policy the adapter follows
    when a call conflicts anyway.  `prepare=False` turns off server-side prepared
    statements, for a transaction-pooling proxy that cannot keep them (PgBouncer before
    1.21).
    """

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 4,
        retry: RetryPolicy = DEFAULT_POLICY,
        prepare: bool = True,
        connect_timeout: int = 10,
    ) -> None:
        self.url = url
        self.retry_policy = retry
        self._prepare = prepare
        self._connect_timeout = connect_timeout
        self._pool = _Pool(self._connect, pool_size)
        try:
            self._migrate()
        except psycopg.Error as error:  # unreachable, no such database, bad options
            self.close()
            raise StoreError(
                f"Cannot connect to PostgreSQL at {redacted(self.url)}: "
                f"{_first_line(error).replace(self.url, redacted(self.url))}",
                field="database",
                hint="Check the URL (postgresql://user:password@host:5432/dbname) and that "
                "the server is running and accepts this user.",
            ) from error
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"PostgresStore({redacted(self.url)!r})"

    # connections ---------------------------------------------------------------------

    def _connect(self) -> Connection:
        conn = psycopg.connect(
            self.url,
            autocommit=True,
            row_factory=dict_row,
            prepare_threshold=5 if self._prepare else None,
            connect_timeout=self._connect_timeout,
            application_name="helpdesk-rules",
        )
        set_json_loads(_sorted_loads, conn)
        return conn

    def close(self) -> None:
        """Close this process's idle connections; busy ones close when their call ends."""
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def is_retryable(self, error: BaseException) -> bool:
        """A conflict, a lock timeout, a lost or refused connection: running the whole
        call again may succeed (and past the bound the webhook answers 503).  Any other
        error is deterministic (a value over the index row size, bad data): running it
        again would fail the same way, so it is not retried."""
        if isinstance(error, RETRYABLE):
            return True
        if not isinstance(error, psycopg.OperationalError):
            return False
        state = error.sqlstate
        return state is None or state.startswith(_CONNECTION_STATES)

    # schema --------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._pool.connection() as conn:
            return schema_version(conn)

    def _migrate(self) -> None:
        """Apply the missing migrations, one process at a time (an advisory lock)."""
        with self._begin("BEGIN", lock=lock_key(MIGRATION_LOCK)) as conn:
            migrate(conn, POSTGRES, database=redacted(self.url), field="database")

    # transactions --------------------------------------------------------------------

    @contextmanager
    def transaction(self, customer: str) -> Iterator[PostgresTransaction]:
        """`BEGIN`, the customer's advisory lock, ..., `COMMIT`; rolled back on any error."""
        with self._begin("BEGIN", lock=customer_key(customer)) as conn:
            yield PostgresTransaction(conn, writable=True)

    @contextmanager
    def unwaited_transaction(self, customer: str) -> Iterator[PostgresTransaction]:
        """A `transaction` whose COMMIT does not wait for the WAL to reach the disk."""
        with self._begin("BEGIN", lock=customer_key(customer)) as conn:
            conn.execute("SET LOCAL synchronous_commit TO OFF")
            yield PostgresTransaction(conn, writable=True)

    @contextmanager
    def snapshot(self) -> Iterator[PostgresTransaction]:
        """A read-only transaction that sees one consistent state (no lock)."""
        with self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", lock=None) as conn:
            yield PostgresTransaction(conn, writable=False)

    @contextmanager
    def _begin(self, begin: str, *, lock: int | None) -> Iterator[Connection]:
        with self._pool.connection() as conn:
            conn.execute(begin)
            try:
                if lock is not None:
                    conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
                yield conn
            except BaseException:
                _rollback(conn)
                raise
            conn.execute("COMMIT")


class _Pool:
    """This process's idle connections; each transaction borrows one and gives it back."""

    def __init__(self, connect: Callable[[], Connection], size: int) -> None:
        self._connect = connect
        self._size = size
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._idle: list[Connection] = []
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def _take(self) -> Connection:
        self._after_fork()
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _give_back(self, conn: Connection) -> None:
        if conn.closed:
            return
        if (
            self._pid == os.getpid()
            and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        ):
            with self._lock:
                if not self._closed and len(self._idle) < self._size:
                    self._idle.append(conn)
                    return
        conn.close()

    def _after_fork(self) -> None:
        if self._pid != os.getpid():
            self._lock = threading.Lock()
            _INHERITED.extend(self._idle)
            self._idle = []
            self._pid = os.getpid()

    def close(self) -> None:
        self._after_fork()
        with self._lock:
            idle, self._idle = self._idle, []
            self._closed = True
        for conn in idle:
            conn.close()


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _rollback(conn: Connection) -> None:
    """Roll back, or drop a connection that cannot even do that (the error still wins)."""
    if conn.closed:
        return
    try:
        conn.execute("ROLLBACK")
    except psycopg.Error:
        conn.close()


class PostgresTransaction(SqlTransaction):
    """The `StoreTransaction` of `PostgresStore`: the shared queries in the PostgreSQL dialect."""

    def __init__(self, conn: Connection, *, writable: bool) -> None:
        super().__init__(conn, POSTGRES, writable=writable)


# the PostgreSQL dialect: TIMESTAMPTZ and JSONB, which psycopg converts -----------------


def _sorted_loads(data: str | bytes) -> Any:
    """JSON with object keys sorted, as `SqliteStore` gives it back."""
    return json.loads(data, object_pairs_hook=lambda pairs: dict(sorted(pairs)))


def _as_is(value: Any) -> Any:
    return value


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _jsonb_list(item: str) -> Jsonb:
    """The `@>` operand of a JSON list of ids that holds `item`."""
    return Jsonb([item])


def _returned_seq(cursor: Cursor) -> int | None:
    row: Row | None = cursor.fetchone()
    if row is None:
        return None
    seq: int = row["seq"]
    return seq


POSTGRES = Dialect(
    name="PostgreSQL",
    types=POSTGRES_TYPES,
    placeholder="%s",
    write_time=_as_is,
    read_time=_utc,
    write_json=Jsonb,
    read_json=_as_is,  # psycopg parsed it with `_sorted_loads`
    closed_has="closed @> ?",
    closed_item=_jsonb_list,
    nulls_last=" NULLS LAST",
    returning_seq=" RETURNING seq",
    new_seq=_returned_seq,
)
