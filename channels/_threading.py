"""The SMS threading rules (SPEC section 2), as a pure function of the customer's state.

For an inbound SMS, in this order:

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
from typing import Literal

from ._records import Conversation, Decision, OutboundMarker, StartedBy
from ._settings import ChannelSettings

InboundRule = Literal["reply_to_outbound", "open_conversation", "reopen_window", "new_conversation"]


@dataclass(frozen=True)
class ThreadState:
    """What the rules look at: the customer's SMS conversations and outbound marker."""

    open: Conversation | None = None
    last_closed: Conversation | None = None
    pending_outbound: OutboundMarker | None = None


@dataclass(frozen=True)
class Plan:
    """What to do with one inbound SMS, and why."""

    rule: InboundRule
    decision: Decision
    reason: str
    started_by: StartedBy | None = None
    close: Conversation | None = None
    target: Conversation | None = None


def decide_inbound(state: ThreadState, at: datetime, settings: ChannelSettings) -> Plan:
    """Apply the four rules, in order, to an SMS that arrived at `at`."""
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
            reason=f"The SMS conversation {state.open.id} is open: the message was added to it.",
            target=state.open,
        )
    closed = state.last_closed
    if closed is not None and closed.closed_at is not None:
        since = at - closed.closed_at
        if since < settings.reopen_window:
            return Plan(
                rule="reopen_window",
                decision="reopen",
                reason=f"The SMS conversation {closed.id} was closed {_ago(since)}, "
                f"less than the {_span(settings.reopen_window)} reopen window: reopened.",
                target=closed,
            )
    return Plan(
        rule="new_conversation",
        decision="new",
        reason="No open SMS conversation, none closed within the reopen window and no "
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
