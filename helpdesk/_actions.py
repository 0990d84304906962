"""Applying a workflow run's actions to its conversation, inside the customer's transaction.

assign, unassign, tag, remove_tag, note, set and close change the conversation; a reply
goes through the
content rules, the opt-out and short-code checks and the segment count, and is stored
as a queued outbound message that the help desk sends once the transaction commits.
On a channel other than SMS (chat, email) the help desk has no sender: a reply goes
through that channel's content rules and is stored as a `recorded` outbound message,
for the help desk's own chat or email system to deliver.
A reply that may not be sent is not an error for the inbound message: it becomes a
note for the teammates, and the run's outcome says why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, assert_never

from channels import Channel
from channels.sms import check_outbound, count_segments
from rules_engine.events import Run

from ._errors import ChannelError
from ._records import Conversation, Customer, Message, Note
from ._store import StoreTransaction


@dataclass(frozen=True)
class QueuedReply:
    """A reply a workflow sends: an SMS stored as `queued` and sent after the commit, or
    on another channel a message stored as `recorded`; `to` is the customer's address."""

    provider_id: str
    to: str
    body: str
    segments: int
    claimed: Message | None = None  # an SMS stored claimed (`sending`), for the caller to send


@dataclass(frozen=True)
class AppliedRun:
    conversation: Conversation
    replies: tuple[QueuedReply, ...]
    refusals: tuple[str, ...]  # replies that were not sent, and why


def apply_run(
    tx: StoreTransaction,
    conversation: Conversation,
    run: Run,
    at: datetime,
    reference: str,
    channel: Channel | None = None,
    claimed_at: datetime | None = None,
) -> AppliedRun:
    """Apply `run.actions` in order; `reference` names the replies (`<ref>/reply<n>`).

    `channel` is the conversation's adapter (None: SMS); `claimed_at`: see `queue_reply`."""
    replies: list[QueuedReply] = []
    refusals: list[str] = []
    author = f"workflow:{run.workflow}"
    for action in run.actions:
        kind = action.kind
        match kind:
            case "reply":
                reply_id = f"{reference}/reply{len(replies) + len(refusals) + 1}"
                body = str(action.value)
                outcome = queue_reply(tx, conversation, body, at, reply_id, channel, claimed_at)
                if isinstance(outcome, QueuedReply):
                    replies.append(outcome)
                else:
                    refusals.append(outcome)
                    tx.add_note(Note(conversation.id, f"Reply not sent: {outcome}", at, author))
            case "note":
                tx.add_note(Note(conversation.id, str(action.value), at, author))
            case "assign" | "unassign" | "tag" | "remove_tag" | "set" | "close":
                conversation = _changed(conversation, kind, action.value, at)
            case _:
                assert_never(kind)
    tx.update_conversation(conversation)
    return AppliedRun(conversation, tuple(replies), tuple(refusals))


def _changed(
    conversation: Conversation,
    kind: Literal["assign", "unassign", "tag", "remove_tag", "set", "close"],
    value: object,
    at: datetime,
) -> Conversation:
    """The conversation after one action that changes it (values as the parser makes them)."""
    match kind:
        case "assign" if isinstance(value, dict):
            return replace(conversation, assignee=str(next(iter(value.values()))))
        case "unassign":
            return replace(conversation, assignee=None)
        case "tag" if isinstance(value, tuple):
            tags = conversation.tags + tuple(t for t in value if t not in conversation.tags)
            return replace(conversation, tags=tags)
        case "remove_tag" if isinstance(value, tuple):
            return replace(conversation, tags=tuple(t for t in conversation.tags if t not in value))
        case "set" if isinstance(value, dict):
            attributes = dict(conversation.attributes)
            for name, item in value.items():
                key = name.split(".", 1)[1]
                attributes[key] = item.isoformat() if isinstance(item, datetime) else item
            return replace(conversation, attributes=attributes)
        case "close" if conversation.status == "open":
            return replace(conversation, status="closed", closed_at=at)
        case "assign" | "unassign" | "tag" | "remove_tag" | "set" | "close":
            return conversation
        case _:
            assert_never(kind)


def queue_reply(
    tx: StoreTransaction,
    conversation: Conversation,
    body: str,
    at: datetime,
    reply_id: str,
    channel: Channel | None = None,
    claimed_at: datetime | None = None,
) -> QueuedReply | str:
    """Store an SMS to send once the transaction commits (or, on another `channel`, a
    recorded message), or say why it may not be sent.

    With `claimed_at` the SMS is stored already claimed by the caller (`sending`, as
    `Outbox.claim` leaves it), who sends it after the commit: no second transaction."""
    customer = tx.customer(conversation.customer)
    if customer is not None and channel is not None and channel.name != "sms":
        return _record_reply(tx, conversation, customer, body, at, reply_id, channel)
    refusal = _refusal(customer, body)
    if refusal is not None or customer is None:
        return refusal or "the customer is unknown"
    segments = count_segments(body).segments
    status = ("queued", at) if claimed_at is None else ("sending", claimed_at)
    message = _reply_message(reply_id, customer, conversation, body, at, segments, *status)
    tx.add_message(message)
    claimed = None if claimed_at is None else message
    return QueuedReply(reply_id, customer.phone or customer.id, body, segments, claimed)


def _record_reply(
    tx: StoreTransaction,
    conversation: Conversation,
    customer: Customer,
    body: str,
    at: datetime,
    reply_id: str,
    channel: Channel,
) -> QueuedReply | str:
    try:
        channel.check_outbound(body)
    except ChannelError as error:
        return error.format_message()
    cost = channel.reply_cost(body)
    tx.add_message(_reply_message(reply_id, customer, conversation, body, at, cost, "recorded", at))
    return QueuedReply(reply_id, customer.address(channel.name) or customer.id, body, cost)


def _reply_message(
    reply_id: str,
    customer: Customer,
    conversation: Conversation,
    body: str,
    at: datetime,
    segments: int,
    status: str,
    status_at: datetime,
) -> Message:
    """A workflow's reply as the store keeps it."""
    return Message(
        provider_id=reply_id,
        customer=customer.id,
        direction="outbound",
        body=body,
        at=at,
        conversation_id=conversation.id,
        segments=segments,
        automated=True,
        status=status,
        status_at=status_at,
    )


def _refusal(customer: Customer | None, body: str) -> str | None:
    if customer is None:
        return "the customer is unknown"
    if customer.opted_out:
        return f"{customer.phone} has opted out (STOP); nothing is sent to them."
    if customer.short_code:
        return f"{customer.phone} is a short code; automated replies are never sent to one."
    try:
        check_outbound(body)
    except ChannelError as error:
        return error.format_message()
    return None
