"""Model-based test: the adapter against the threading oracle (`threading_oracle`).

Hypothesis generates timelines of inbound messages (with duplicates), outbound
messages, closes and teammate starts for two customers, with time steps chosen around
the window edges; after each step the adapter's decision must be the model's, and no
customer may have two open SMS conversations.
"""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import tempfile
from datetime import timedelta
from pathlib import Path

import pg_server
import psycopg
import pytest
from conftest import ALICE, BOB, T0
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from threading_oracle import REOPEN, REPLY, Expected, State, expected_decision

from channels.sms import SmsSettings
from helpdesk import ConversationStore, Inbox, PostgresStore, SqliteStore

STEPS = st.sampled_from(
    [
        timedelta(0),
        timedelta(minutes=1),
        REOPEN - timedelta(seconds=1),
        REOPEN,
        REPLY - timedelta(seconds=1),
        REPLY,
        timedelta(days=9),
    ]
)
CUSTOMERS = st.sampled_from([ALICE, ALICE, ALICE, BOB])  # mostly one: longer histories
OPEN_COUNTS = "SELECT customer, COUNT(*) FROM conversations WHERE status = 'open' GROUP BY customer"

# Slow: `make test` runs it; `pytest -m 'not slow'` leaves it out while working.
pytestmark = pytest.mark.slow


class Threading(RuleBasedStateMachine):
    """On SQLite; `OnPostgres` below runs a smaller share on PostgreSQL."""

    def __init__(self) -> None:
        super().__init__()
        self.store = self.open_store()
        self.channel = Inbox(self.store, SmsSettings(reopen_window=REOPEN, reply_window=REPLY))
        self.states = {ALICE: State(), BOB: State()}
        self.ids: dict[str, dict[int, str]] = {ALICE: {}, BOB: {}}  # number -> store id
        self.now = T0
        self.sent: list[tuple[str, str]] = []  # inbound (id, customer) already applied
        self.serial = 0

    def open_store(self) -> ConversationStore:
        self.dir = tempfile.mkdtemp()
        self.path = Path(self.dir) / "model.db"
        return SqliteStore(self.path)

    def open_counts(self) -> list[tuple[str, int]]:
        """(customer, number of open conversations), straight from the database."""
        conn = sqlite3.connect(self.path)
        rows = conn.execute(OPEN_COUNTS).fetchall()
        conn.close()
        return rows

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir)

    def _next(self, prefix: str, step: timedelta) -> tuple[str, str]:
        self.serial += 1
        self.now += step
        return f"{prefix}{self.serial}", self.now.isoformat()

    def _expect(self, customer: str, event: dict[str, object]) -> Expected:
        expected, self.states[customer] = expected_decision(self.states[customer], event)
        return expected

    def _id(self, customer: str, number: int | None) -> str:
        assert number is not None
        return self.ids[customer][number]

    def _check(self, customer: str, number: int | None, conversation_id: str | None) -> None:
        assert number is not None and conversation_id is not None
        assert self.ids[customer].setdefault(number, conversation_id) == conversation_id

    @rule(customer=CUSTOMERS, step=STEPS)
    def inbound(self, customer: str, step: timedelta) -> None:
        ident, when = self._next("SM", step)
        event = {"type": "inbound_sms", "id": ident, "at": when, "from": customer, "body": "hi"}
        result = self.channel.apply(event)
        expected = self._expect(customer, event)
        assert (result.decision, result.rule) == (expected.decision, expected.rule)
        self._check(customer, expected.conversation, result.conversation_id)
        if expected.rule == "reply_to_outbound" and expected.closed is not None:
            assert result.closed == (self._id(customer, expected.closed),)
        self.sent.append((ident, customer))

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def duplicate(self, data: st.DataObject) -> None:
        ident, customer = data.draw(st.sampled_from(self.sent))
        result = self.channel.apply(
            {"type": "inbound_sms", "id": ident, "at": self.now.isoformat(), "from": customer}
            | {"body": "again"}
        )
        assert result.decision == "duplicate"

    @rule(customer=CUSTOMERS, step=STEPS)
    def outbound(self, customer: str, step: timedelta) -> None:
        ident, when = self._next("OUT", step)
        event = {"type": "outbound_sms", "id": ident, "at": when, "to": customer, "body": "Sale"}
        result = self.channel.apply(event)
        assert result.decision == self._expect(customer, event).decision == "outbound"

    @rule(customer=CUSTOMERS, step=STEPS)
    def close(self, customer: str, step: timedelta) -> None:
        ident, when = self._next("c", step)
        event = {"type": "close_conversation", "id": ident, "at": when, "customer": customer}
        result = self.channel.apply(event)
        expected = self._expect(customer, event)
        assert result.decision == expected.decision
        if expected.decision == "closed":
            assert result.conversation_id == self._id(customer, expected.conversation)

    @rule(
        customer=CUSTOMERS,
        step=STEPS,
        if_open=st.sampled_from([None, "continue", "close_and_start_new"]),
    )
    def teammate_start(self, customer: str, step: timedelta, if_open: str | None) -> None:
        ident, when = self._next("s", step)
        event = {"type": "start_conversation", "id": ident, "at": when, "to": customer}
        event |= {"body": "Hello", "if_open": if_open}
        result = self.channel.apply(event)
        expected = self._expect(customer, event)
        assert result.decision == expected.decision
        if expected.decision == "rejected":
            assert result.error is not None and result.error.code == expected.rule
            return
        assert result.rule == expected.rule
        if expected.decision == "append":
            assert result.conversation_id == self._id(customer, expected.conversation)
            return
        assert result.started_by == "teammate"
        self._check(customer, expected.conversation, result.conversation_id)
        closed = () if expected.closed is None else (self._id(customer, expected.closed),)
        assert result.closed == closed

    @invariant()
    def one_open_conversation_per_customer(self) -> None:
        assert all(count == 1 for _customer, count in self.open_counts())
        for customer, state in self.states.items():
            current = self.channel.open_conversation(customer)
            expected = None if state.open is None else self.ids[customer].get(state.open)
            assert (current.id if current else None) == expected


Threading.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestThreading = Threading.TestCase


def test_the_model_on_postgres(postgres_server: pg_server.Server, postgres_database: str) -> None:
    """The same machine on PostgreSQL, fewer examples: each gets a fresh schema."""
    schemas = itertools.count(1)

    class OnPostgres(Threading):
        def open_store(self) -> ConversationStore:
            self.schema = f"model_{next(schemas)}"
            self.url = postgres_server.create_schema(postgres_database, self.schema)
            return PostgresStore(self.url)

        def open_counts(self) -> list[tuple[str, int]]:
            with psycopg.connect(self.url) as conn:
                return [(str(c), int(str(n))) for c, n in conn.execute(OPEN_COUNTS)]

        def teardown(self) -> None:
            self.store.close()
            postgres_server.drop_schema(postgres_database, self.schema)

    run_state_machine_as_test(
        OnPostgres,
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
