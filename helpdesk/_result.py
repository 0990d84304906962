"""What each adapter call returns: the decision, its rule, and the engine's events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from channels.sms import count_segments
from rules_engine.events import ConversationEvent, Run

from ._errors import ChannelError
from ._records import Conversation, Customer, Decision, StartedBy

OptOutChange = Literal["opted_out", "opted_in"]


@dataclass(frozen=True)
class ChannelResult:
    """One adapter call's outcome.

    `decision` is the threading decision and `rule` the rule that produced it (the
    decision log keeps both, with `reason`).  `started_by` is set for a new
    conversation.  `reply` is text the help desk should send back (the HELP text);
    `auto_reply_allowed` is false for short codes and opted-out customers.
    """

    decision: Decision
    rule: str
    reason: str
    event_id: str | None = None
    conversation_id: str | None = None
    started_by: StartedBy | None = None
    closed: tuple[str, ...] = ()
    reopened: str | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    events: tuple[ConversationEvent, ...] = ()
    out_of_order: bool = False
    opt_out: OptOutChange | None = None
    reply: str | None = None
    auto_reply_allowed: bool = True
    error: ChannelError | None = None
    runs: tuple[Run, ...] = ()  # the workflows the help desk ran on `events`

    def to_dict(self) -> dict[str, object]:
        """JSON-ready; the events are listed by trigger."""
        return {
            "event_id": self.event_id,
            "decision": self.decision,
            "rule": self.rule,
            "reason": self.reason,
            "conversation_id": self.conversation_id,
            "started_by": self.started_by,
            "closed": list(self.closed),
            "reopened": self.reopened,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "triggers": [event.trigger for event in self.events],
            "out_of_order": self.out_of_order,
            "opt_out": self.opt_out,
            "reply": self.reply,
            "auto_reply_allowed": self.auto_reply_allowed,
            "error": None if self.error is None else self.error.to_dict(),
        }


def customer_map(customer: Customer) -> dict[str, object]:
    """The customer attributes of an event: custom ones, then the built-in ones (the
    SMS identity's, for a customer who has one)."""
    if customer.phone is None:
        return {**customer.attributes, "opted_out": customer.opted_out}
    return {
        **customer.attributes,
        "phone": customer.phone,
        "country": customer.country,
        "opted_out": customer.opted_out,
    }


def conversation_map(conversation: Conversation) -> dict[str, object]:
    values: dict[str, object] = {
        **conversation.attributes,
        "id": conversation.id,
        "started_by": conversation.started_by,
        "tags": list(conversation.tags),
    }
    if conversation.assignee is not None:
        values["assignee"] = conversation.assignee
    if conversation.subject is not None:
        values["subject"] = conversation.subject
    return values


def message_map(
    body: str, media_types: tuple[str, ...], segments: int | None = None
) -> dict[str, object]:
    """The message attributes of an event; `segments` defaults to the SMS count."""
    return {
        "body": body,
        "has_media": bool(media_types),
        "segments": count_segments(body).segments if segments is None else segments,
        "media_types": list(media_types),
    }


def make_events(
    triggers: tuple[str, ...],
    *,
    event_id: str,
    at: datetime,
    customer: Customer,
    conversation: Conversation,
    message: Mapping[str, object],
) -> tuple[ConversationEvent, ...]:
    cust, conv = customer_map(customer), conversation_map(conversation)
    return tuple(
        ConversationEvent(
            trigger=trigger,
            channel=conversation.channel,
            at=at,
            customer=cust,
            conversation=conv,
            message=dict(message),
            id=event_id,
        )
        for trigger in triggers
    )
