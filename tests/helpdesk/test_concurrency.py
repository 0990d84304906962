"""Several processes, each with several threads, deliver messages (every one twice) for
the same few customers at once, against one SQLite file.

At the end no customer ever had two open SMS conversations (the decision log, replayed
in commit order by `threading_oracle.replay_problems`, says so) and every message is
stored exactly once.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sms_people import ALICE, BOB, CAROL, T0
from threading_oracle import replay_problems

from helpdesk import Inbox, SqliteStore

CUSTOMERS = (ALICE, BOB, CAROL)
PROCESSES, THREADS = 2, 3
Event = dict[str, object]


def workload(seed: int) -> list[Event]:
    """Per customer: 30 inbound messages, 4 outbound messages and 4 closes, in time order."""
    events: list[Event] = []
    for c, customer in enumerate(CUSTOMERS):
        for i in range(38):
            when = (T0 + timedelta(hours=i * 7)).isoformat()
            ident = f"{c}-{i}"
            if i % 9 == 4:
                events.append(
                    {
                        "type": "outbound_sms",
                        "id": f"OUT{ident}",
                        "at": when,
                        "to": customer,
                        "body": "News",
                    }
                )
            elif i % 9 == 8:
                events.append(
                    {
                        "type": "close_conversation",
                        "id": f"C{ident}",
                        "at": when,
                        "customer": customer,
                    }
                )
            else:
                events.append(
                    {
                        "type": "inbound_sms",
                        "id": f"SM{ident}",
                        "at": when,
                        "from": customer,
                        "body": f"message {i}",
                    }
                )
    deliveries = events + events  # every event arrives twice
    random.Random(seed).shuffle(deliveries)
    return deliveries


def deliver(path: str, events: list[Event]) -> list[tuple[str, str]]:
    """One process: THREADS threads share one store and deliver `events` between them."""
    store = SqliteStore(path)
    channel = Inbox(store)
    chunks = [events[i::THREADS] for i in range(THREADS)]
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            results = pool.map(lambda chunk: [channel.apply(e) for e in chunk], chunks)
            return [(r.event_id or "", r.decision) for chunk in results for r in chunk]
    finally:
        store.close()


def decision_log(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT event_id, customer, decision, conversation_seq, closed, reopened"
        " FROM decision_log ORDER BY seq"
    ).fetchall()
    conn.close()
    return rows


def test_threads_and_processes_with_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    SqliteStore(path).close()
    deliveries = workload(seed=7)
    shares = [deliveries[i::PROCESSES] for i in range(PROCESSES)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
        parts = [pool.submit(deliver, str(path), share) for share in shares]
        # A worker that dies raises BrokenProcessPool here instead of hanging the test.
        outcomes = [item for part in parts for item in part.result(timeout=240)]

    assert len(outcomes) == len(deliveries)
    inbound_ids = {str(e["id"]) for e in deliveries if e["type"] == "inbound_sms"}
    outbound_ids = {str(e["id"]) for e in deliveries if e["type"] == "outbound_sms"}
    for ident in inbound_ids | outbound_ids:
        decisions = sorted(d for i, d in outcomes if i == ident)
        assert len(decisions) == 2 and decisions.count("duplicate") == 1, (ident, decisions)
    for ident in {str(e["id"]) for e in deliveries if e["type"] == "close_conversation"}:
        assert [d for i, d in outcomes if i == ident].count("closed") <= 1

    conn = sqlite3.connect(path)
    stored = conn.execute(
        "SELECT provider_id, COUNT(*) FROM messages GROUP BY provider_id"
    ).fetchall()
    open_rows = conn.execute(
        "SELECT customer, COUNT(*) FROM conversations WHERE status = 'open' GROUP BY customer"
    ).fetchall()
    conn.close()
    assert {ident for ident, _ in stored} == inbound_ids | outbound_ids
    assert all(count == 1 for _, count in stored)
    assert all(count == 1 for _, count in open_rows)
    log = decision_log(path)
    assert replay_problems(log) == {}  # never two open, in commit order
    assert {customer for _, customer, decision, *_ in log if decision == "new"} == set(CUSTOMERS)
