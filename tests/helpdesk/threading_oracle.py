"""The one test oracle of the threading rules (docs/channels.md, "Threading rules, as
implemented"): what a customer's event must do, from that customer's state alone.

    state = State()
    expected, state = expected_decision(state, {"type": "inbound_sms", "at": "..."})
    expected.decision, expected.rule   # ('new', 'new_conversation')

Conversations are numbered 1, 2, … per customer in the order they start; a test maps
the numbers to the store's ids.  Duplicates (an event id seen before) are the caller's
business: the oracle sees each event once.  Used by the threading model, the hammer and
the concurrency tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

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
