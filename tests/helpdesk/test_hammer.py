"""The hammer: 8 worker processes, 10 customers, 5,000 messages, every event delivered
twice by two different workers at nearly the same moment, on both backends.

Each customer's timeline mixes inbound messages, outbound messages (the next inbound is
then a reply to it), teammate closes, and time steps around the reopen and reply windows.
The deliveries go in rounds: in each round up to four customers have their next event
delivered, each by two workers picked at random, and all eight workers start the round
together (a barrier).  So both deliveries of an event race each other, events for
different customers race too, and a customer's events still arrive in their order.

At the end: every message is stored exactly once; every event was applied once and seen
once as a duplicate; the decision log, replayed per customer in commit order, never shows
two open conversations, never appends to a closed conversation, and matches the threading
oracle (`threading_oracle`) event by event; every reply to an outbound message started
exactly one conversation; and no call needed a retry at all (the lock did its job).
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sms_people import T0
from threading_oracle import State, expected_decision, replay_problems

from helpdesk import ConversationStore, Inbox, PostgresStore, SqliteStore

WORKERS = 8
CUSTOMERS = tuple(f"+1415555{2000 + n}" for n in range(10))
MESSAGES = 5000  # inbound and outbound; closes come on top
PER_ROUND = WORKERS // 2

# Slow: `make test` runs it; `pytest -m 'not slow'` leaves it out while working.
pytestmark = pytest.mark.slow

STEPS = (
    (timedelta(minutes=1), 50),
    (timedelta(hours=5), 25),
    (timedelta(days=4, hours=23), 15),  # inside the reopen window
    (timedelta(days=6), 10),  # past it, inside the reply window
)
Event = dict[str, object]


@dataclass
class Expected:
    """What the threading oracle says each event must do."""

    rules: dict[str, str] = field(default_factory=dict)  # event id -> rule
    replies: set[str] = field(default_factory=set)
    order: dict[str, list[str]] = field(default_factory=dict)  # customer -> event ids


def timeline(customer: str, count: int, rng: random.Random, expected: Expected) -> list[Event]:
    """`count` messages for one customer, with closes mixed in, and what each must do."""
    events: list[Event] = []
    now, state = T0, State()
    messages = 0
    while messages < count:
        now += rng.choices([s for s, _ in STEPS], [w for _, w in STEPS])[0]
        ident = f"{customer[-4:]}-{len(events)}"
        when = now.isoformat()
        roll = rng.random()
        if state.open is not None and roll < 0.08:
            event: Event = {"type": "close_conversation", "id": f"c{ident}", "at": when}
            event["customer"] = customer
        elif roll < 0.16:
            messages += 1
            event = {"type": "outbound_sms", "id": f"OUT{ident}", "at": when, "to": customer}
            event["body"] = "Your order shipped"
        else:
            messages += 1
            event = {"type": "inbound_sms", "id": f"SM{ident}", "at": when, "from": customer}
            event["body"] = f"message {messages}"
        events.append(event)
        outcome, state = expected_decision(state, event)
        expected.rules[str(event["id"])] = outcome.rule
        if outcome.rule == "reply_to_outbound":
            expected.replies.add(str(event["id"]))
    expected.order[customer] = [str(e["id"]) for e in events]
    return events


def schedule(seed: int) -> tuple[list[list[Event | None]], Expected, int]:
    """Per worker, per round: the event it delivers (or None); the model; event count."""
    rng = random.Random(seed)
    expected = Expected()
    queues = {c: timeline(c, MESSAGES // len(CUSTOMERS), rng, expected) for c in CUSTOMERS}
    total = sum(len(q) for q in queues.values())
    plans: list[list[Event | None]] = [[] for _ in range(WORKERS)]
    while any(queues.values()):
        ready = [c for c, q in queues.items() if q]
        workers = list(range(WORKERS))
        rng.shuffle(workers)
        busy: dict[int, Event] = {}
        for n, customer in enumerate(rng.sample(ready, min(PER_ROUND, len(ready)))):
            event = queues[customer].pop(0)
            busy[workers[2 * n]] = busy[workers[2 * n + 1]] = event
        for worker in range(WORKERS):
            plans[worker].append(busy.get(worker))
    return plans, expected, total


# the workers ----------------------------------------------------------------------------


class Counting(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def open_target(backend: str, target: str) -> ConversationStore:
    return SqliteStore(target) if backend == "sqlite" else PostgresStore(target)


def worker(
    backend: str,
    target: str,
    plan: list[Event | None],
    barrier: Any,
    results: Any,
) -> None:
    """Deliver one event per round, every round starting with the others."""
    retries = Counting()
    logging.getLogger("helpdesk.retry").addHandler(retries)
    store = open_target(backend, target)
    channel = Inbox(store)
    outcomes: list[tuple[str, str, str]] = []
    error = None
    try:
        for event in plan:
            barrier.wait(timeout=120)
            if event is not None:
                result = channel.apply(event)
                outcomes.append((str(event["id"]), result.decision, result.rule))
    except Exception as exc:  # reported to the test, which fails
        error = f"{type(exc).__name__}: {exc}"
        barrier.abort()
    finally:
        store.close()
    results.put((outcomes, retries.records, error))


def hammer(
    backend: str, target: str
) -> tuple[list[tuple[str, str, str]], list[str], Expected, int]:
    plans, expected, total = schedule(seed=2026)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(backend, target, plan, barrier, results))
        for plan in plans
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    errors = [error for _, _, error in reports if error]
    assert errors == []
    outcomes = [item for found, _, _ in reports for item in found]
    retries = [line for _, lines, _ in reports for line in lines]
    return outcomes, retries, expected, total


# reading the database back ----------------------------------------------------------------


def query(backend: str, target: str, sql: str) -> list[tuple[Any, ...]]:
    if backend == "sqlite":
        conn = sqlite3.connect(target)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    with psycopg.connect(target) as pg:
        return [tuple(row) for row in pg.execute(sql)]


# the test -----------------------------------------------------------------------------------


@pytest.fixture
def target(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where the workers meet: a SQLite file, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        path = str(tmp_path / "hammer.db")
        SqliteStore(path).close()
        return path
    url = str(request.getfixturevalue("postgres_url"))
    PostgresStore(url).close()
    return url


def test_the_hammer(backend: str, target: str) -> None:
    outcomes, retries, expected, total = hammer(backend, target)

    # every event delivered twice: applied once, a duplicate once
    assert len(outcomes) == 2 * total
    by_event: dict[str, list[tuple[str, str]]] = {}
    for ident, decision, rule in outcomes:
        by_event.setdefault(ident, []).append((decision, rule))
    assert len(by_event) == total
    for ident, seen in by_event.items():
        applied = [rule for decision, rule in seen if decision != "duplicate"]
        assert len(seen) == 2 and applied == [expected.rules[ident]], (ident, seen)

    # every message stored exactly once
    stored = query(backend, target, "SELECT provider_id, COUNT(*) FROM messages GROUP BY 1")
    messages = {i for i in expected.rules if not i.startswith("c")}
    assert len(messages) == MESSAGES
    assert dict(stored) == dict.fromkeys(messages, 1)

    # the decision log: applied in arrival order, never two open, never into a closed one
    rows = query(
        backend,
        target,
        "SELECT event_id, customer, decision, conversation_seq, closed, reopened"
        " FROM decision_log ORDER BY seq",
    )
    for customer in CUSTOMERS:
        assert [r[0] for r in rows if r[1] == customer] == expected.order[customer]
    assert replay_problems(rows) == {}
    open_now = query(backend, target, "SELECT customer FROM conversations WHERE status = 'open'")
    assert max(Counter(open_now).values()) == 1

    # every reply to an outbound message started exactly one conversation
    started = query(
        backend,
        target,
        "SELECT d.event_id FROM conversations c JOIN decision_log d"
        " ON d.conversation_seq = c.seq AND d.decision = 'new'"
        " WHERE c.started_by = 'outbound_reply'",
    )
    assert sorted(r[0] for r in started) == sorted(expected.replies)
    assert len(expected.replies) > 50

    # and the lock did its job: not one retry, let alone one past the bound
    assert retries == []
