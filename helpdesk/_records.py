"""The records the store keeps: plain frozen dataclasses, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from channels import Decision as Decision
from channels import StartedBy as StartedBy

Status = Literal["open", "closed"]
Direction = Literal["inbound", "outbound"]


@dataclass(frozen=True)
class Customer:
    """A customer: an id of their own and one address per channel.

    `phone` (E.164, or a short code's digits), `country` and `short_code` are the SMS
    identity, None for a customer without one; `addresses` holds the other channels'
    (`{"chat": "user-42"}`).  `id` defaults to the phone: an SMS customer's id is their
    number (see `_schema`); a customer first seen elsewhere has `<channel>:<address>`.
    """

    phone: str | None
    country: str | None = None
    short_code: bool = False
    attributes: Mapping[str, object] = field(default_factory=dict)
    opted_out: bool = False
    last_event_at: datetime | None = None
    id: str = ""
    addresses: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.phone or "")

    def address(self, channel: str) -> str | None:
        """The customer's address on `channel`, if they have one."""
        return self.phone if channel == "sms" else self.addresses.get(channel)


def customer_key(channel: str, address: str) -> str:
    """The id of a customer first seen as `address` on `channel`, and the key their
    transactions lock: the number itself for SMS, `<channel>:<address>` otherwise."""
    return address if channel == "sms" else f"{channel}:{address}"


@dataclass(frozen=True)
class Conversation:
    id: str
    customer: str
    channel: str
    status: Status
    started_by: StartedBy
    opened_at: datetime
    subject: str | None = None
    assignee: str | None = None
    tags: tuple[str, ...] = ()
    attributes: Mapping[str, object] = field(default_factory=dict)
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Message:
    """One SMS, stored once under its provider message id."""

    provider_id: str
    customer: str
    direction: Direction
    body: str
    at: datetime
    conversation_id: str | None = None
    media_types: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()
    segments: int = 0
    out_of_order: bool = False
    automated: bool = False
    status: str | None = None  # outbound: queued, sent, delivered, undelivered, failed...
    status_at: datetime | None = None
    sent_sid: str | None = None  # the provider's id for a message we sent


@dataclass(frozen=True)
class RunRecord:
    """One workflow's run for one event, as the decision log keeps it.

    `run` is `rules_engine.events.Run.to_dict()`: workflow, trigger, path, actions and
    the branch verdicts.
    """

    event_id: str
    conversation_id: str | None
    at: datetime
    trigger: str
    workflow: str
    run: Mapping[str, object]


@dataclass(frozen=True)
class Note:
    conversation_id: str
    body: str
    at: datetime
    author: str = "system"


@dataclass(frozen=True)
class OutboundMarker:
    """An outbound (proactive) message; `answered_by` is the first inbound after it."""

    provider_id: str
    customer: str
    sent_at: datetime
    answered_by: str | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """One threading decision and the rule behind it, as the decision log keeps it."""

    event_id: str | None
    customer: str
    at: datetime
    decision: Decision
    rule: str
    reason: str
    conversation_id: str | None = None
    closed: tuple[str, ...] = ()
    reopened: str | None = None
    out_of_order: bool = False


@dataclass(frozen=True)
class ConversationView:
    """A conversation with its messages, notes and decision log, oldest first."""

    conversation: Conversation
    messages: tuple[Message, ...]
    notes: tuple[Note, ...]
    decisions: tuple[DecisionRecord, ...]
    runs: tuple[RunRecord, ...] = ()
