"""The PostgreSQL store: one database shared by several stateless worker processes.

Every `transaction(customer)` is `BEGIN`, then `SELECT pg_advisory_xact_lock(key)` with a
64-bit key of the customer as its first statement, then the reads and writes, then
`COMMIT`.  The lock is transaction-scoped: it is released by the commit or the rollback,
never held by an idle connection, so it also works behind a transaction-pooling proxy
(PgBouncer `pool_mode = transaction`).  With it, two calls for one customer never
overlap, on any worker, and READ COMMITTED is enough.  The partial unique index (one
open SMS conversation per customer) and the unique provider message id stay in the
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
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb, set_json_loads

from ._errors import StoreError
from ._records import (
    Conversation,
    Customer,
    DecisionRecord,
    Message,
    Note,
    OutboundMarker,
    RunRecord,
    StartedBy,
)
from ._retry import DEFAULT_POLICY, RetryPolicy
from ._schema import LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE, POSTGRES_TYPES, render

Connection = psycopg.Connection[DictRow]
Row = DictRow

MIGRATION_LOCK = "helpdesk-rules/schema"
RETRYABLE = (errors.UniqueViolation, errors.SerializationFailure, errors.DeadlockDetected)

# Connections a forked child inherited: kept referenced and never closed in the child
# (closing one would end the parent's session); psycopg does not finish them on exit.
_INHERITED: list[Connection] = []


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_xact_lock`."""
    digest = hashlib.blake2b(f"helpdesk-rules/{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def customer_key(customer: str) -> int:
    """The advisory lock key of a customer (the E.164 number)."""
    return lock_key(f"customer/{customer}")


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def conversation_id(seq: int) -> str:
    return f"C{seq}"


def conversation_seq(conversation_id: str) -> int | None:
    """The row number behind a public conversation id (`C12` -> 12), or None."""
    digits = conversation_id[1:]
    if conversation_id[:1] != "C" or not digits.isdigit():
        return None
    return int(digits)


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
        except psycopg.OperationalError as error:
            self.close()
            raise StoreError(
                f"Cannot connect to PostgreSQL at {redacted(self.url)}: {_first_line(error)}",
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
        call again may succeed (and past the bound the webhook answers 503)."""
        return isinstance(error, (*RETRYABLE, psycopg.OperationalError))

    # schema --------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT MAX(version) AS version FROM schema_migrations").fetchone()
        return int((row or {}).get("version") or 0)

    def _migrate(self) -> None:
        """Apply the missing migrations, one process at a time (an advisory lock)."""
        with self._begin("BEGIN", lock=lock_key(MIGRATION_LOCK)) as conn:
            conn.execute(render(MIGRATIONS_TABLE, POSTGRES_TYPES))
            row = conn.execute("SELECT MAX(version) AS version FROM schema_migrations").fetchone()
            current = int((row or {}).get("version") or 0)
            if current > LATEST_VERSION:
                raise StoreError(
                    f"The database {redacted(self.url)} has schema version {current}; this "
                    f"code knows up to {LATEST_VERSION}.",
                    field="database",
                    hint="Upgrade helpdesk-rules before opening this database.",
                )
            for migration in MIGRATIONS:
                if migration.version > current:
                    for statement in migration.statements:
                        conn.execute(render(statement, POSTGRES_TYPES))
                    conn.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                        (migration.version, migration.description, datetime.now(UTC)),
                    )

    # transactions --------------------------------------------------------------------

    @contextmanager
    def transaction(self, customer: str) -> Iterator[PostgresTransaction]:
        """`BEGIN`, the customer's advisory lock, ..., `COMMIT`; rolled back on any error."""
        with self._begin("BEGIN", lock=customer_key(customer)) as conn:
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


class PostgresTransaction:
    """The `StoreTransaction` of `PostgresStore`."""

    def __init__(self, conn: Connection, *, writable: bool) -> None:
        self._conn = conn
        self._writable = writable

    def _one(self, sql: str, *params: Any) -> Row | None:
        return self._conn.execute(sql, params).fetchone()

    def _all(self, sql: str, *params: Any) -> list[Row]:
        return self._conn.execute(sql, params).fetchall()

    def _write(self, sql: str, *params: Any) -> psycopg.Cursor[Row]:
        if not self._writable:
            raise StoreError("A read-only snapshot cannot write; open a transaction.")
        return self._conn.execute(sql, params)

    # customers -----------------------------------------------------------------------

    def customer(self, phone: str) -> Customer | None:
        row = self._one("SELECT * FROM customers WHERE phone = %s", phone)
        return None if row is None else _customer(row)

    def save_customer(self, customer: Customer) -> None:
        self._write(
            "INSERT INTO customers (phone, country, short_code, attributes, opted_out,"
            " last_event_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (phone) DO UPDATE SET"
            " country = excluded.country, short_code = excluded.short_code,"
            " attributes = excluded.attributes, opted_out = excluded.opted_out,"
            " last_event_at = excluded.last_event_at",
            customer.phone,
            customer.country,
            customer.short_code,
            Jsonb(dict(customer.attributes)),
            customer.opted_out,
            customer.last_event_at,
        )

    # messages and decisions ----------------------------------------------------------

    def message(self, provider_id: str) -> Message | None:
        row = self._one("SELECT * FROM messages WHERE provider_id = %s", provider_id)
        return None if row is None else _message(row)

    def decision(self, event_id: str) -> DecisionRecord | None:
        row = self._one("SELECT * FROM decision_log WHERE event_id = %s", event_id)
        return None if row is None else _decision(row)

    def add_message(self, message: Message) -> None:
        self._write(
            "INSERT INTO messages (provider_id, customer, conversation_seq, direction, body,"
            " media_types, attachments, segments, at, out_of_order, automated, status,"
            " status_at, sent_sid) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s)",
            message.provider_id,
            message.customer,
            _seq_of(message.conversation_id),
            message.direction,
            message.body,
            Jsonb(list(message.media_types)),
            Jsonb(list(message.attachments)),
            message.segments,
            message.at,
            message.out_of_order,
            message.automated,
            message.status,
            message.status_at,
            message.sent_sid,
        )

    def message_by_sid(self, sid: str) -> Message | None:
        row = self._one("SELECT * FROM messages WHERE provider_id = %s OR sent_sid = %s", sid, sid)
        return None if row is None else _message(row)

    def set_message_status(
        self, provider_id: str, status: str, at: datetime, sent_sid: str | None = None
    ) -> None:
        self._write(
            "UPDATE messages SET status = %s, status_at = %s,"
            " sent_sid = COALESCE(%s, sent_sid) WHERE provider_id = %s",
            status,
            at,
            sent_sid,
            provider_id,
        )

    def log_decision(self, record: DecisionRecord) -> None:
        self._write(
            "INSERT INTO decision_log (event_id, customer, at, decision, rule, reason,"
            " conversation_seq, closed, reopened, out_of_order)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            record.event_id,
            record.customer,
            record.at,
            record.decision,
            record.rule,
            record.reason,
            _seq_of(record.conversation_id),
            Jsonb(list(record.closed)),
            record.reopened,
            record.out_of_order,
        )

    # conversations -------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation | None:
        seq = conversation_seq(conversation_id)
        if seq is None:
            return None
        row = self._one("SELECT * FROM conversations WHERE seq = %s", seq)
        return None if row is None else _conversation(row)

    def open_conversation(self, customer: str) -> Conversation | None:
        row = self._one(
            "SELECT * FROM conversations WHERE customer = %s AND channel = 'sms'"
            " AND status = 'open'",
            customer,
        )
        return None if row is None else _conversation(row)

    def last_closed_conversation(self, customer: str) -> Conversation | None:
        row = self._one(
            "SELECT * FROM conversations WHERE customer = %s AND channel = 'sms'"
            " AND status = 'closed' ORDER BY closed_at DESC NULLS LAST, seq DESC LIMIT 1",
            customer,
        )
        return None if row is None else _conversation(row)

    def create_conversation(
        self, customer: str, started_by: StartedBy, at: datetime, subject: str | None
    ) -> Conversation:
        row = self._write(
            "INSERT INTO conversations (customer, channel, status, started_by, subject,"
            " opened_at) VALUES (%s, 'sms', 'open', %s, %s, %s) RETURNING seq",
            customer,
            started_by,
            subject,
            at,
        ).fetchone()
        if row is None:  # pragma: no cover - RETURNING always returns the row
            raise StoreError("PostgreSQL did not number the new conversation.")
        return Conversation(
            id=conversation_id(row["seq"]),
            customer=customer,
            channel="sms",
            status="open",
            started_by=started_by,
            opened_at=at,
            subject=subject,
        )

    def update_conversation(self, conversation: Conversation) -> None:
        self._write(
            "UPDATE conversations SET status = %s, subject = %s, assignee = %s, tags = %s,"
            " attributes = %s, closed_at = %s WHERE seq = %s",
            conversation.status,
            conversation.subject,
            conversation.assignee,
            Jsonb(list(conversation.tags)),
            Jsonb(dict(conversation.attributes)),
            conversation.closed_at,
            _seq_of(conversation.id),
        )

    def add_note(self, note: Note) -> None:
        self._write(
            "INSERT INTO notes (conversation_seq, body, author, at) VALUES (%s, %s, %s, %s)",
            _seq_of(note.conversation_id),
            note.body,
            note.author,
            note.at,
        )

    # outbound markers ----------------------------------------------------------------

    def pending_outbound(self, customer: str, at: datetime) -> OutboundMarker | None:
        row = self._one(
            "SELECT * FROM outbound_markers WHERE customer = %s AND answered_by IS NULL"
            " AND sent_at <= %s ORDER BY sent_at DESC, seq DESC LIMIT 1",
            customer,
            at,
        )
        return None if row is None else _marker(row)

    def answer_outbound(self, customer: str, at: datetime, provider_id: str) -> None:
        self._write(
            "UPDATE outbound_markers SET answered_by = %s WHERE customer = %s"
            " AND answered_by IS NULL AND sent_at <= %s",
            provider_id,
            customer,
            at,
        )

    def add_outbound(self, marker: OutboundMarker) -> None:
        self._write(
            "INSERT INTO outbound_markers (provider_id, customer, sent_at, answered_by)"
            " VALUES (%s, %s, %s, %s)",
            marker.provider_id,
            marker.customer,
            marker.sent_at,
            marker.answered_by,
        )

    # a conversation's history --------------------------------------------------------

    def messages(self, conversation_id: str) -> tuple[Message, ...]:
        rows = self._all(
            "SELECT * FROM messages WHERE conversation_seq = %s ORDER BY seq",
            _seq_of(conversation_id),
        )
        return tuple(_message(row) for row in rows)

    def notes(self, conversation_id: str) -> tuple[Note, ...]:
        rows = self._all(
            "SELECT * FROM notes WHERE conversation_seq = %s ORDER BY seq",
            _seq_of(conversation_id),
        )
        return tuple(_note(row) for row in rows)

    def decisions(self, conversation_id: str) -> tuple[DecisionRecord, ...]:
        rows = self._all(
            "SELECT * FROM decision_log WHERE conversation_seq = %s OR reopened = %s"
            " OR closed @> %s ORDER BY seq",
            _seq_of(conversation_id),
            conversation_id,
            Jsonb([conversation_id]),
        )
        return tuple(_decision(row) for row in rows)

    # workflow runs -------------------------------------------------------------------

    def log_run(self, record: RunRecord) -> None:
        self._write(
            "INSERT INTO workflow_runs (event_id, conversation_seq, at, trigger, workflow, run)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            record.event_id,
            _seq_of(record.conversation_id),
            record.at,
            record.trigger,
            record.workflow,
            Jsonb(dict(record.run)),
        )

    def runs(self, conversation_id: str) -> tuple[RunRecord, ...]:
        rows = self._all(
            "SELECT * FROM workflow_runs WHERE conversation_seq = %s ORDER BY seq",
            _seq_of(conversation_id),
        )
        return tuple(_run(row) for row in rows)

    def event_runs(self, event_id: str) -> tuple[RunRecord, ...]:
        rows = self._all("SELECT * FROM workflow_runs WHERE event_id = %s ORDER BY seq", event_id)
        return tuple(_run(row) for row in rows)


# rows <-> records --------------------------------------------------------------------


def _sorted_loads(data: str | bytes) -> Any:
    """JSON with object keys sorted, as `SqliteStore` gives it back."""
    return json.loads(data, object_pairs_hook=lambda pairs: dict(sorted(pairs)))


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _seq_of(conversation: str | None) -> int | None:
    return None if conversation is None else conversation_seq(conversation)


def _conversation_of(seq: int | None) -> str | None:
    return None if seq is None else conversation_id(seq)


def _customer(row: Row) -> Customer:
    return Customer(
        phone=row["phone"],
        country=row["country"],
        short_code=row["short_code"],
        attributes=row["attributes"],
        opted_out=row["opted_out"],
        last_event_at=_maybe_utc(row["last_event_at"]),
    )


def _conversation(row: Row) -> Conversation:
    return Conversation(
        id=conversation_id(row["seq"]),
        customer=row["customer"],
        channel=row["channel"],
        status=row["status"],
        started_by=row["started_by"],
        opened_at=_utc(row["opened_at"]),
        subject=row["subject"],
        assignee=row["assignee"],
        tags=tuple(row["tags"]),
        attributes=row["attributes"],
        closed_at=_maybe_utc(row["closed_at"]),
    )


def _message(row: Row) -> Message:
    return Message(
        provider_id=row["provider_id"],
        customer=row["customer"],
        direction=row["direction"],
        body=row["body"],
        at=_utc(row["at"]),
        conversation_id=_conversation_of(row["conversation_seq"]),
        media_types=tuple(row["media_types"]),
        attachments=tuple(row["attachments"]),
        segments=row["segments"],
        out_of_order=row["out_of_order"],
        automated=row["automated"],
        status=row["status"],
        status_at=_maybe_utc(row["status_at"]),
        sent_sid=row["sent_sid"],
    )


def _run(row: Row) -> RunRecord:
    return RunRecord(
        event_id=row["event_id"],
        conversation_id=_conversation_of(row["conversation_seq"]),
        at=_utc(row["at"]),
        trigger=row["trigger"],
        workflow=row["workflow"],
        run=row["run"],
    )


def _note(row: Row) -> Note:
    return Note(
        conversation_id=conversation_id(row["conversation_seq"]),
        body=row["body"],
        at=_utc(row["at"]),
        author=row["author"],
    )


def _marker(row: Row) -> OutboundMarker:
    return OutboundMarker(
        provider_id=row["provider_id"],
        customer=row["customer"],
        sent_at=_utc(row["sent_at"]),
        answered_by=row["answered_by"],
    )


def _decision(row: Row) -> DecisionRecord:
    return DecisionRecord(
        event_id=row["event_id"],
        customer=row["customer"],
        at=_utc(row["at"]),
        decision=row["decision"],
        rule=row["rule"],
        reason=row["reason"],
        conversation_id=_conversation_of(row["conversation_seq"]),
        closed=tuple(row["closed"]),
        reopened=row["reopened"],
        out_of_order=row["out_of_order"],
    )
