"""A plain model of the assignment rules of SPEC section 8, run against the help desk as
a Hypothesis state machine, on both stores.

The model knows nothing of the store or of `_choice.py`: a list of conversations, who
holds each, who is away, and the order of assignments.  After every step each
conversation's assignee in the store must be the model's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from helpdesk import HelpDesk, PostgresStore, SqliteStore
from rules_engine.engine import Engine

PROJECT = Path(__file__).parent / "workload_project"
TEAMS = {"Billing": ("alice", "bob", "carmen"), "Sales": ("dan", "erin")}
OWN_LIMIT = {"alice": 1}
TEAM_LIMIT = {"Billing": 2}
BODIES = {"hello": ("Billing", 0), "urgent!": ("Billing", 4), "sales": ("Sales", 0)}


@dataclass
class Conversation:
    team: str
    priority: int
    number: int
    holder: str | None = None
    open: bool = True


@dataclass
class Model:
    conversations: dict[str, Conversation] = field(default_factory=dict)
    away: set[str] = field(default_factory=set)
    last: dict[str, int] = field(default_factory=dict)
    turn: dict[str, str] = field(default_factory=dict)
    assignments: int = 0

    def held(self, member: str, team: str | None = None) -> int:
        return sum(
            1
            for c in self.conversations.values()
            if c.open and c.holder == member and team in (None, c.team)
        )

    def free(self, member: str, team: str) -> bool:
        own = OWN_LIMIT.get(member)
        if member in self.away or (own is not None and self.held(member) >= own):
            return False
        limit = TEAM_LIMIT.get(team)
        return limit is None or self.held(member, team) < limit

    def pick(self, team: str) -> str | None:
        members = TEAMS[team]
        if team == "Sales":  # round robin
            last = self.turn.get(team)
            start = members.index(last) + 1 if last else 0
            turn = members[start:] + members[:start]
            return next((m for m in turn if m not in self.away), None)
        free = [m for m in members if self.free(m, team)]
        return min(free, key=lambda m: (self.held(m), self.last.get(m, 0)), default=None)

    def drain(self) -> None:
        waiting = sorted(
            (c for c in self.conversations.values() if c.open and c.holder is None),
            key=lambda c: (-c.priority, c.number),
        )
        for conversation in waiting:
            member = self.pick(conversation.team)
            if member is not None:
                self.assignments += 1
                conversation.holder = member
                self.last[member] = self.assignments
                self.turn[conversation.team] = member


class Assignment(RuleBasedStateMachine):
    def __init__(self, open_desk: Callable[[], HelpDesk]) -> None:
        super().__init__()
        self.desk = open_desk()
        self.model = Model()
        self.events = 0
        self.phones: dict[str, str] = {}

    def at(self) -> str:
        self.events += 1
        return f"2026-01-05T{10 + self.events // 60:02d}:{self.events % 60:02d}:00Z"

    @rule(body=st.sampled_from(sorted(BODIES)))
    def text(self, body: str) -> None:
        phone = f"+1415557{len(self.phones):04d}"
        event = {"type": "inbound_sms", "id": f"SM{self.events}", "at": self.at(), "from": phone}
        outcome = self.desk.handle({**event, "body": body})
        assert outcome.conversation is not None
        team, priority = BODIES[body]
        self.phones[outcome.conversation] = phone
        self.model.conversations[outcome.conversation] = Conversation(
            team, priority, len(self.phones)
        )
        self.model.drain()

    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        open_now = sorted(k for k, c in self.model.conversations.items() if c.open)
        if not open_now:
            return
        which = data.draw(st.sampled_from(open_now))
        event = {"type": "close_conversation", "id": f"c{self.events}", "at": self.at()}
        self.desk.handle({**event, "customer": self.phones[which]})
        self.model.conversations[which].open = False
        self.model.drain()

    @rule(who=st.sampled_from(["alice", "bob", "carmen", "dan", "erin"]), away=st.booleans())
    def status(self, who: str, away: bool) -> None:
        event = {"type": "teammate_status", "id": f"t{self.events}", "at": self.at()}
        self.desk.handle({**event, "teammate": who, "status": "away" if away else "active"})
        if away:
            self.model.away.add(who)
        else:
            self.model.away.discard(who)
            self.model.drain()

    @invariant()
    def the_store_assigns_as_the_model_does(self) -> None:
        for ident, conversation in self.model.conversations.items():
            found = self.desk.conversation(ident).conversation.assignee
            assert found == (conversation.holder or conversation.team), ident

    def teardown(self) -> None:
        self.desk.close()


def test_the_store_follows_the_model(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine = Engine.from_paths([PROJECT])
    runs = iter(range(10_000))
    if backend == "sqlite":

        def open_desk() -> HelpDesk:
            return HelpDesk(engine, SqliteStore(tmp_path / f"m{next(runs)}.db"))

        examples = 40
    else:
        url = str(request.getfixturevalue("postgres_url"))
        PostgresStore(url).close()

        def open_desk() -> HelpDesk:
            with psycopg.connect(url, autocommit=True) as conn:
                tables = [
                    row[0]
                    for row in conn.execute(
                        "SELECT table_name FROM information_schema.tables"
                        " WHERE table_schema = current_schema()"
                        " AND table_name <> 'schema_migrations'"
                    )
                ]
                conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            return HelpDesk(engine, PostgresStore(url))

        examples = 20
    run_state_machine_as_test(
        lambda: Assignment(open_desk),
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
