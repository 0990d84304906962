"""Model-based test: the adapter against a tiny pure-Python model of the four rules.

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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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

from channels.sms import SmsSettings
from helpdesk import ConversationStore, Inbox, PostgresStore, SqliteStore

REOPEN, REPLY = timedelta(days=5), timedelta(days=7)
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


@dataclass
class CustomerModel:
    """The four rules over one customer's state; conversations are numbered 1, 2, ..."""

    open: int | None = None
    last_closed: tuple[int, datetime] | None = None
    pending_outbound: datetime | None = None
    count: int = 0
    ids: dict[int, str] = field(default_factory=dict)

    def new(self) -> int:
        self.count += 1
        return self.count

    def close_open(self, at: datetime) -> None:
        if self.open is not None:
            self.last_closed = (self.open, at)
            self.open = None

    def inbound(self, at: datetime) -> tuple[str, str, int]:
        sent, self.pending_outbound = self.pending_outbound, None
        if sent is not None and at - sent < REPLY:
            self.close_open(at)
            self.open = self.new()
            return "new", "reply_to_outbound", self.open
        if self.open is not None:
            return "append", "open_conversation", self.open
        if self.last_closed is not None and at - self.last_closed[1] < REOPEN:
            self.open, self.last_closed = self.last_closed[0], None
            return "reopen", "reopen_window", self.open
        self.open = self.new()
        return "new", "new_conversation", self.open


class Threading(RuleBasedStateMachine):
    """On SQLite; `OnPostgres` below runs a smaller share on PostgreSQL."""

    def __init__(self) -> None:
        super().__init__()
        self.store = self.open_store()
        self.channel = Inbox(self.store, SmsSettings(reopen_window=REOPEN, reply_window=REPLY))
        self.models = {ALICE: CustomerModel(), BOB: CustomerModel()}
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

    def _check(self, model: CustomerModel, number: int, conversation_id: str | None) -> None:
        assert conversation_id is not None
        assert model.ids.setdefault(number, conversation_id) == conversation_id

    @rule(customer=CUSTOMERS, step=STEPS)
    def inbound(self, customer: str, step: timedelta) -> None:
        ident, when = self._next("SM", step)
        result = self.channel.apply(
            {"type": "inbound_sms", "id": ident, "at": when, "from": customer, "body": "hi"}
        )
        model = self.models[customer]
        closed_before = model.open
        decision, rule_name, number = model.inbound(self.now)
        assert (result.decision, result.rule) == (decision, rule_name)
        self._check(model, number, result.conversation_id)
        if rule_name == "reply_to_outbound" and closed_before is not None:
            assert result.closed == (model.ids[closed_before],)
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
        result = self.channel.apply(
            {"type": "outbound_sms", "id": ident, "at": when, "to": customer, "body": "Sale"}
        )
        assert result.decision == "outbound"
        self.models[customer].pending_outbound = self.now

    @rule(customer=CUSTOMERS, step=STEPS)
    def close(self, customer: str, step: timedelta) -> None:
        ident, when = self._next("c", step)
        result = self.channel.apply(
            {"type": "close_conversation", "id": ident, "at": when, "customer": customer}
        )
        model = self.models[customer]
        if model.open is None:
            assert result.decision == "rejected"
            return
        assert (result.decision, result.conversation_id) == ("closed", model.ids[model.open])
        model.close_open(self.now)

    @rule(
        customer=CUSTOMERS,
        step=STEPS,
        if_open=st.sampled_from([None, "continue", "close_and_start_new"]),
    )
    def teammate_start(self, customer: str, step: timedelta, if_open: str | None) -> None:
        ident, when = self._next("s", step)
        event = {"type": "start_conversation", "id": ident, "at": when, "to": customer}
        result = self.channel.apply({**event, "body": "Hello", "if_open": if_open})
        model = self.models[customer]
        if model.open is not None and if_open is None:
            assert result.decision == "rejected"
            assert result.error is not None and result.error.code == "conversation_open"
        elif model.open is not None and if_open == "continue":
            assert (result.decision, result.conversation_id) == ("append", model.ids[model.open])
        else:
            old = model.open
            model.close_open(self.now)
            model.open = model.new()
            assert (result.decision, result.started_by) == ("new", "teammate")
            self._check(model, model.open, result.conversation_id)
            assert result.closed == (() if old is None else (model.ids[old],))

    @invariant()
    def one_open_conversation_per_customer(self) -> None:
        assert all(count == 1 for _customer, count in self.open_counts())
        for customer, model in self.models.items():
            current = self.channel.open_conversation(customer)
            expected = None if model.open is None else model.ids.get(model.open)
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
