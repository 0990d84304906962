"""The adapter's input, validated at the edge: one Pydantic model per event type.

Raw events are the JSON Lines of the README's tour.  `parse_event` turns a mapping into
the right model, or raises `InvalidEvent` with a sentence that names the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import ErrorDetails

from ._errors import InvalidEvent

M = TypeVar("M", bound=BaseModel)

NonEmpty = Annotated[str, StringConstraints(min_length=1)]
IfOpen = Literal["continue", "close_and_start_new"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        """No NUL characters (no SMS carries one) and no NaN or infinity anywhere: neither
        can be stored in PostgreSQL, so neither is accepted on any store."""
        problem = _unstorable(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def _unstorable(value: object) -> str | None:
    if isinstance(value, str):
        return "must not contain NUL characters (\\x00)" if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else "must not hold NaN or infinity"
    items: list[object] = []
    if isinstance(value, Mapping):
        items = [part for pair in value.items() for part in pair]
    elif isinstance(value, list | tuple):
        items = list(value)
    return next((p for p in map(_unstorable, items) if p is not None), None)


class _Timed(_Event):
    at: AwareDatetime

    @field_validator("at", mode="after")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class MediaItem(_Event):
    """An attachment: its MIME type, and where the provider keeps it."""

    content_type: NonEmpty
    url: str | None = None


def _media_items(value: object) -> object:
    """Accept `"image/jpeg"` as shorthand for `{"content_type": "image/jpeg"}`."""
    if isinstance(value, list):
        return [{"content_type": item} if isinstance(item, str) else item for item in value]
    return value


class _WithMedia(_Timed):
    media: tuple[MediaItem, ...] = ()

    @field_validator("media", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return _media_items(value)

    def media_types(self) -> tuple[str, ...]:
        return tuple(item.content_type for item in self.media)


class InboundSms(_WithMedia):
    """An SMS the customer sent (`from`) to the help desk's number (`to`)."""

    type: Literal["inbound_sms"] = "inbound_sms"
    id: NonEmpty
    from_: NonEmpty = Field(alias="from")
    to: str | None = None
    body: str = ""


class InboundMessage(_Timed):
    """A message the customer sent on a text channel (`chat`, `email`): `customer` is
    their id or address there.  SMS has its own event, `inbound_sms`."""

    type: Literal["inbound_message"] = "inbound_message"
    id: NonEmpty
    channel: NonEmpty
    customer: NonEmpty
    body: str


class OutboundSms(_WithMedia):
    """A proactive SMS (campaign, automated message): it opens no conversation."""

    type: Literal["outbound_sms"] = "outbound_sms"
    id: NonEmpty
    to: NonEmpty
    body: str
    macro: bool = False


class StartConversation(_WithMedia):
    """A teammate starts an SMS conversation from the help desk."""

    type: Literal["start_conversation"] = "start_conversation"
    id: NonEmpty
    to: NonEmpty
    body: str
    subject: str | None = None
    if_open: IfOpen | None = None
    teammate: str | None = None
    macro: bool = False


class CloseConversation(_Timed):
    """Close the customer's open conversation on `channel` (SMS unless named)."""

    type: Literal["close_conversation"] = "close_conversation"
    id: NonEmpty
    customer: NonEmpty
    channel: NonEmpty = "sms"


class CustomerUpdate(_Event):
    """Create or update a customer and their custom attributes."""

    type: Literal["customer"] = "customer"
    id: str | None = None
    phone: NonEmpty
    attributes: dict[str, Any] = Field(default_factory=dict)


class ChannelCustomerUpdate(_Event):
    """Create or update a customer known on a text channel (`chat`, `email`) by
    `customer`, their id or address there; an SMS customer's event names a `phone`."""

    type: Literal["customer"] = "customer"
    id: str | None = None
    channel: NonEmpty
    customer: NonEmpty
    attributes: dict[str, Any] = Field(default_factory=dict)


class TeammateStatus(_Timed):
    """A teammate becomes away (keeps their conversations, gets no new ones) or active."""

    type: Literal["teammate_status"] = "teammate_status"
    id: str | None = None
    teammate: NonEmpty
    status: Literal["away", "active"]


ChannelEvent = Annotated[
    InboundSms
    | InboundMessage
    | OutboundSms
    | StartConversation
    | CloseConversation
    | CustomerUpdate,
    Field(discriminator="type"),
]
_EVENT: TypeAdapter[ChannelEvent] = TypeAdapter(ChannelEvent)
EVENT_TYPES = (
    "inbound_sms",
    "inbound_message",
    "outbound_sms",
    "start_conversation",
    "close_conversation",
    "customer",
)
# Events for the help desk itself, not for a customer's channel (`HelpDesk.handle`).
DESK_EVENT_TYPES = ("teammate_status",)


def parse_event(raw: Mapping[str, object]) -> ChannelEvent | ChannelCustomerUpdate:
    """The typed event for a raw mapping, or `InvalidEvent` naming the bad field."""
    if not isinstance(raw, Mapping):
        raise InvalidEvent(f"An event must be a JSON object, not {type(raw).__name__}.")
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        raise InvalidEvent(
            f"The event type {kind!r} is unknown; use one of {', '.join(EVENT_TYPES)}."
            if kind is not None
            else "The event has no 'type' field.",
            field="type",
        )
    if kind == "customer" and raw.get("channel", "sms") != "sms":
        return validate(ChannelCustomerUpdate, raw)
    try:
        return _EVENT.validate_python(dict(raw))
    except ValidationError as error:
        raise invalid_event(error, str(kind), raw.get("id")) from None


def validate(model: type[M], raw: M | Mapping[str, object]) -> M:
    """`raw` as `model`, or `InvalidEvent` naming the bad field."""
    if isinstance(raw, model):
        return raw
    try:
        return model.model_validate(dict(raw) if isinstance(raw, Mapping) else raw)
    except ValidationError as error:
        kind = model.model_fields["type"].default if "type" in model.model_fields else "event"
        ident = raw.get("id") if isinstance(raw, Mapping) else None
        raise invalid_event(error, str(kind), ident) from None


def invalid_event(error: ValidationError, kind: str, ident: object) -> InvalidEvent:
    details = error.errors()
    first = details[0]
    field = _field_name(first, kind)
    where = (
        f"The {kind} event {ident!r}" if isinstance(ident, str) and ident else f"The {kind} event"
    )
    more = (
        f" ({len(details) - 1} more problem{'s' if len(details) > 2 else ''})"
        if len(details) > 1
        else ""
    )
    return InvalidEvent(f"{where}: {_sentence(first, field)}{more}.", field=field)


def _field_name(detail: ErrorDetails, kind: str) -> str:
    parts = [str(part) for part in detail["loc"] if str(part) != kind]
    return ".".join(parts) or "event"


def _sentence(detail: ErrorDetails, field: str) -> str:
    kind = detail["type"]
    if kind == "missing":
        return f"the field {field!r} is missing"
    if kind == "extra_forbidden":
        return f"the field {field!r} is not a field of this event"
    if kind == "timezone_aware":
        return f"the field {field!r} needs a time zone, like 2026-01-05T10:00:00Z"
    return f"the field {field!r} is invalid: {detail['msg'].rstrip('.')}"
