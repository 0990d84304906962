"""What both stores share: every query of `StoreTransaction`, once, and rows -> records.

The queries are written once, with `?` placeholders.  A `Dialect` holds the few things
SQLite and PostgreSQL really do differently: the placeholder the driver wants, how a
timestamp and a JSON value are kept (SQLite: text; PostgreSQL: TIMESTAMPTZ and JSONB,
which the driver turns into `datetime` and parsed JSON), how to find a conversation id
in the JSON list `decision_log.closed`, where NULLs sort, and how an INSERT tells the
number of the new conversation (`lastrowid` or `RETURNING`).  The migrations are
applied here too, in the dialect's column types.  Connecting, locking, transactions and
retryable errors stay in `_sqlite.py` and `_postgres.py`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

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
from ._schema import LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE, Migration, render

T = TypeVar("T")


class Row(Protocol):
    """A fetched row, read by column name (`sqlite3.Row`, psycopg's `dict_row`)."""

    def __getitem__(self, column: str, /) -> Any: ...


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """A DB-API connection with `execute` (`sqlite3`, psycopg 3)."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...


@dataclass(frozen=True)
class Dialect:
    """What one database does its own way; the queries are the same."""

    name: str  # in messages: "SQLite", "PostgreSQL"
    types: Mapping[str, str]  # the column types of `_schema`
    placeholder: str  # what each `?` of a query becomes
    write_time: Callable[[datetime], object]
    read_time: Callable[[Any], datetime]  # a UTC datetime
    write_json: Callable[[object], object]
    read_json: Callable[[Any], Any]  # objects with their keys sorted
    closed_has: str  # the `decision_log.closed` list holds the id `?`
    closed_item: Callable[[str], object]  # the parameter of `closed_has`
    nulls_last: str  # after `DESC`, to sort NULLs last
    returning_seq: str  # after the INSERT of a conversation
    new_seq: Callable[[Cursor], int | None]  # the number that INSERT gave

    def sql(self, query: str) -> str:
        """`query` with this database's placeholders."""
        return query.replace("?", self.placeholder)


def conversation_id(seq: int) -> str:
    return f"C{seq}"


def conversation_seq(conversation_id: str) -> int | None:
    """The row number behind a public conversation id (`C12` -> 12), or None."""
    digits = conversation_id[1:]
    if conversation_id[:1] != "C" or not digits.isdigit():
        return None
    return int(digits)


# schema --------------------------------------------------------------------------------


def schema_version(conn: Connection) -> int:
    row: Row | None = conn.execute(
        "SELECT MAX(version) AS version FROM schema_migrations"
    ).fetchone()
    return 0 if row is None else int(row["version"] or 0)


def migrate(conn: Connection, d: Dialect, *, database: str, field: str) -> None:
    """Apply the missing migrations, in the caller's transaction (and under its lock).

    `database` names the database in an error, `field` is the setting that gave it.
    """
    conn.execute(render(MIGRATIONS_TABLE, d.types))
    current = schema_version(conn)
    if current > LATEST_VERSION:
        raise StoreError(
            f"The database {database} has schema version {current}; this code knows "
            f"up to {LATEST_VERSION}.",
            field=field,
            hint="Upgrade helpdesk-rules before opening this database.",
        )
    for migration in MIGRATIONS:
        if migration.version > current:
            _apply(conn, d, migration)


def _apply(conn: Connection, d: Dialect, migration: Migration) -> None:
    for statement in migration.statements:
        conn.execute(render(statement, d.types))
    conn.execute(
        d.sql("INSERT INTO schema_migrations VALUES (?, ?, ?)"),
        (migration.version, migration.description, d.write_time(datetime.now(UTC))),
    )


# transactions --------------------------------------------------------------------------


class SqlTransaction:
    """The `StoreTransaction` of both stores: the queries, over one connection."""

    def __init__(self, conn: Connection, dialect: Dialect, *, writable: bool) -> None:
        self._conn = conn
        self._d = dialect
        self._writable = writable
        # The identity map: what this transaction read or wrote, by key, so that the
        # threading, each workflow run and the outcome read a row once.  It lives as long
        # as the transaction (a rolled-back call takes its map with it).
        self._conversations: dict[int, Conversation] = {}
        self._customers: dict[str, Customer | None] = {}
        self._no_markers: set[tuple[str, datetime]] = set()  # (customer, at): none pending

    def _execute(self, sql: str, params: tuple[Any, ...]) -> Cursor:
        return self._conn.execute(self._d.sql(sql), params)

    def _first(self, record: Callable[[Row, Dialect], T], sql: str, *params: Any) -> T | None:
        row: Row | None = self._execute(sql, params).fetchone()
        return None if row is None else record(row, self._d)

    def _each(self, record: Callable[[Row, Dialect], T], sql: str, *params: Any) -> tuple[T, ...]:
        return tuple(record(row, self._d) for row in self._execute(sql, params).fetchall())

    def _write(self, sql: str, *params: Any) -> Cursor:
        if not self._writable:
            raise StoreError("A read-only snapshot cannot write; open a transaction.")
        return self._execute(sql, params)

    # for modules that keep their own tables (`_workload.py`) ---------------------------

    @property
    def dialect(self) -> Dialect:
        return self._d

    def query(self, sql: str, *params: Any) -> list[Row]:
        """Rows of a read, in this transaction."""
        return self._execute(sql, params).fetchall()

    def write(self, sql: str, *params: Any) -> Cursor:
        """A write, in this transaction (refused in a snapshot)."""
        return self._write(sql, *params)

    def _time(self, at: datetime | None) -> object:
        return None if at is None else self._d.write_time(at)

    # customers -----------------------------------------------------------------------

    def customer(self, customer_id: str) -> Customer | None:
        if customer_id in self._customers:
            return self._customers[customer_id]
        row: Row | None = self._execute(
            "SELECT * FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        found = None
        if row is not None:
            identities = self._execute(
                "SELECT * FROM identities WHERE customer = ? ORDER BY channel, address",
                (customer_id,),
            ).fetchall()
            found = _customer(row, identities, self._d)
        self._customers[customer_id] = found
        return found

    def customer_of(self, channel: str, address: str) -> Customer | None:
        row: Row | None = self._execute(
            "SELECT customer FROM identities WHERE channel = ? AND address = ?",
            (channel, address),
        ).fetchone()
        return None if row is None else self.customer(row["customer"])

    def save_customer(self, customer: Customer) -> None:
        known = self._customers.pop(customer.id, None)
        same_identities = known is not None and _identities(known) == _identities(customer)
        self._write(
            "INSERT INTO customers (id, attributes, opted_out, last_event_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
            " attributes = excluded.attributes, opted_out = excluded.opted_out,"
            " last_event_at = excluded.last_event_at",
            customer.id,
            self._d.write_json(dict(customer.attributes)),
            customer.opted_out,
            self._time(customer.last_event_at),
        )
        if same_identities:  # read in this transaction: its identities are stored already
            self._customers[customer.id] = _customer_as_stored(customer)
            return
        # Otherwise read again as stored (an identity may belong to someone else).
        if customer.phone is not None:
            self._save_identity(
                customer.id, "sms", customer.phone, customer.country, customer.short_code
            )
        for channel, address in sorted(customer.addresses.items()):
            self._save_identity(customer.id, channel, address, None, False)

    def _save_identity(
        self, customer: str, channel: str, address: str, country: str | None, short_code: bool
    ) -> None:
        self._write(
            "INSERT INTO identities (channel, address, customer, country, short_code)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (channel, address) DO UPDATE SET"
            " country = excluded.country, short_code = excluded.short_code",
            channel,
            address,
            customer,
            country,
            short_code,
        )

    # messages and decisions ----------------------------------------------------------

    def message(self, provider_id: str) -> Message | None:
        return self._first(_message, "SELECT * FROM messages WHERE provider_id = ?", provider_id)

    def decision(self, event_id: str) -> DecisionRecord | None:
        return self._first(_decision, "SELECT * FROM decision_log WHERE event_id = ?", event_id)

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
            self._d.write_json(list(message.media_types)),
            self._d.write_json(list(message.attachments)),
            message.segments,
            self._d.write_time(message.at),
            message.out_of_order,
            message.automated,
            message.status,
            self._time(message.status_at),
            message.sent_sid,
        )

    def message_by_sid(self, sid: str) -> Message | None:
        sql = "SELECT * FROM messages WHERE provider_id = ? OR sent_sid = ?"
        return self._first(_message, sql, sid, sid)

    def set_message_status(
        self, provider_id: str, status: str, at: datetime, sent_sid: str | None = None
    ) -> None:
        self._write(
            "UPDATE messages SET status = ?, status_at = ?, sent_sid = COALESCE(?, sent_sid)"
            " WHERE provider_id = ?",
            status,
            self._d.write_time(at),
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
            self._d.write_time(record.at),
            record.decision,
            record.rule,
            record.reason,
            _seq_of(record.conversation_id),
            self._d.write_json(list(record.closed)),
            record.reopened,
            record.out_of_order,
        )

    # conversations -------------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation | None:
        seq = conversation_seq(conversation_id)
        if seq is None:
            return None
        known = self._conversations.get(seq)
        if known is not None:
            return known
        return self._kept(
            self._first(_conversation, "SELECT * FROM conversations WHERE seq = ?", seq)
        )

    def _kept(self, conversation: Conversation | None) -> Conversation | None:
        if conversation is not None:
            self._conversations[_seq_of(conversation.id) or 0] = conversation
        return conversation

    def open_conversation(self, customer: str, channel: str = "sms") -> Conversation | None:
        return self._kept(
            self._first(
                _conversation,
                "SELECT * FROM conversations WHERE customer = ? AND channel = ?"
                " AND status = 'open'",
                customer,
                channel,
            )
        )

    def last_closed_conversation(self, customer: str, channel: str = "sms") -> Conversation | None:
        return self._first(
            _conversation,
            "SELECT * FROM conversations WHERE customer = ? AND channel = ?"
            f" AND status = 'closed' ORDER BY closed_at DESC{self._d.nulls_last}, seq DESC"
            " LIMIT 1",
            customer,
            channel,
        )

    def create_conversation(
        self,
        customer: str,
        started_by: StartedBy,
        at: datetime,
        subject: str | None,
        channel: str = "sms",
    ) -> Conversation:
        cursor = self._write(
            "INSERT INTO conversations (customer, channel, status, started_by, subject,"
            f" opened_at) VALUES (?, ?, 'open', ?, ?, ?){self._d.returning_seq}",
            customer,
            channel,
            started_by,
            subject,
            self._d.write_time(at),
        )
        seq = self._d.new_seq(cursor)
        if seq is None:  # pragma: no cover - an INSERT always numbers the row
            raise StoreError(f"{self._d.name} did not number the new conversation.")
        created = Conversation(
            id=conversation_id(seq),
            customer=customer,
            channel=channel,
            status="open",
            started_by=started_by,
            opened_at=at,
            subject=subject,
        )
        self._conversations[seq] = _as_stored(created)
        return created

    def update_conversation(self, conversation: Conversation) -> None:
        seq = _seq_of(conversation.id)
        if seq is not None:
            stored = _as_stored(conversation)
            if self._writable and self._conversations.get(seq) == stored:
                return  # unchanged since this transaction read or wrote it
            self._conversations[seq] = stored
        self._write(
            "UPDATE conversations SET status = ?, subject = ?, assignee = ?, tags = ?,"
            " attributes = ?, closed_at = ? WHERE seq = ?",
            conversation.status,
            conversation.subject,
            conversation.assignee,
            self._d.write_json(list(conversation.tags)),
            self._d.write_json(dict(conversation.attributes)),
            self._time(conversation.closed_at),
            _seq_of(conversation.id),
        )

    def add_note(self, note: Note) -> None:
        self._write(
            "INSERT INTO notes (conversation_seq, body, author, at) VALUES (?, ?, ?, ?)",
            _seq_of(note.conversation_id),
            note.body,
            note.author,
            self._d.write_time(note.at),
        )

    # outbound markers ----------------------------------------------------------------

    def pending_outbound(self, customer: str, at: datetime) -> OutboundMarker | None:
        marker = self._first(
            _marker,
            "SELECT * FROM outbound_markers WHERE customer = ? AND answered_by IS NULL"
            " AND sent_at <= ? ORDER BY sent_at DESC, seq DESC LIMIT 1",
            customer,
            self._d.write_time(at),
        )
        if marker is None:
            self._no_markers.add((customer, at))
        return marker

    def answer_outbound(self, customer: str, at: datetime, provider_id: str) -> None:
        if (customer, at) in self._no_markers:
            return  # none is pending: nothing to answer
        self._write(
            "UPDATE outbound_markers SET answered_by = ? WHERE customer = ?"
            " AND answered_by IS NULL AND sent_at <= ?",
            provider_id,
            customer,
            self._d.write_time(at),
        )

    def add_outbound(self, marker: OutboundMarker) -> None:
        self._no_markers = {key for key in self._no_markers if key[0] != marker.customer}
        self._write(
            "INSERT INTO outbound_markers (provider_id, customer, sent_at, answered_by)"
            " VALUES (?, ?, ?, ?)",
            marker.provider_id,
            marker.customer,
            self._d.write_time(marker.sent_at),
            marker.answered_by,
        )

    # a conversation's history --------------------------------------------------------

    def messages(self, conversation_id: str) -> tuple[Message, ...]:
        sql = "SELECT * FROM messages WHERE conversation_seq = ? ORDER BY seq"
        return self._each(_message, sql, _seq_of(conversation_id))

    def notes(self, conversation_id: str) -> tuple[Note, ...]:
        sql = "SELECT * FROM notes WHERE conversation_seq = ? ORDER BY seq"
        return self._each(_note, sql, _seq_of(conversation_id))

    def decisions(self, conversation_id: str) -> tuple[DecisionRecord, ...]:
        return self._each(
            _decision,
            "SELECT * FROM decision_log WHERE conversation_seq = ? OR reopened = ?"
            f" OR {self._d.closed_has} ORDER BY seq",
            _seq_of(conversation_id),
            conversation_id,
            self._d.closed_item(conversation_id),
        )

    # workflow runs -------------------------------------------------------------------

    def log_run(self, record: RunRecord) -> None:
        self._write(
            "INSERT INTO workflow_runs (event_id, conversation_seq, at, trigger, workflow, run)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            record.event_id,
            _seq_of(record.conversation_id),
            self._d.write_time(record.at),
            record.trigger,
            record.workflow,
            self._d.write_json(dict(record.run)),
        )

    def runs(self, conversation_id: str) -> tuple[RunRecord, ...]:
        sql = "SELECT * FROM workflow_runs WHERE conversation_seq = ? ORDER BY seq"
        return self._each(_run, sql, _seq_of(conversation_id))

    def event_runs(self, event_id: str) -> tuple[RunRecord, ...]:
        sql = "SELECT * FROM workflow_runs WHERE event_id = ? ORDER BY seq"
        return self._each(_run, sql, event_id)

    # the outbox (helpdesk/_outbox.py) ---------------------------------------------------

    def due_outbound(self, claimed_before: datetime, limit: int) -> tuple[Message, ...]:
        """Replies to send: queued ones, and ones claimed before `claimed_before` and
        never confirmed (a worker died between the claim and the provider's answer)."""
        sql = (
            "SELECT * FROM messages WHERE status = 'queued'"
            " OR (status = 'sending' AND status_at < ?) ORDER BY seq LIMIT ?"
        )
        return self._each(_message, sql, self._d.write_time(claimed_before), limit)

    # totals (`simulate`'s summary) -------------------------------------------------------

    def totals(self) -> StoreTotals:
        """Conversations by assignee (in the order of each one's first conversation),
        customers, and customers opted out."""
        rows = self._execute(
            "SELECT COALESCE(assignee, '(unassigned)') AS assignee, COUNT(*) AS n,"
            " MIN(seq) AS first FROM conversations GROUP BY COALESCE(assignee, '(unassigned)')"
            " ORDER BY first",
            (),
        ).fetchall()
        row = self._execute(
            "SELECT COUNT(*) AS n, SUM(CASE WHEN opted_out THEN 1 ELSE 0 END) AS opted"
            " FROM customers",
            (),
        ).fetchone()
        return StoreTotals(
            tuple((str(r["assignee"]), int(r["n"])) for r in rows),
            int(row["n"]),
            int(row["opted"] or 0),
        )


@dataclass(frozen=True)
class StoreTotals:
    by_assignee: tuple[tuple[str, int], ...]
    customers: int
    opted_out: int

    @property
    def conversations(self) -> int:
        return sum(n for _, n in self.by_assignee)


# rows -> records ---------------------------------------------------------------------


def _seq_of(conversation: str | None) -> int | None:
    return None if conversation is None else conversation_seq(conversation)


def _conversation_of(seq: int | None) -> str | None:
    return None if seq is None else conversation_id(seq)


def _as_stored(conversation: Conversation) -> Conversation:
    """The conversation as reading its row back would give it: UTC times, JSON values
    with their keys sorted, the tags a tuple."""
    closed = conversation.closed_at
    attributes = conversation.attributes
    return replace(
        conversation,
        opened_at=conversation.opened_at.astimezone(UTC),
        closed_at=None if closed is None else closed.astimezone(UTC),
        tags=tuple(conversation.tags),
        attributes=json.loads(json.dumps(attributes, sort_keys=True)) if attributes else {},
    )


def _identities(customer: Customer) -> tuple[object, ...]:
    return (customer.phone, customer.country, customer.short_code, dict(customer.addresses))


def _customer_as_stored(customer: Customer) -> Customer:
    """The customer as reading its row back would give it (see `_as_stored`)."""
    last = customer.last_event_at
    attributes = customer.attributes
    return replace(
        customer,
        last_event_at=None if last is None else last.astimezone(UTC),
        attributes=json.loads(json.dumps(attributes, sort_keys=True)) if attributes else {},
        addresses=dict(sorted(customer.addresses.items())),
    )


def _maybe_time(value: object, d: Dialect) -> datetime | None:
    return None if value is None else d.read_time(value)


def _customer(row: Row, identities: Sequence[Row], d: Dialect) -> Customer:
    sms = next((i for i in identities if i["channel"] == "sms"), None)
    return Customer(
        id=row["id"],
        phone=None if sms is None else sms["address"],
        country=None if sms is None else sms["country"],
        short_code=sms is not None and bool(sms["short_code"]),
        attributes=d.read_json(row["attributes"]),
        opted_out=bool(row["opted_out"]),
        last_event_at=_maybe_time(row["last_event_at"], d),
        addresses={i["channel"]: i["address"] for i in identities if i["channel"] != "sms"},
    )


def _conversation(row: Row, d: Dialect) -> Conversation:
    return Conversation(
        id=conversation_id(row["seq"]),
        customer=row["customer"],
        channel=row["channel"],
        status=row["status"],
        started_by=row["started_by"],
        opened_at=d.read_time(row["opened_at"]),
        subject=row["subject"],
        assignee=row["assignee"],
        tags=tuple(d.read_json(row["tags"])),
        attributes=d.read_json(row["attributes"]),
        closed_at=_maybe_time(row["closed_at"], d),
    )


def _message(row: Row, d: Dialect) -> Message:
    return Message(
        provider_id=row["provider_id"],
        customer=row["customer"],
        direction=row["direction"],
        body=row["body"],
        at=d.read_time(row["at"]),
        conversation_id=_conversation_of(row["conversation_seq"]),
        media_types=tuple(d.read_json(row["media_types"])),
        attachments=tuple(d.read_json(row["attachments"])),
        segments=row["segments"],
        out_of_order=bool(row["out_of_order"]),
        automated=bool(row["automated"]),
        status=row["status"],
        status_at=_maybe_time(row["status_at"], d),
        sent_sid=row["sent_sid"],
    )


def _run(row: Row, d: Dialect) -> RunRecord:
    return RunRecord(
        event_id=row["event_id"],
        conversation_id=_conversation_of(row["conversation_seq"]),
        at=d.read_time(row["at"]),
        trigger=row["trigger"],
        workflow=row["workflow"],
        run=d.read_json(row["run"]),
    )


def _note(row: Row, d: Dialect) -> Note:
    return Note(
        conversation_id=conversation_id(row["conversation_seq"]),
        body=row["body"],
        at=d.read_time(row["at"]),
        author=row["author"],
    )


def _marker(row: Row, d: Dialect) -> OutboundMarker:
    return OutboundMarker(
        provider_id=row["provider_id"],
        customer=row["customer"],
        sent_at=d.read_time(row["sent_at"]),
        answered_by=row["answered_by"],
    )


def _decision(row: Row, d: Dialect) -> DecisionRecord:
    return DecisionRecord(
        event_id=row["event_id"],
        customer=row["customer"],
        at=d.read_time(row["at"]),
        decision=row["decision"],
        rule=row["rule"],
        reason=row["reason"],
        conversation_id=_conversation_of(row["conversation_seq"]),
        closed=tuple(d.read_json(row["closed"])),
        reopened=row["reopened"],
        out_of_order=bool(row["out_of_order"]),
    )
