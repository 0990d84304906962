"""Group commit on SQLite (`helpdesk/_group.py`): concurrent calls share a COMMIT, none
returns before it, a failing call rolls back alone, a failed COMMIT fails every member,
and `deferred` commits every N calls and at the end."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sms_people import T0

from helpdesk import HelpDesk, RecordingSender, SqliteStore
from helpdesk._group import GroupWriter
from rules_engine.engine import Engine

WORKFLOWS = Path(__file__).parents[2] / "workflows"


def sms(index: int, customers: int = 8) -> dict[str, object]:
    return {
        "type": "inbound_sms",
        "id": f"SMg{index}",
        "at": (T0 + timedelta(seconds=index)).isoformat(),
        "from": f"+1415555{1000 + index % customers:04d}",
        "to": "+14155550100",
        "body": "HELP" if index % 5 == 0 else f"question {index}",
    }


def committed(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """What another connection sees: committed rows only."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(sql).fetchall()
    conn.close()
    return rows


def count_commits(store: SqliteStore) -> list[str]:
    seen: list[str] = []
    store._writer._connection().set_trace_callback(
        lambda statement: seen.append(statement) if statement in ("COMMIT", "ROLLBACK") else None
    )
    return seen


def without_ids(outcome: dict[str, object]) -> dict[str, object]:
    """An outcome without its conversation ids (they follow the order of the commits)."""
    assignments = outcome.get("assignments")
    assert isinstance(assignments, list)
    return {
        **outcome,
        "conversation": None,
        "assignments": [{**a, "conversation": None} for a in assignments],
    }


def test_concurrent_messages_share_commits_and_match_one_at_a_time(tmp_path: Path) -> None:
    engine = Engine.from_paths([WORKFLOWS])
    events = [sms(i) for i in range(120)]
    alone = HelpDesk(engine, SqliteStore(tmp_path / "alone.db"), sender=RecordingSender())
    expected = {e["id"]: alone.handle(e).to_dict() for e in events}
    alone.close()

    store = SqliteStore(tmp_path / "group.db")
    commits = count_commits(store)
    desk = HelpDesk(engine, store, sender=RecordingSender())
    by_customer: dict[object, list[dict[str, object]]] = {}
    for event in events:
        by_customer.setdefault(event["from"], []).append(event)

    def deliver(mine: list[dict[str, object]]) -> list[dict[str, object]]:
        return [desk.handle(event).to_dict() for event in mine]  # in order, per customer

    with ThreadPoolExecutor(len(by_customer)) as pool:
        results = [r for batch in pool.map(deliver, by_customer.values()) for r in batch]
    desk.close()
    # Conversation ids depend on the interleaving; everything else is as one at a time.
    for result in results:
        want = dict(expected[result["event"]])
        assert without_ids(result) == without_ids(want)
    stored = committed(tmp_path / "group.db", "SELECT count(*) FROM messages")
    assert stored == committed(tmp_path / "alone.db", "SELECT count(*) FROM messages")
    writes = sum(1 for r in results for _ in r["replies"]) + len(events)  # events and sends
    assert 0 < commits.count("COMMIT") < writes


def test_no_call_returns_before_its_commit_and_a_failure_rolls_back_alone(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "h.db")
    path = tmp_path / "h.db"
    seen: dict[int, list[tuple[Any, ...]]] = {}
    start = threading.Barrier(16)

    def call(index: int) -> None:
        start.wait()
        customer = f"+1415555{2000 + index:04d}"
        with suppress(RuntimeError), store.transaction(customer) as tx:
            tx._write("INSERT INTO customers (id) VALUES (?)", customer)  # type: ignore[attr-defined]
            if index % 4 == 0:
                raise RuntimeError("this call fails: its savepoint is rolled back")
        seen[index] = committed(path, f"SELECT id FROM customers WHERE id = '{customer}'")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(call, range(16)))
    store.close()
    for index, rows in seen.items():
        assert len(rows) == (0 if index % 4 == 0 else 1), index  # visible once returned
    assert len(committed(path, "SELECT id FROM customers")) == 12


