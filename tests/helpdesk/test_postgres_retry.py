"""Retrying a whole call on a conflict, on both stores: real conflicts caused by a writer
that ignores the lock, the back-off, the log line, and `StoreBusy` past the bound."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pg_server
import psycopg
import pytest
from conftest import ALICE, at, dump, inbound

from helpdesk import (
    ConversationStore,
    Inbox,
    PostgresStore,
    RetryPolicy,
    SqliteStore,
    StoreBusy,
    StoreError,
    StoreTransaction,
)
from helpdesk._postgres import customer_key
from helpdesk._retry import call_with_retries

FAST = RetryPolicy(attempts=5, first_delay=0.001, max_delay=0.004)


# the policy -------------------------------------------------------------------------------


def test_back_off_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(attempts=6, first_delay=0.01, max_delay=0.05)
    lowest = [policy.delay(n, lambda low, high: low) for n in range(1, 6)]
    highest = [policy.delay(n, lambda low, high: high) for n in range(1, 6)]
    assert lowest == pytest.approx([0.005, 0.01, 0.02, 0.025, 0.025])
    assert highest == pytest.approx([0.01, 0.02, 0.04, 0.05, 0.05])
    assert all(0.005 <= policy.delay(1) <= 0.01 for _ in range(100))


@pytest.mark.parametrize("bad", [{"attempts": 0}, {"first_delay": -1.0}, {"multiplier": 0.5}])
def test_a_policy_that_makes_no_sense_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="RetryPolicy"):
        RetryPolicy(**bad)  # type: ignore[arg-type]


def test_what_each_store_calls_a_conflict(tmp_path: Path, postgres_url: str) -> None:
    with SqliteStore(tmp_path / "x.db") as lite:
        assert lite.is_retryable(sqlite3.OperationalError("database is locked"))
        assert lite.is_retryable(sqlite3.IntegrityError("UNIQUE constraint failed: messages.id"))
        assert not lite.is_retryable(sqlite3.IntegrityError("NOT NULL constraint failed: x"))
        assert not lite.is_retryable(ValueError("database is locked"))
    with PostgresStore(postgres_url) as pg:
        for error in (
            psycopg.errors.UniqueViolation,
            psycopg.errors.SerializationFailure,
            psycopg.errors.DeadlockDetected,
            psycopg.errors.LockNotAvailable,
            psycopg.OperationalError,
        ):
            assert pg.is_retryable(error("conflict"))
        assert not pg.is_retryable(psycopg.errors.NotNullViolation("x"))
        assert not pg.is_retryable(StoreError("x"))


# real conflicts, from a writer that does not take the lock -------------------------------


def test_postgres_unique_violation_is_retried_and_logged(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Another program opens a conversation for the customer without the lock, while our
    call is between its reads and its insert: the partial unique index stops our insert,
    the whole call runs again and appends to that conversation."""
    with PostgresStore(postgres_url) as store:
        channel = Inbox(store)
        channel.upsert_customer(ALICE)
        with psycopg.connect(postgres_url) as rogue:  # one open transaction
            rogue.execute(
                "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
                " VALUES (%s, 'sms', 'open', 'teammate', now())",
                (ALICE,),
            )
            results = []
            worker = threading.Thread(
                target=lambda: results.append(channel.apply(inbound("SM1", at())))
            )
            worker.start()
            wait_until_blocked(postgres_url)  # our insert waits on the unique index
            rogue.commit()
        worker.join()
    (result,) = results
    assert (result.decision, result.conversation_id) == ("append", "C1")
    (record,) = [r for r in caplog.records if r.name == "helpdesk.retry"]
    assert record.levelno == logging.WARNING
    assert "Inbox.apply conflicted with another writer (UniqueViolation" in record.message
    assert "should never be needed" in record.message


def wait_until_blocked(url: str) -> None:
    """Until a helpdesk-rules session waits on a lock (polling the server, not a clock)."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'helpdesk-rules'"
            " AND wait_event_type = 'Lock'"
        ).fetchone():
            conn.execute("SELECT pg_sleep(0.005)")


def test_sqlite_database_is_locked_is_retried(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A writer outside the adapter holds SQLite's write lock past our busy timeout; it
    lets go when the first retry is logged, and the second run succeeds."""
    store = SqliteStore(db_path, busy_timeout=0.02)
    rogue = sqlite3.connect(db_path, isolation_level=None)
    rogue.execute("BEGIN IMMEDIATE")
    release = ReleaseOnRetry(lambda: rogue.execute("COMMIT"))
    logging.getLogger("helpdesk.retry").addHandler(release)
    try:
        result = Inbox(store).apply(inbound("SM1", at()))
    finally:
        logging.getLogger("helpdesk.retry").removeHandler(release)
        rogue.close()
        store.close()
    assert result.decision == "new"
    assert release.calls == 1
    assert "(OperationalError: database is locked)" in caplog.records[0].message


