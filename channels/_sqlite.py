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
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

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
from ._schema import LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE, SQLITE_TYPES, render

Row = sqlite3.Row
RETRYABLE_CONSTRAINTS = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def to_text(at: datetime) -> str:
    """A UTC instant as sortable text."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def _maybe_time(text: str | None) -> datetime | None:
    return None if text is None else from_text(text)


def conversation_id(seq: int) -> str:
    return f"C{seq}"


def conversation_seq(conversation_id: str) -> int | None:
    """The row number behind a public conversation id (`C12` -> 12), or None."""
    digits = conversation_id[1:]
    if conversation_id[:1] != "C" or not digits.isdigit():
        return None
    return int(digits)


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
        self._writer = threading.RLock()
        self._connections: list[sqlite3.Connection] = []
        self._migrate()

    # connections ---------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
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
        """Close every connection this store opened (in this process)."""
        with self._lock:
            connections, self._connections = self._connections, []
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
        row = self._connection().execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(render(MIGRATIONS_TABLE, SQLITE_TYPES))
            current = int(
                conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0
            )
            if current > LATEST_VERSION:
                raise StoreError(
                    f"The database {self.path!r} has schema version {current}; this code knows "
                    f"up to {LATEST_VERSION}.",
                    field="path",
                    hint="Upgrade helpdesk-rules before opening this database.",
                )
            for migration in MIGRATIONS:
                if migration.version > current:
                    for statement in migration.statements:
                        conn.execute(render(statement, SQLITE_TYPES))
                    conn.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        (migration.version, migration.description, to_text(datetime.now(UTC))),
                    )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # transactions --------------------------------------------------------------------

    @contextmanager
    def transaction(self, customer: str) -> Iterator[SqliteTransaction]:
        """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception.

        SQLite has one writer at a time: the threads of this process take turns on a
        lock before they ask SQLite, instead of sleeping in its busy handler (other
        processes still wait there, up to the busy timeout).
        """
        with self._writer, self._begin("BEGIN IMMEDIATE", writable=True) as tx:
            yield tx

    @contextmanager
    def snapshot(self) -> Iterator[SqliteTransaction]:
        with self._begin("BEGIN", writable=False) as tx:
            yield tx

    @contextmanager
    def _begin(self, begin: str, *, writable: bool) -> Iterator[SqliteTransaction]:
        conn = self._connection()
        conn.execute(begin)
        try:
            yield SqliteTransaction(conn, writable=writable)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


class SqliteTransaction:
    """The `StoreTransaction` of `SqliteStore`."""

    def __init__(self, conn: sqlite3.Connection, *, writable: bool) -> None:
        self._conn = conn
        self._writable = writable

    def _one(self, sql: str, *params: Any) -> Row | None:
        return cast("Row | None", self._conn.execute(sql, params).fetchone())

    def _all(self, sql: str, *params: Any) -> list[Row]:
        return self._conn.execute(sql, params).fetchall()

    def _write(self, sql: str, *params: Any) -> sqlite3.Cursor:
        if not self._writable:
            raise StoreError("A read-only snapshot cannot write; open a transaction.")
        return self._conn.execute(sql, params)

    # customers -----------------------------------------------------------------------

    def customer(self, phone: str) -> Customer | None:
        row = self._one("SELECT * FROM customers WHERE phone = ?", phone)
        return None if row is None else _customer(row)

    def save_customer(self, customer: Customer) -> None:
        self._write(
            "INSERT INTO customers (phone, country, short_code, attributes, opted_out,"
            " last_event_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (phone) DO UPDATE SET"
            " country = excluded.country, short_code = excluded.short_code,"
            " attributes = excluded.attributes, opted_out = excluded.opted_out,"
            " last_event_at = excluded.last_event_at",
            customer.phone,
            customer.country,
            customer.short_code,
            _json(customer.attributes),
            customer.opted_out,
            None if customer.last_event_at is None else to_text(customer.last_event_at),
        )

    # messages and decisions ----------------------------------------------------------

    def message(self, provider_id: str) -> Message | None:
        row = self._one("SELECT * FROM messages WHERE provider_id = ?", provider_id)
        return None if row is None else _message(row)

    def decision(self, event_id: str) -> DecisionRecord | None:
        row = self._one("SELECT * FROM decision_log WHERE event_id = ?", event_id)
        return None if row is None else _decision(row)

    def add_message(self, message: Message) -> None:
        self._write(
            "INSERT INTO messages (provider_id, customer, conversation_seq, direction, body,"
            " media_types, attachments, segments, at, out_of_order, automated, status,"
            " status_at, sent_sid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            message.provider_id,
            message.customer,
            _seq_of(message.conversation_id),
            message.direction,
            message.body,
            _json(list(message.media_types)),
            _json(list(message.attachments)),
            message.segments,
            to_text(message.at),
            message.out_of_order,
            message.automated,
            message.status,
            None if message.status_at is None else to_text(message.status_at),
            message.sent_sid,
        )

    def message_by_sid(self, sid: str) -> Message | None:
        row = self._one("SELECT * FROM messages WHERE provider_id = ? OR sent_sid = ?", sid, sid)
        return None if row is None else _message(row)

    def set_message_status(
        self, provider_id: str, status: str, at: datetime, sent_sid: str | None = None
    ) -> None:
        self._write(
            "UPDATE messages SET status = ?, status_at = ?, sent_sid = COALESCE(?, sent_sid)"
            " WHERE provider_id = ?",
            status,
            to_text(at),
            sent_sid,
            provider_id,
        )

    def log_decision(self, record: DecisionRecord) -> None:
        self._write(
            "INSERT INTO decision_log (event_id, customer, at, decision, rule, reason,"
            " conversation_seq, closed, reopened, out_of_order)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            record.event_id,
            record.customer,
            to_text(record.at),
            record.decision,
            record.rule,
            record.reason,
            _seq_of(record.conversation_id),
            _json(list(record.closed)),
            record.reopened,
            record.out_of_order,
        )

    # conversations -------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation | None:
        seq = conversation_seq(conversation_id)
        if seq is None:
            return None
        row = self._one("SELECT * FROM conversations WHERE seq = ?", seq)
        return None if row is None else _conversation(row)

    def open_conversation(self, customer: str) -> Conversation | None:
        row = self._one(
            "SELECT * FROM conversations WHERE customer = ? AND channel = 'sms'"
            " AND status = 'open'",
            customer,
        )
        return None if row is None else _conversation(row)

    def last_closed_conversation(self, customer: str) -> Conversation | None:
        row = self._one(
            "SELECT * FROM conversations WHERE customer = ? AND channel = 'sms'"
            " AND status = 'closed' ORDER BY closed_at DESC, seq DESC LIMIT 1",
            customer,
        )
        return None if row is None else _conversation(row)

    def create_conversation(
        self, customer: str, started_by: StartedBy, at: datetime, subject: str | None
    ) -> Conversation:
        cursor = self._write(
            "INSERT INTO conversations (customer, channel, status, started_by, subject,"
            " opened_at) VALUES (?, 'sms', 'open', ?, ?, ?)",
            customer,
            started_by,
            subject,
            to_text(at),
        )
        seq = cursor.lastrowid
        if seq is None:  # pragma: no cover - an INSERT always sets it
            raise StoreError("SQLite did not number the new conversation.")
        return Conversation(
            id=conversation_id(seq),
            customer=customer,
            channel="sms",
            status="open",
            started_by=started_by,
            opened_at=at,
            subject=subject,
        )

    def update_conversation(self, conversation: Conversation) -> None:
        self._write(
            "UPDATE conversations SET status = ?, subject = ?, assignee = ?, tags = ?,"
            " attributes = ?, closed_at = ? WHERE seq = ?",
            conversation.status,
            conversation.subject,
            conversation.assignee,
            _json(list(conversation.tags)),
            _json(conversation.attributes),
            None if conversation.closed_at is None else to_text(conversation.closed_at),
            _seq_of(conversation.id),
        )

    def add_note(self, note: Note) -> None:
        self._write(
            "INSERT INTO notes (conversation_seq, body, author, at) VALUES (?, ?, ?, ?)",
            _seq_of(note.conversation_id),
            note.body,
            note.author,
            to_text(note.at),
        )

    # outbound markers ----------------------------------------------------------------

    def pending_outbound(self, customer: str, at: datetime) -> OutboundMarker | None:
        row = self._one(
            "SELECT * FROM outbound_markers WHERE customer = ? AND answered_by IS NULL"
            " AND sent_at <= ? ORDER BY sent_at DESC, seq DESC LIMIT 1",
            customer,
            to_text(at),
        )
        return None if row is None else _marker(row)

    def answer_outbound(self, customer: str, at: datetime, provider_id: str) -> None:
        self._write(
            "UPDATE outbound_markers SET answered_by = ? WHERE customer = ?"
            " AND answered_by IS NULL AND sent_at <= ?",
            provider_id,
            customer,
            to_text(at),
        )

    def add_outbound(self, marker: OutboundMarker) -> None:
        self._write(
            "INSERT INTO outbound_markers (provider_id, customer, sent_at, answered_by)"
            " VALUES (?, ?, ?, ?)",
            marker.provider_id,
            marker.customer,
            to_text(marker.sent_at),
            marker.answered_by,
        )

    # a conversation's history --------------------------------------------------------

    def messages(self, conversation_id: str) -> tuple[Message, ...]:
        rows = self._all(
            "SELECT * FROM messages WHERE conversation_seq = ? ORDER BY seq",
            _seq_of(conversation_id),
        )
        return tuple(_message(row) for row in rows)

    def notes(self, conversation_id: str) -> tuple[Note, ...]:
        rows = self._all(
            "SELECT * FROM notes WHERE conversation_seq = ? ORDER BY seq",
            _seq_of(conversation_id),
        )
        return tuple(_note(row) for row in rows)

    def decisions(self, conversation_id: str) -> tuple[DecisionRecord, ...]:
        rows = self._all(
            "SELECT * FROM decision_log WHERE conversation_seq = ? OR reopened = ?"
            " OR closed LIKE ? ORDER BY seq",
            _seq_of(conversation_id),
            conversation_id,
            f'%"{conversation_id}"%',
        )
        return tuple(_decision(row) for row in rows)

    # workflow runs -------------------------------------------------------------------

    def log_run(self, record: RunRecord) -> None:
        self._write(
            "INSERT INTO workflow_runs (event_id, conversation_seq, at, trigger, workflow, run)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            record.event_id,
            _seq_of(record.conversation_id),
            to_text(record.at),
            record.trigger,
            record.workflow,
            _json(record.run),
        )

    def runs(self, conversation_id: str) -> tuple[RunRecord, ...]:
        rows = self._all(
            "SELECT * FROM workflow_runs WHERE conversation_seq = ? ORDER BY seq",
            _seq_of(conversation_id),
        )
        return tuple(_run(row) for row in rows)

    def event_runs(self, event_id: str) -> tuple[RunRecord, ...]:
        rows = self._all("SELECT * FROM workflow_runs WHERE event_id = ? ORDER BY seq", event_id)
        return tuple(_run(row) for row in rows)


# rows <-> records --------------------------------------------------------------------


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _seq_of(conversation: str | None) -> int | None:
    return None if conversation is None else conversation_seq(conversation)


def _conversation_of(seq: int | None) -> str | None:
    return None if seq is None else conversation_id(seq)


def _customer(row: Row) -> Customer:
    return Customer(
        phone=row["phone"],
        country=row["country"],
        short_code=bool(row["short_code"]),
        attributes=json.loads(row["attributes"]),
        opted_out=bool(row["opted_out"]),
        last_event_at=_maybe_time(row["last_event_at"]),
    )


def _conversation(row: Row) -> Conversation:
    return Conversation(
        id=conversation_id(row["seq"]),
        customer=row["customer"],
        channel=row["channel"],
        status=row["status"],
        started_by=row["started_by"],
        opened_at=from_text(row["opened_at"]),
        subject=row["subject"],
        assignee=row["assignee"],
        tags=tuple(json.loads(row["tags"])),
        attributes=json.loads(row["attributes"]),
        closed_at=_maybe_time(row["closed_at"]),
    )


def _message(row: Row) -> Message:
    return Message(
        provider_id=row["provider_id"],
        customer=row["customer"],
        direction=row["direction"],
        body=row["body"],
        at=from_text(row["at"]),
        conversation_id=_conversation_of(row["conversation_seq"]),
        media_types=tuple(json.loads(row["media_types"])),
        attachments=tuple(json.loads(row["attachments"])),
        segments=row["segments"],
        out_of_order=bool(row["out_of_order"]),
        automated=bool(row["automated"]),
        status=row["status"],
        status_at=_maybe_time(row["status_at"]),
        sent_sid=row["sent_sid"],
    )


def _run(row: Row) -> RunRecord:
    return RunRecord(
        event_id=row["event_id"],
        conversation_id=_conversation_of(row["conversation_seq"]),
        at=from_text(row["at"]),
        trigger=row["trigger"],
        workflow=row["workflow"],
        run=json.loads(row["run"]),
    )


def _note(row: Row) -> Note:
    return Note(
        conversation_id=conversation_id(row["conversation_seq"]),
        body=row["body"],
        at=from_text(row["at"]),
        author=row["author"],
    )


def _marker(row: Row) -> OutboundMarker:
    return OutboundMarker(
        provider_id=row["provider_id"],
        customer=row["customer"],
        sent_at=from_text(row["sent_at"]),
        answered_by=row["answered_by"],
    )


def _decision(row: Row) -> DecisionRecord:
    return DecisionRecord(
        event_id=row["event_id"],
        customer=row["customer"],
        at=from_text(row["at"]),
        decision=row["decision"],
        rule=row["rule"],
        reason=row["reason"],
        conversation_id=_conversation_of(row["conversation_seq"]),
        closed=tuple(json.loads(row["closed"])),
        reopened=row["reopened"],
        out_of_order=bool(row["out_of_order"]),
    )
