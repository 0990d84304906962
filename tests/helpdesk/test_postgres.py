"""The PostgreSQL store itself: schema and migrations, the advisory lock, the last line of
defence, records identical to SQLite's, connections across threads and forks, and
choosing a store by URL.  (Every adapter test also runs on it: see conftest.py.)
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pg_server
import psycopg
import pytest
from conftest import ALICE, BOB, T0, at, inbound

from helpdesk import (
    Customer,
    Inbox,
    Message,
    PostgresStore,
    RunRecord,
    SqliteStore,
    StoreError,
    open_store,
)
from helpdesk._postgres import customer_key, redacted
from helpdesk._schema import LATEST_VERSION, MIGRATIONS


@pytest.fixture
def pg(postgres_url: str) -> Iterator[PostgresStore]:
    store = PostgresStore(postgres_url)
    yield store
    store.close()


def raw(url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(url, autocommit=True)


# schema and migrations ----------------------------------------------------------------


def test_created_on_first_use(pg: PostgresStore) -> None:
    assert pg.schema_version() == LATEST_VERSION
    with raw(pg.url) as conn:
        tables = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            )
        }
    assert {"customers", "conversations", "messages", "decision_log", "workflow_runs"} <= tables


def test_reopening_does_not_migrate_again(pg: PostgresStore) -> None:
    with PostgresStore(pg.url) as again:
        assert again.schema_version() == LATEST_VERSION
    with raw(pg.url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone() == (
            len(MIGRATIONS),
        )


def test_workers_starting_together_migrate_once(postgres_url: str) -> None:
    stores: list[PostgresStore] = []
    threads = [
        threading.Thread(target=lambda: stores.append(PostgresStore(postgres_url)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stores) == 4
    for store in stores:
        store.close()
    with raw(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone() == (
            len(MIGRATIONS),
        )


def test_a_newer_schema_is_refused(pg: PostgresStore) -> None:
    with raw(pg.url) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    with pytest.raises(StoreError, match="schema version 999") as caught:
        PostgresStore(pg.url)
    assert caught.value.hint is not None and "Upgrade" in caught.value.hint


def test_an_unreachable_server_is_a_store_error() -> None:
    url = f"postgresql://nobody:secret@127.0.0.1:{pg_server.free_port()}/nothing"
    with pytest.raises(StoreError, match="Cannot connect to PostgreSQL") as caught:
        PostgresStore(url, connect_timeout=2)
    assert "secret" not in caught.value.message
    assert caught.value.field == "database"


def test_the_password_is_never_shown() -> None:
    assert redacted("postgresql://ana:s3cret@db:5432/helpdesk") == (
        "postgresql://ana:***@db:5432/helpdesk"
    )
    assert redacted("postgresql://db/helpdesk") == "postgresql://db/helpdesk"


# the last line of defence ---------------------------------------------------------------


def test_the_index_allows_one_open_conversation_per_channel(pg: PostgresStore) -> None:
    Inbox(pg).apply(inbound("SM1", at()))
    with raw(pg.url) as conn:
        with pytest.raises(psycopg.errors.UniqueViolation, match="conversations_one_open"):
            conn.execute(
                "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
                " VALUES (%s, 'sms', 'open', 'customer', now())",
                (ALICE,),
            )
        conn.execute(  # another channel, or a closed one, is fine
            "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
            " VALUES (%s, 'email', 'open', 'customer', now())",
            (ALICE,),
        )


def test_the_provider_message_id_is_unique(pg: PostgresStore) -> None:
    Inbox(pg).apply(inbound("SM1", at()))
    with raw(pg.url) as conn, pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute(
            "INSERT INTO messages (provider_id, customer, direction, body, segments, at)"
            " VALUES ('SM1', %s, 'inbound', 'x', 1, now())",
            (ALICE,),
        )


# the advisory lock -----------------------------------------------------------------------


def held_advisory_locks(url: str) -> list[tuple[int, bool]]:
    """(64-bit key, granted) of every advisory lock on the server."""
    with raw(url) as conn:
        rows = conn.execute(
            "SELECT (classid::bigint << 32) | objid::bigint, granted FROM pg_locks"
            " WHERE locktype = 'advisory' AND objsubid = 1"
        ).fetchall()
    return [(_signed(int(str(key))), bool(granted)) for key, granted in rows]


def _signed(key: int) -> int:
    return key - (1 << 64) if key >= 1 << 63 else key


def test_every_transaction_holds_the_customers_lock_from_the_start(pg: PostgresStore) -> None:
    with pg.transaction(ALICE):
        assert held_advisory_locks(pg.url) == [(customer_key(ALICE), True)]
    assert held_advisory_locks(pg.url) == []  # released by the commit
    with pytest.raises(RuntimeError), pg.transaction(ALICE):
        raise RuntimeError("boom")
    assert held_advisory_locks(pg.url) == []  # and by the rollback


def test_a_second_transaction_for_the_customer_waits_others_do_not(pg: PostgresStore) -> None:
    entered = threading.Event()
    order: list[str] = []

    def second() -> None:
        with pg.transaction(ALICE):
            order.append("second")
        entered.set()

    with pg.transaction(ALICE):
        thread = threading.Thread(target=second)
        thread.start()
        while (customer_key(ALICE), False) not in held_advisory_locks(pg.url):
            entered.wait(0.01)  # until the second one queues on the lock
        with pg.transaction(BOB):  # another customer is not held up
            order.append("bob")
        order.append("first")
    thread.join()
    assert order == ["bob", "first", "second"]


def test_lock_keys_are_stable_signed_64_bit_and_distinct() -> None:
    keys = {customer_key(f"+1415555{n:04d}") for n in range(2000)}
    assert len(keys) == 2000
    assert all(-(1 << 63) <= key < 1 << 63 for key in keys)
    assert customer_key(ALICE) == customer_key(ALICE)


# the same records as SQLite ---------------------------------------------------------------


def history(store: SqliteStore | PostgresStore) -> list[object]:
    """A busy history, then everything the store can say about it."""
    channel = Inbox(store)
    channel.upsert_customer(ALICE, {"zeta": 1, "alpha": {"b": 2, "a": [1, "é"]}})
    first = channel.apply(inbound("SM1", at(), body="Hello 👋"))
    cid = first.conversation_id or ""
    channel.tag(cid, "vip", "sms")
    channel.set_attribute(cid, "z", {"y": 1, "x": None})
    channel.assign(cid, "Billing")
    channel.add_note(cid, "Called back.", at=T0, author="ana")
    channel.apply(inbound("SM2", at(minutes=1), media=["image/png"]))
    channel.close(cid, T0 + timedelta(hours=1), event_id="c1")
    channel.apply(inbound("SM3", at(days=1)))  # reopened
    channel.apply(
        {"type": "outbound_sms", "id": "OUT1", "at": at(days=2), "to": ALICE, "body": "Sale"}
    )
    channel.apply(inbound("SM4", at(days=3)))  # a reply: closes, starts anew
    channel.apply(
        {
            "type": "start_conversation",
            "id": "s1",
            "at": at(days=4),
            "to": BOB,
            "body": "Hi",
            "subject": "Refund",
        }
    )
    channel.reply(cid, id="R1", at=T0 + timedelta(days=5), body="Done", automated=False)
    with store.transaction(ALICE) as tx:
        tx.set_message_status("R1", "delivered", T0 + timedelta(days=5, seconds=1), "SMxyz")
        tx.log_run(RunRecord("SM4", cid, T0, "customer_sends_any_message", "wf", {"b": 1, "a": 2}))
    views = [channel.conversation(f"C{n}") for n in (1, 2, 3)]
    with store.snapshot() as tx:
        return [
            views,
            [list(v.conversation.attributes.items()) for v in views],
            tx.customer(ALICE),
            list((tx.customer(ALICE) or Customer("", "")).attributes.items()),
            tx.message_by_sid("SMxyz"),
            tx.event_runs("SM4"),
            tx.last_closed_conversation(ALICE),
            tx.open_conversation(BOB),
            tx.pending_outbound(ALICE, T0 + timedelta(days=9)),
            tx.decision("c1"),
            tx.conversation("nope"),
        ]


def test_records_ids_and_orderings_are_sqlites(tmp_path: Path, pg: PostgresStore) -> None:
    with SqliteStore(tmp_path / "same.db") as lite:
        expected = history(lite)
    assert history(pg) == expected


def test_timestamps_come_back_in_utc(pg: PostgresStore) -> None:
    Inbox(pg).apply(inbound("SM1", "2026-01-05T12:00:00.123456+02:00"))
    with pg.snapshot() as tx:
        message = tx.message("SM1")
    assert message is not None
    assert message.at == T0 + timedelta(microseconds=123456)
    assert message.at.utcoffset() == timedelta(0)
    assert replace(message, at=T0).at.tzinfo is message.at.tzinfo


def test_a_snapshot_sees_one_state(pg: PostgresStore) -> None:
    with pg.snapshot() as before:
        assert before.message("SM1") is None
        Inbox(pg).apply(inbound("SM1", at()))
        assert before.message("SM1") is None  # repeatable read
    with pg.snapshot() as after:
        assert isinstance(after.message("SM1"), Message)


# connections: threads, forks, close ------------------------------------------------------


def test_many_threads_share_a_small_pool(pg: PostgresStore) -> None:
    channel = Inbox(pg)
    customers = [f"+1415555{1000 + n}" for n in range(8)]

    def work(n: int) -> None:
        for i in range(10):
            channel.apply(inbound(f"SM{n}-{i}", at(minutes=i), sender=customers[n]))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with raw(pg.url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone() == (80,)
        assert conn.execute("SELECT COUNT(*) FROM conversations").fetchone() == (8,)


def _child(store: PostgresStore, queue: multiprocessing.Queue[str]) -> None:
    result = Inbox(store).apply(inbound("SM2", at(minutes=1)))
    queue.put(result.decision)


def test_a_forked_worker_opens_its_own_connections(pg: PostgresStore) -> None:
    channel = Inbox(pg)
    assert channel.apply(inbound("SM1", at())).decision == "new"  # a pooled connection
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[str] = context.Queue()
    child = context.Process(target=_child, args=(pg, queue))
    child.start()
    decision = queue.get(timeout=60)
    child.join()
    assert (decision, child.exitcode) == ("append", 0)
    # the parent's pooled connection survived the child
    assert channel.apply(inbound("SM3", at(minutes=2))).decision == "append"


def test_closed_then_used_again(pg: PostgresStore) -> None:
    channel = Inbox(pg)
    channel.apply(inbound("SM1", at()))
    pg.close()
    assert channel.apply(inbound("SM2", at(minutes=1))).decision == "append"


# choosing a store by URL -------------------------------------------------------------------


def opened(target: str | None) -> tuple[type, str | None]:
    """The class of the store `open_store(target)` opens, and its file (SQLite)."""
    store = open_store(target)
    store.close()
    return type(store), getattr(store, "path", None)


def test_open_store_by_url(postgres_url: str, tmp_path: Path) -> None:
    assert opened(postgres_url) == (PostgresStore, None)
    legacy = "postgres://" + postgres_url.removeprefix("postgresql://")
    assert opened(legacy) == (PostgresStore, None)
    assert opened(f"sqlite:///{tmp_path}/a.db") == (SqliteStore, f"{tmp_path}/a.db")
    assert opened(str(tmp_path / "b.db")) == (SqliteStore, str(tmp_path / "b.db"))


def test_open_store_reads_database_url(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    assert opened(None) == (PostgresStore, None)


def test_open_store_without_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(StoreError, match="DATABASE_URL is not set") as caught:
        open_store()
    assert caught.value.hint is not None and "--database" in caught.value.hint
    with pytest.raises(StoreError, match="'mysql' is not supported"):
        open_store("mysql://db/helpdesk")


def test_without_server_binaries_the_fixture_names_the_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pg_server.shutil, "which", lambda name: None)
    monkeypatch.setattr(pg_server.glob, "glob", lambda pattern: [])
    with pytest.raises(pg_server.ServerUnavailable, match="Debian package `postgresql`"):
        pg_server.find_bindir()
