"""The stores: SQLite's pragmas, schema invariants and migrations (PostgreSQL's are in
test_postgres.py), and conversation operations on both backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import ALICE, T0, at, inbound

from helpdesk import (
    ConversationNotFound,
    ConversationStore,
    Inbox,
    InvalidEvent,
    SqliteStore,
    StoreError,
)
from helpdesk._schema import LATEST_VERSION, MIGRATIONS, POSTGRES_TYPES, SQLITE_TYPES, render


def test_created_on_first_use_with_wal_and_full_sync(
    db_path: Path, sqlite_store: SqliteStore
) -> None:
    assert db_path.exists()
    assert sqlite_store.schema_version() == LATEST_VERSION
    with sqlite_store.snapshot() as tx:
        conn = tx._conn
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30000


def test_reopening_does_not_migrate_again(db_path: Path, sqlite_store: SqliteStore) -> None:
    with SqliteStore(db_path) as again:
        assert again.schema_version() == LATEST_VERSION
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()[0] == len(
            MIGRATIONS
        )
    conn.close()


def test_a_newer_schema_is_refused(db_path: Path, sqlite_store: SqliteStore) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', '2030')")
    conn.close()
    with pytest.raises(StoreError, match="schema version 999"):
        SqliteStore(db_path)


def test_memory_database_is_refused() -> None:
    with pytest.raises(StoreError, match="file path"):
        SqliteStore(":memory:")


def test_schema_renders_for_postgres_too() -> None:
    for migration in MIGRATIONS:
        for statement in migration.statements:
            for types in (SQLITE_TYPES, POSTGRES_TYPES):
                text = render(statement, types)
                assert "{serial}" not in text and "{json}" not in text


def test_the_index_allows_one_open_conversation_per_channel(
    sqlite_store: SqliteStore, db_path: Path
) -> None:
    Inbox(sqlite_store).apply(inbound("SM1", at()))
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute(
            "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
            " VALUES (?, 'sms', 'open', 'customer', '2026')",
            (ALICE,),
        )
    conn.execute(  # another channel, or a closed one, is fine
        "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
        " VALUES (?, 'email', 'open', 'customer', '2026')",
        (ALICE,),
    )
    conn.close()


def test_the_provider_message_id_is_unique(sqlite_store: SqliteStore, db_path: Path) -> None:
    Inbox(sqlite_store).apply(inbound("SM1", at()))
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute(
            "INSERT INTO messages (provider_id, customer, direction, body, segments, at)"
            " VALUES ('SM1', ?, 'inbound', 'x', 1, '2026')",
            (ALICE,),
        )
    conn.close()


def test_a_failed_transaction_leaves_nothing(store: ConversationStore) -> None:
    from helpdesk import Customer

    with pytest.raises(RuntimeError), store.transaction(ALICE) as tx:
        tx.save_customer(Customer(ALICE, "US"))
        raise RuntimeError("boom")
    with store.snapshot() as tx:
        assert tx.customer(ALICE) is None


def test_a_snapshot_cannot_write(store: ConversationStore) -> None:
    from helpdesk import Customer

    with pytest.raises(StoreError, match="read-only"), store.snapshot() as tx:
        tx.save_customer(Customer(ALICE, "US"))


# conversation operations -----------------------------------------------------------


def test_assign_tag_attribute_note_close(channel: Inbox) -> None:
    conversation_id = channel.apply(inbound("SM1", at())).conversation_id or ""
    channel.assign(conversation_id, "Billing")
    channel.tag(conversation_id, "sms", "vip")
    channel.tag(conversation_id, "vip", "refund")
    channel.set_attribute(conversation_id, "priority", "high")
    channel.add_note(conversation_id, "Called back.", at=T0, author="ana")
    closed = channel.close(conversation_id, T0)
    assert (closed.decision, closed.closed) == ("closed", (conversation_id,))
    view = channel.conversation(conversation_id)
    conversation = view.conversation
    assert conversation.assignee == "Billing"
    assert conversation.tags == ("sms", "vip", "refund")
    assert conversation.attributes == {"priority": "high"}
    assert conversation.status == "closed"
    assert [(n.body, n.author) for n in view.notes] == [("Called back.", "ana")]
    assert channel.close(conversation_id, T0).closed == ()  # already closed: nothing


def test_the_next_event_carries_assignee_tags_and_attributes(channel: Inbox) -> None:
    conversation_id = channel.apply(inbound("SM1", at())).conversation_id or ""
    channel.assign(conversation_id, "Billing")
    channel.tag(conversation_id, "vip")
    channel.set_attribute(conversation_id, "priority", 2)
    (event,) = channel.apply(inbound("SM2", at(minutes=1))).events
    assert event.conversation == {
        "id": conversation_id,
        "started_by": "customer",
        "tags": ["vip"],
        "assignee": "Billing",
        "priority": 2,
    }


def test_unassign(channel: Inbox) -> None:
    conversation_id = channel.apply(inbound("SM1", at())).conversation_id or ""
    channel.assign(conversation_id, "Billing")
    assert channel.assign(conversation_id, None).assignee is None


def test_unknown_conversation(channel: Inbox) -> None:
    for call in (
        lambda: channel.assign("C99", "x"),
        lambda: channel.tag("nope", "x"),
        lambda: channel.close("C99", T0),
        lambda: channel.conversation("C99"),
    ):
        with pytest.raises(ConversationNotFound, match="does not exist"):
            call()


def test_built_in_attributes_cannot_be_set(channel: Inbox) -> None:
    conversation_id = channel.apply(inbound("SM1", at())).conversation_id or ""
    with pytest.raises(InvalidEvent, match="'tags' is built in"):
        channel.set_attribute(conversation_id, "tags", [])
    with pytest.raises(InvalidEvent, match="not a JSON value"):
        channel.set_attribute(conversation_id, "when", object())
    with pytest.raises(InvalidEvent, match="'phone' is built in"):
        channel.upsert_customer(ALICE, {"phone": "x"})


def test_customers_with_attributes(channel: Inbox) -> None:
    channel.upsert_customer(ALICE, {"plan": "pro", "name": "Alice"})
    channel.upsert_customer(ALICE, {"email": "a@example.com"})
    customer = channel.customer(ALICE)
    assert customer is not None
    assert customer.attributes == {"plan": "pro", "name": "Alice", "email": "a@example.com"}
    (first, _any) = channel.apply(inbound("SM1", at())).events
    assert first.customer == {
        "plan": "pro",
        "name": "Alice",
        "email": "a@example.com",
        "phone": ALICE,
        "country": "US",
        "opted_out": False,
    }


def test_customer_event(channel: Inbox) -> None:
    result = channel.apply(
        {
            "type": "customer",
            "id": "u1",
            "phone": "+1 (415) 555-0101",
            "attributes": {"plan": "pro"},
        }
    )
    assert result.decision == "customer"
    assert channel.customer(ALICE) is not None


def test_a_closed_sqlite_store_says_so(db_path: Path) -> None:
    store = SqliteStore(db_path)
    store.close()
    with pytest.raises(StoreError, match="is closed"), store.snapshot():
        pass