class _Connection:
    """A sqlite3 connection whose next COMMIT fails (a full disk, say)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.fail_commit = False

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        if sql == "COMMIT" and self.fail_commit:
            self.fail_commit = False
            raise sqlite3.OperationalError("disk I/O error")
        return self.conn.execute(sql, *args)

    def close(self) -> None:
        self.conn.close()


def test_a_failed_commit_fails_every_member_of_its_group(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (n INTEGER)")
    setup.close()
    conn = _Connection(path)
    writer = GroupWriter(lambda: conn)  # type: ignore[arg-type,return-value]
    errors: list[BaseException] = []

    def member(n: int) -> None:
        try:
            with writer.member() as c:
                c.execute("INSERT INTO t VALUES (?)", (n,))
        except sqlite3.OperationalError as error:
            errors.append(error)

    threads = [threading.Thread(target=member, args=(n,)) for n in range(4)]
    with pytest.raises(sqlite3.OperationalError), writer.member() as c:
        for thread in threads:
            thread.start()
        while writer._queued < 4:  # all four wait for the lock: they join this group
            time.sleep(0.001)
        c.execute("INSERT INTO t VALUES (99)")
        conn.fail_commit = True
    for thread in threads:
        thread.join()
    assert len(errors) == 4  # every member got the COMMIT's error ...
    assert committed(path, "SELECT n FROM t") == []  # ... and none of them is stored
    with writer.member() as c:  # the writer goes on: a new group
        c.execute("INSERT INTO t VALUES (5)")
    assert committed(path, "SELECT n FROM t") == [(5,)]
    writer.close()


def test_a_failing_commit_fails_all_its_members(tmp_path: Path) -> None:
    path = tmp_path / "f.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (n INTEGER)")
    setup.close()
    conn = _Connection(path)
    writer = GroupWriter(lambda: conn)  # type: ignore[arg-type,return-value]
    conn.fail_commit = True
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"), writer.member() as c:
        c.execute("INSERT INTO t VALUES (1)")
    with writer.member() as c:  # the writer goes on: a new group
        c.execute("INSERT INTO t VALUES (2)")
    assert committed(path, "SELECT n FROM t") == [(2,)]
    writer.close()


@pytest.fixture
def deferred_store(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "d.db")
    yield store
    store.close()


def test_deferred_commits_every_n_calls_and_at_the_end(
    deferred_store: SqliteStore, tmp_path: Path
) -> None:
    commits = count_commits(deferred_store)
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), deferred_store, sender=RecordingSender())
    path = tmp_path / "d.db"
    with deferred_store.deferred(limit=1000):
        outcomes = [desk.handle(sms(i)) for i in range(25)]
        # Read in the open group (the outcome's state, the desk's own reads) ...
        assert desk.conversation(str(outcomes[-1].conversation)).messages
        # ... while another connection sees only what is committed: nothing yet.
        assert committed(path, "SELECT count(*) FROM decision_log") == [(0,)]
    assert commits.count("COMMIT") == 1  # at the end of the block
    assert committed(path, "SELECT count(*) FROM decision_log") == [(25,)]
    assert [o.threading for o in outcomes[:8]] == ["new"] * 8
    with deferred_store.deferred(limit=10):
        for i in range(25, 65):
            desk.handle(sms(i))
    assert 1 + 4 <= commits.count("COMMIT") <= 1 + 10  # every 10 calls (events, sends)
    assert committed(path, "SELECT count(*) FROM decision_log") == [(65,)]


def test_snapshots_from_threads_that_come_and_go_reuse_a_few_connections(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "r.db")

    def read() -> None:
        with store.snapshot() as view:
            view.message("none")

    for _ in range(50):  # a thread pool lets its threads go and starts new ones
        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: read(), range(40)))
    assert len(store._connections) <= 1 + 8  # the migration's, and at most those in use
    assert len(store._idle) <= 4
    store.close()
