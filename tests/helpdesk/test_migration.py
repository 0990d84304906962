"""Schema 3 (customers with an id and identities, one open conversation per customer per
channel) converts a database written at schema 2, on SQLite and PostgreSQL, losing
nothing: the SMS customers, conversations, messages, notes, markers and decisions are
all there and behave as before."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from conftest import ALICE, BOB, T0, at, inbound
from psycopg.rows import dict_row

from helpdesk import ConversationStore, Customer, Inbox, PostgresStore, SqliteStore
from helpdesk._postgres import POSTGRES
from helpdesk._schema import LATEST_VERSION, MIGRATIONS, MIGRATIONS_TABLE, render
from helpdesk._sql import Connection, Dialect, _apply
from helpdesk._sqlite import SQLITE


@contextmanager
def old_database(backend: str, path: Path, url: str | None) -> Iterator[tuple[Any, Dialect]]:
    if backend == "sqlite":
        conn: Any = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        yield conn, SQLITE
    else:
        assert url is not None
        conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
        yield conn, POSTGRES
    conn.close()


def write_schema_2(conn: Connection, d: Dialect) -> None:
    """Migrations 1 and 2, and what the SMS adapter of that time stored."""
    conn.execute(render(MIGRATIONS_TABLE, d.types))
    for migration in MIGRATIONS[:2]:
        _apply(conn, d, migration)
    t = d.write_time
    rows: list[tuple[str, tuple[object, ...]]] = [
        ("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)",
         (ALICE, "US", False, d.write_json({"plan": "pro"}), False, t(T0 + timedelta(hours=2)))),
        ("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)",
         (BOB, "US", False, d.write_json({}), True, t(T0))),
        ("INSERT INTO conversations (customer, channel, status, started_by, tags, attributes,"
         " opened_at, closed_at) VALUES (?, 'sms', 'closed', 'customer', ?, ?, ?, ?)",
         (ALICE, d.write_json(["vip"]), d.write_json({}), t(T0), t(T0 + timedelta(hours=1)))),
        ("INSERT INTO conversations (customer, channel, status, started_by, assignee, tags,"
         " attributes, opened_at) VALUES (?, 'sms', 'open', 'customer', 'Billing', ?, ?, ?)",
         (ALICE, d.write_json([]), d.write_json({}), t(T0 + timedelta(hours=2)))),
        ("INSERT INTO messages (provider_id, customer, conversation_seq, direction, body,"
         " segments, at) VALUES (?, ?, ?, 'inbound', 'hi', 1, ?)", ("SM1", ALICE, 1, t(T0))),
        ("INSERT INTO messages (provider_id, customer, conversation_seq, direction, body,"
         " segments, at) VALUES (?, ?, ?, 'inbound', 'again', 1, ?)",
         ("SM2", ALICE, 2, t(T0 + timedelta(hours=2)))),
        ("INSERT INTO notes (conversation_seq, body, author, at) VALUES (2, 'note', 'ana', ?)",
         (t(T0),)),
        ("INSERT INTO outbound_markers (provider_id, customer, sent_at) VALUES ('O1', ?, ?)",
         (BOB, t(T0))),
        ("INSERT INTO decision_log (event_id, customer, at, decision, rule, reason,"
         " conversation_seq, closed) VALUES ('SM2', ?, ?, 'new', 'new_conversation', 'r', 2, ?)",
         (ALICE, t(T0 + timedelta(hours=2)), d.write_json([]))),
    ]  # fmt: skip
    for query, params in rows:
        conn.execute(d.sql(query), params)


@pytest.fixture
def migrated(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[ConversationStore]:
    path = tmp_path / "old.db"
    url = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    with old_database(backend, path, url) as (conn, dialect):
        write_schema_2(conn, dialect)
    store: SqliteStore | PostgresStore = SqliteStore(path) if url is None else PostgresStore(url)
    yield store
    store.close()


def test_the_old_database_is_at_the_latest_version(migrated: SqliteStore | PostgresStore) -> None:
    assert LATEST_VERSION == 4  # 3: customers with identities; 4: workload
    assert migrated.schema_version() == LATEST_VERSION


def test_customers_keep_everything_and_get_their_phone_as_id(migrated: ConversationStore) -> None:
    with migrated.snapshot() as tx:
        alice, bob = tx.customer(ALICE), tx.customer_of("sms", BOB)
    assert alice == Customer(
        ALICE, "US", attributes={"plan": "pro"}, last_event_at=T0 + timedelta(hours=2)
    )
    assert alice.id == ALICE and alice.addresses == {}
    assert bob is not None and (bob.id, bob.opted_out) == (BOB, True)


def test_conversations_messages_notes_and_decisions_are_all_there(
    migrated: ConversationStore,
) -> None:
    view = Inbox(migrated).conversation("C2")
    assert (view.conversation.status, view.conversation.assignee) == ("open", "Billing")
    assert [m.provider_id for m in view.messages] == ["SM2"]
    assert [n.body for n in view.notes] == ["note"]
    assert [d.event_id for d in view.decisions] == ["SM2"]
    assert Inbox(migrated).conversation("C1").conversation.tags == ("vip",)


def test_sms_threading_goes_on_as_before(migrated: ConversationStore) -> None:
    inbox = Inbox(migrated)
    assert inbox.apply(inbound("SM2", at(hours=3))).decision == "duplicate"
    appended = inbox.apply(inbound("SM3", at(hours=3)))
    assert (appended.decision, appended.conversation_id) == ("append", "C2")
    reply = inbox.apply(inbound("SM4", at(days=1), sender=BOB))  # the marker survived
    assert (reply.decision, reply.rule) == ("new", "reply_to_outbound")
    assert reply.conversation_id == "C3"
    opened = inbox.apply(inbound("SM5", at(days=1), sender=BOB))
    assert opened.conversation_id == "C3"
    chat = inbox.apply(
        {"type": "inbound_message", "channel": "chat", "id": "H1", "at": at(days=1),
         "customer": "user-42", "body": "hi"}
    )  # fmt: skip
    assert (chat.decision, chat.conversation_id) == ("new", "C4")
