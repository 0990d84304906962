"""The threading rules, as a pure function of the customer's state on one channel.

For an inbound message, in this order:

1. `reply_to_outbound`: the first inbound SMS after an outbound message, within the
   reply window: close the open conversation if any, start a new one
   (`started_by: outbound_reply`).
2. `open_conversation`: an SMS conversation is open: add the message to it.
3. `reopen_window`: the last SMS conversation was closed less than the reopen window
   ago (`at - closed_at < reopen_window`): add the message and reopen it.
4. `new_conversation`: otherwise start a new one (`started_by: customer`).

Time is the event's `at`, never the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Literal, Protocol, TypeVar

Decision = Literal[
    "new", "append", "reopen", "closed", "outbound", "duplicate", "rejected", "customer"
]
StartedBy = Literal["customer", "outbound_reply", "teammate"]
InboundRule = Literal["reply_to_outbound", "open_conversation", "reopen_window", "new_conversation"]


class ThreadedConversation(Protocol):
    """What the rules read of a stored conversation."""

    @property
    def id(self) -> str: ...

    @property
    def closed_at(self) -> datetime | None: ...


class OutboundMark(Protocol):
    """What the rules read of an unanswered outbound message."""

    @property
    def provider_id(self) -> str: ...

    @property
    def sent_at(self) -> datetime: ...


C = TypeVar("C", bound=ThreadedConversation)


@dataclass(frozen=True)
class ThreadingWindows:
    """`reopen_window`: a message within this time of the close reopens the conversation.
    `reply_window`: the first inbound message within this time of an outbound message
    starts a new conversation as a reply to it."""

    reopen_window: timedelta = timedelta(days=5)
    reply_window: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        for name in ("reopen_window", "reply_window"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"{name} must be a positive timedelta.")


@dataclass(frozen=True)
class ThreadState(Generic[C]):
    """What the rules look at: the customer's conversations on the channel and the
    latest unanswered outbound message."""

    open: C | None = None
    last_closed: C | None = None
    pending_outbound: OutboundMark | None = None


@dataclass(frozen=True)
class Plan(Generic[C]):
    """What to do with one inbound message, and why."""

    rule: InboundRule
    decision: Decision
    reason: str
    started_by: StartedBy | None = None
    close: C | None = None
    target: C | None = None


def decide_inbound(
    state: ThreadState[C], at: datetime, settings: ThreadingWindows, kind: str = "SMS"
) -> Plan[C]:
    """Apply the four rules, in order, to a message that arrived at `at`.

    `kind` names the channel in the reasons ("SMS", "chat")."""
    marker = state.pending_outbound
    if marker is not None and at - marker.sent_at < settings.reply_window:
        return Plan(
            rule="reply_to_outbound",
            decision="new",
            reason=f"First reply to the outbound message {marker.provider_id} sent "
            f"{_ago(at - marker.sent_at)}, within the {_span(settings.reply_window)} "
            "reply window: a new conversation"
            + (f"; {state.open.id} was closed." if state.open else "."),
            started_by="outbound_reply",
            close=state.open,
        )
    if state.open is not None:
        return Plan(
            rule="open_conversation",
            decision="append",
            reason=f"The {kind} conversation {state.open.id} is open: the message was added to it.",
            target=state.open,
        )
    closed = state.last_closed
    if closed is not None and closed.closed_at is not None:
        since = at - closed.closed_at
        if since < settings.reopen_window:
            return Plan(
                rule="reopen_window",
                decision="reopen",
                reason=f"The {kind} conversation {closed.id} was closed {_ago(since)}, "
                f"less than the {_span(settings.reopen_window)} reopen window: reopened.",
                target=closed,
            )
    return Plan(
        rule="new_conversation",
        decision="new",
        reason=f"No open {kind} conversation, none closed within the reopen window and no "
        "outbound message to answer: a new conversation.",
        started_by="customer",
    )


def _span(window: timedelta) -> str:
    if window % timedelta(days=1) == timedelta(0):
        return f"{window.days}-day"
    return str(window)


def _ago(delta: timedelta) -> str:
    if delta < timedelta(0):
        return f"{-delta} after the message (the message is out of arrival order)"
    return f"{delta} earlier"
