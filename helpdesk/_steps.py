"""Small steps the adapter's calls share: stored records, checks, closing, duplicates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from channels.sms import PhoneNumber, count_segments, label

from ._errors import (
    ConversationNotFound,
    InvalidEvent,
    OptedOut,
    ShortCodeRefused,
)
from ._records import (
    Conversation,
    Customer,
    DecisionRecord,
    Message,
)
from ._result import ChannelResult
from ._store import StoreTransaction


def new_customer(phone: PhoneNumber) -> Customer:
    return Customer(phone=phone.e164, country=phone.country, short_code=phone.short_code)


def touch_customer(tx: StoreTransaction, customer: Customer, at: datetime) -> bool:
    """Save the customer with its latest event time; True when `at` is out of order."""
    last = customer.last_event_at
    out_of_order = last is not None and at < last
    latest = at if last is None or at > last else last
    tx.save_customer(replace(customer, last_event_at=latest))
    return out_of_order


def out_of_order_warning(event_id: str) -> str:
    return (
        f"The message {event_id} is older than the customer's last applied event: "
        "applied in arrival order, and flagged."
    )


def sendable_customer(tx: StoreTransaction, phone: PhoneNumber) -> Customer:
    customer = tx.customer(phone.e164) or new_customer(phone)
    if customer.opted_out:
        raise opted_out_error(phone.e164)
    return customer


def sendable_record(tx: StoreTransaction, phone: str) -> Customer:
    customer = tx.customer(phone)
    if customer is None:  # a conversation always has its customer
        raise ConversationNotFound(f"The customer {phone} is not in the store.", field="customer")
    if customer.opted_out:
        raise opted_out_error(phone)
    return customer


def opted_out_error(phone: str) -> OptedOut:
    return OptedOut(
        f"The customer {phone} has opted out of SMS; nothing can be sent to them.",
        field="to",
        hint="They can opt back in by texting START.",
    )


def short_code_refused(phone: str, field: str) -> ShortCodeRefused:
    return ShortCodeRefused(
        f"The {label(field)} {phone} is a short code; the help desk never texts short codes "
        "automatically.",
        field=field,
    )


def outbound_message(
    provider_id: str,
    phone: PhoneNumber,
    body: str,
    at: datetime,
    conversation_id: str | None,
    out_of_order: bool,
    automated: bool,
) -> Message:
    return Message(
        provider_id=provider_id,
        customer=phone.e164,
        direction="outbound",
        body=body,
        at=at,
        conversation_id=conversation_id,
        segments=count_segments(body).segments,
        out_of_order=out_of_order,
        automated=automated,
    )


def get_conversation(tx: StoreTransaction, conversation_id: str) -> Conversation:
    conversation = tx.conversation(conversation_id)
    if conversation is None:
        raise ConversationNotFound(
            f"The conversation {conversation_id!r} does not exist.", field="conversation_id"
        )
    return conversation


def close_in(
    tx: StoreTransaction,
    conversation: Conversation,
    at: datetime,
    event_id: str | None,
    label: str = "SMS",
) -> ChannelResult:
    """Close `conversation`; `label` names its channel in the reason."""
    tx.update_conversation(replace(conversation, status="closed", closed_at=at))
    reason = f"The {label} conversation {conversation.id} was closed."
    tx.log_decision(
        DecisionRecord(
            event_id,
            conversation.customer,
            at,
            "closed",
            "close",
            reason,
            conversation.id,
            (conversation.id,),
        )
    )
    return ChannelResult(
        "closed", "close", reason, event_id, conversation.id, closed=(conversation.id,)
    )


def duplicate_result(event_id: str, conversation_id: str | None) -> ChannelResult:
    return ChannelResult(
        decision="duplicate",
        rule="duplicate",
        reason=f"The event {event_id} was already applied; nothing changed.",
        event_id=event_id,
        conversation_id=conversation_id,
    )


def check_attribute(name: str, value: object, builtin: frozenset[str], scope: str) -> None:
    if not name or not isinstance(name, str):
        raise InvalidEvent(f"A {scope} attribute needs a non-empty name.", field="attributes")
    if name in builtin:
        raise InvalidEvent(
            f"The {scope} attribute {name!r} is built in and cannot be set.",
            field=f"attributes.{name}",
        )
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise InvalidEvent(
            f"The {scope} attribute {name!r} is not a JSON value ({type(value).__name__}).",
            field=f"attributes.{name}",
        ) from None
