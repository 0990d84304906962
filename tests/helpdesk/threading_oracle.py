"""The one test oracle of the threading rules (docs/channels.md, "Threading rules, as
implemented"): what a customer's event must do, from that customer's state alone.

    state = State()
    expected, state = expected_decision(state, {"type": "inbound_sms", "at": "..."})
    expected.decision, expected.rule   # ('new', 'new_conversation')

Conversations are numbered 1, 2, … per customer in the order they start; a test maps
the numbers to the store's ids.  Duplicates (an event id seen before) are the caller's
business: the oracle sees each event once.  `replay_problems` checks a decision log
after the fact.  Used by the threading model, the hammer and the concurrency tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

REOPEN, REPLY = timedelta(days=5), timedelta(days=7)  # the default windows


@dataclass(frozen=True)
class State:
    """One customer's threading state."""

    open: int | None = None  # the open conversation
    last_closed: tuple[int, datetime] | None = None  # the last one closed, and when
    pending_outbound: datetime | None = None  # an outbound message not yet answered
    started: int = 0  # conversations started so far

    def close_open(self, at: datetime) -> State:
        if self.open is None:
            return self
        return replace(self, open=None, last_closed=(self.open, at))

    def start(self) -> State:
        return replace(self, open=self.started + 1, started=self.started + 1)


@dataclass(frozen=True)
class Expected:
    """What the event must do: the decision, the rule (for a refusal: the error code),
    the conversation it goes to and the one it closes, by number."""

    decision: str
    rule: str
    conversation: int | None = None
    closed: int | None = None


def expected_decision(
    state: State,
    event: Mapping[str, object],
    reopen_window: timedelta = REOPEN,
    reply_window: timedelta = REPLY,
) -> tuple[Expected, State]:
    """The expected outcome of one event (`inbound_sms`, `outbound_sms`,
    `close_conversation`, `start_conversation`) and the customer's state after it."""
    at = _when(event["at"])
    kind = event["type"]
    if kind == "inbound_sms":
        return _inbound(state, at, reopen_window, reply_window)
    if kind == "outbound_sms":
        return Expected("outbound", "outbound_message"), replace(state, pending_outbound=at)
    if kind == "close_conversation":
        if state.open is None:
            return Expected("rejected", "conversation_not_found"), state
        return Expected("closed", "close", state.open, state.open), state.close_open(at)
    if kind == "start_conversation":
        return _teammate_start(state, at, event.get("if_open"))
    raise ValueError(f"the oracle does not know events of type {kind!r}")


def _inbound(
    state: State, at: datetime, reopen_window: timedelta, reply_window: timedelta
) -> tuple[Expected, State]:
    """The four rules, in order: a reply to an outbound message, the open conversation,
    a reopen within the window, else a new conversation."""
    sent = state.pending_outbound
    state = replace(state, pending_outbound=None)
    if sent is not None and at - sent < reply_window:
        closed = state.open
        state = state.close_open(at).start()
        return Expected("new", "reply_to_outbound", state.open, closed), state
    if state.open is not None:
        return Expected("append", "open_conversation", state.open), state
    if state.last_closed is not None and at - state.last_closed[1] < reopen_window:
        number = state.last_closed[0]
        state = replace(state, open=number, last_closed=None)
        return Expected("reopen", "reopen_window", number), state
    state = state.start()
    return Expected("new", "new_conversation", state.open), state


def _teammate_start(state: State, at: datetime, if_open: object) -> tuple[Expected, State]:
    if state.open is not None and if_open is None:
        return Expected("rejected", "conversation_open"), state
    if state.open is not None and if_open == "continue":
        return Expected("append", "teammate_continue", state.open), state
    closed = state.open
    rule = "teammate_start" if closed is None else "teammate_close_and_start_new"
    state = state.close_open(at).start()
    return Expected("new", rule, state.open, closed), state


def _when(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def replay_problems(rows: Sequence[Sequence[Any]]) -> dict[str, list[str]]:
    """Replay a decision log per customer in commit order; the problems found, by customer.

    `rows` are `event_id, customer, decision, conversation_seq, closed, reopened` ordered
    by `seq`.  A problem: closing a conversation that is not open, starting one that
    exists, reopening one that is not closed, appending to a closed one, or two open at
    once."""
    problems: dict[str, list[str]] = {}
    state: dict[str, dict[str, str]] = {}  # customer -> conversation -> status
    for event_id, customer, decision, seq, closed, reopened in rows:
        conversations, target = state.setdefault(customer, {}), f"C{seq}"
        found = problems.setdefault(customer, [])
        for closed_id in _as_list(closed):
            if conversations.get(closed_id) != "open":
                found.append(f"{event_id} closed {closed_id}, which was not open")
            conversations[closed_id] = "closed"
        if decision == "new":
            if target in conversations:
                found.append(f"{event_id} started {target}, which already existed")
            conversations[target] = "open"
        elif decision == "reopen":
            if reopened != target or conversations.get(target) != "closed":
                found.append(f"{event_id} reopened {target}, which was not closed")
            conversations[target] = "open"
        elif decision == "append" and conversations.get(target) != "open":
            found.append(f"{event_id} went into {target}, closed before it arrived")
        if sum(1 for s in conversations.values() if s == "open") > 1:
            found.append(f"two open conversations after {event_id}")
    return {customer: found for customer, found in problems.items() if found}


def _as_list(value: Any) -> list[str]:
    """`closed` as stored: JSON text in SQLite, a list in PostgreSQL."""
    return list(json.loads(value) if isinstance(value, str) else value)
