"""Bad input: a clear error that names the field, and the store exactly as it was."""

from __future__ import annotations

import pytest
from conftest import ALICE, at, dump, inbound

from helpdesk import ChannelError, ConversationStore, Inbox, InvalidEvent


@pytest.fixture
def busy(channel: Inbox) -> Inbox:
    """A store with some history, so that 'unchanged' means something."""
    channel.apply(inbound("SM1", at()))
    channel.apply(
        {"type": "outbound_sms", "id": "SM2", "at": at(hours=1), "to": ALICE, "body": "x"}
    )
    return channel


@pytest.mark.parametrize(
    ("event", "field", "message"),
    [
        ({"type": "fax"}, "type", "The event type 'fax' is unknown; use one of inbound_sms"),
        ({"id": "x"}, "type", "The event has no 'type' field."),
        ({"type": "inbound_sms", "at": at(), "from": ALICE}, "id", "the field 'id' is missing"),
        ({"type": "inbound_sms", "id": "SM9", "from": ALICE}, "at", "the field 'at' is missing"),
        (
            {"type": "inbound_sms", "id": "SM9", "at": "2026-01-05T10:00:00", "from": ALICE},
            "at",
            "the field 'at' needs a time zone",
        ),
        (
            {"type": "inbound_sms", "id": "SM9", "at": "yesterday", "from": ALICE},
            "at",
            "the field 'at' is invalid",
        ),
        ({"type": "inbound_sms", "id": "SM9", "at": at()}, "from", "the field 'from' is missing"),
        (
            {"type": "inbound_sms", "id": "SM9", "at": at(), "from": ALICE, "bdy": "hi"},
            "bdy",
            "the field 'bdy' is not a field of this event",
        ),
        (
            {"type": "inbound_sms", "id": "SM9", "at": at(), "from": ALICE, "body": ""},
            "body",
            "has neither a body nor media",
        ),
        (
            {"type": "inbound_sms", "id": "SM9", "at": at(), "from": ALICE, "body": "x" * 1601},
            "body",
            "at most 1600",
        ),
        (
            {
                "type": "start_conversation",
                "id": "s9",
                "at": at(),
                "to": ALICE,
                "body": "x",
                "if_open": "maybe",
            },
            "if_open",
            "the field 'if_open' is invalid",
        ),
        (
            {"type": "close_conversation", "id": "c9", "at": at(), "customer": "+12015550123"},
            "customer",
            "has no open SMS conversation",
        ),
        (
            {"type": "customer", "phone": ALICE, "attributes": {"opted_out": True}},
            "attributes.opted_out",
            "built in",
        ),
        ({"type": "customer", "phone": ALICE, "attributes": []}, "attributes", "is invalid"),
        (
            {"type": "inbound_sms", "id": "SM9", "at": at(), "from": ALICE, "body": "a\x00b"},
            "body",
            "must not contain NUL characters",
        ),
        (
            {"type": "customer", "phone": ALICE, "attributes": {"name": "\x00"}},
            "attributes",
            "must not contain NUL characters",
        ),
        (
            {"type": "customer", "phone": ALICE, "attributes": {"seats": float("nan")}},
            "attributes",
            "must not hold NaN or infinity",
        ),
    ],
)
def test_refused_with_a_sentence_and_nothing_stored(
    busy: Inbox, store: ConversationStore, event: dict[str, object], field: str, message: str
) -> None:
    before = dump(store)
    result = busy.apply(event)
    assert result.decision == "rejected"
    assert result.error is not None
    assert result.error.field == field
    assert message in result.reason
    assert result.reason.endswith(".") or result.reason.endswith("'.")
    assert dump(store) == before


def test_typed_calls_raise(busy: Inbox) -> None:
    with pytest.raises(InvalidEvent, match="'from' is missing"):
        busy.receive({"id": "SM9", "at": at()})
    with pytest.raises(ChannelError):
        busy.send_outbound({"id": "SM9", "at": at(), "to": "nope", "body": "x"})


def test_not_a_mapping(busy: Inbox) -> None:
    result = busy.apply(["inbound_sms"])  # type: ignore[arg-type]
    assert result.decision == "rejected"
    assert "must be a JSON object" in result.reason