class ReleaseOnRetry(logging.Handler):
    def __init__(self, release: object) -> None:
        super().__init__()
        self.let_go = release
        self.calls = 0

    def emit(self, record: logging.LogRecord) -> None:
        if self.calls == 0 and callable(self.let_go):
            self.let_go()
        self.calls += 1


# past the bound ---------------------------------------------------------------------------


def test_sqlite_past_the_bound_is_store_busy_and_nothing_is_stored(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(db_path, busy_timeout=0.01)
    rogue = sqlite3.connect(db_path, isolation_level=None)
    rogue.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreBusy) as caught:
            Inbox(store).apply(inbound("SM1", at()))
    finally:
        rogue.execute("ROLLBACK")
        rogue.close()
        store.close()
    assert_busy(caught.value, caplog, "OperationalError")
    with SqliteStore(db_path) as store:
        assert all(rows == [] for table, rows in dump(store) if table != "schema_migrations")


def test_postgres_past_the_bound_is_store_busy(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Another program holds the customer's advisory lock; with `lock_timeout` in the URL
    every run gives up waiting, and the call ends in `StoreBusy`."""
    PostgresStore(postgres_url).close()
    impatient = postgres_url.replace("search_path", "lock_timeout%3D20ms%20-c%20search_path")
    with psycopg.connect(postgres_url, autocommit=True) as rogue:
        rogue.execute("SELECT pg_advisory_lock(%s)", (customer_key(ALICE),))
        with PostgresStore(impatient, retry=FAST) as store, pytest.raises(StoreBusy) as caught:
            Inbox(store).apply(inbound("SM1", at()))
    assert_busy(caught.value, caplog, "LockNotAvailable")
    with PostgresStore(postgres_url) as store, store.snapshot() as tx:
        assert tx.message("SM1") is None


def assert_busy(error: StoreBusy, caplog: pytest.LogCaptureFixture, cause: str) -> None:
    assert error.attempts == 5
    assert error.code == "store_busy"
    assert f"Inbox.apply conflicted with another writer 5 times (last: {cause}" in str(error)
    assert error.hint is not None and "503" in error.hint
    assert error.to_dict()["attempts"] == 5
    levels = [r.levelname for r in caplog.records if r.name == "helpdesk.retry"]
    assert levels == ["WARNING"] * 4 + ["ERROR"]


# only the outermost call retries ----------------------------------------------------------


class Conflicting:
    """A store whose transactions always conflict; it counts them."""

    retry_policy = FAST

    def __init__(self, store: ConversationStore) -> None:
        self.inner = store
        self.transactions = 0

    def transaction(self, customer: str) -> AbstractContextManager[StoreTransaction]:
        return self._conflict()

    @contextmanager
    def _conflict(self) -> Iterator[StoreTransaction]:
        self.transactions += 1
        raise psycopg.errors.SerializationFailure("could not serialize access")
        yield  # pragma: no cover

    def snapshot(self) -> AbstractContextManager[StoreTransaction]:
        return self.inner.snapshot()

    def close(self) -> None:
        self.inner.close()

    def is_retryable(self, error: BaseException) -> bool:
        return isinstance(error, psycopg.errors.SerializationFailure)


def test_apply_runs_its_whole_call_attempts_times_not_attempts_squared(
    store: ConversationStore,
) -> None:
    conflicting = Conflicting(store)
    with pytest.raises(StoreBusy):
        Inbox(conflicting).apply(inbound("SM1", at()))
    assert conflicting.transactions == FAST.attempts
    conflicting.transactions = 0
    with pytest.raises(StoreBusy):
        Inbox(conflicting).upsert_customer(ALICE)
    assert conflicting.transactions == FAST.attempts


def test_a_store_that_cannot_tell_conflicts_is_not_retried() -> None:
    calls: list[int] = []

    def call() -> None:
        calls.append(1)
        raise psycopg.errors.SerializationFailure("x")

    with pytest.raises(psycopg.errors.SerializationFailure):
        call_with_retries(call, object(), "call")
    assert calls == [1]


def test_a_database_that_went_away_is_store_busy_not_a_rejection(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, retry=FAST, connect_timeout=2)
    store.close()  # no pooled connection left: the next call connects
    store.url = f"postgresql://postgres@127.0.0.1:{pg_server.free_port()}/gone"
    with pytest.raises(StoreBusy, match=r"5 times \(last: OperationalError: connection failed"):
        Inbox(store).apply(inbound("SM1", at()))
