"""Phone numbers: E.164, validity, extensions, SMS countries, short codes."""

from __future__ import annotations

import pytest
from conftest import ALICE, at, dump, inbound

from channels.sms import SmsSettings, parse_phone
from helpdesk import (
    ConversationStore,
    CountryNotEnabled,
    Inbox,
    InvalidPhoneNumber,
    ShortCodeRefused,
)

SETTINGS = SmsSettings()


@pytest.mark.parametrize(
    "raw", ["+14155550101", "+1 (415) 555-0101", "415-555-0101", " +1.415.555.0101 "]
)
def test_normalised_to_e164(raw: str) -> None:
    phone = parse_phone(raw, SETTINGS)
    assert (phone.e164, phone.country, phone.short_code) == (ALICE, "US", False)


def test_canada_is_enabled_by_default() -> None:
    assert parse_phone("+16135550123", SETTINGS).country == "CA"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "The phone number \\(phone\\) is empty."),
        ("hello", "is not a phone number"),
        ("+1415555", "is not a valid phone number"),
        ("+14155550101 ext. 12", r"has an extension \(12\)"),
    ],
)
def test_refused(raw: str, message: str) -> None:
    with pytest.raises(InvalidPhoneNumber, match=message) as caught:
        parse_phone(raw, SETTINGS)
    assert caught.value.field == "phone"


def test_country_not_enabled() -> None:
    with pytest.raises(CountryNotEnabled, match="number in GB, where SMS is not enabled"):
        parse_phone("+442071838750", SETTINGS, field="to")
    gb = SmsSettings(sms_countries=("GB",))
    assert parse_phone("+442071838750", gb).e164 == "+442071838750"


def test_short_codes_only_where_allowed() -> None:
    short = parse_phone("898211", SETTINGS, allow_short_code=True)
    assert (short.e164, short.short_code) == ("898211", True)
    with pytest.raises(InvalidPhoneNumber):
        parse_phone("898211", SETTINGS)


def test_inbound_from_a_short_code_is_never_auto_replied(channel: Inbox) -> None:
    result = channel.apply(inbound("SM1", at(), sender="898211", body="HELP"))
    assert result.decision == "new"
    assert not result.auto_reply_allowed
    assert result.reply is None
    assert any("short code" in warning for warning in result.warnings)
    with pytest.raises(ShortCodeRefused, match="short code"):
        channel.reply(result.conversation_id or "", id="SM2", at=result.events[0].at, body="ok")
    teammate = channel.reply(
        result.conversation_id or "", id="SM3", at=result.events[0].at, body="ok", automated=False
    )
    assert teammate.decision == "append"


def test_no_outbound_or_start_to_a_short_code(channel: Inbox) -> None:
    with pytest.raises(ShortCodeRefused):
        channel.send_outbound({"id": "SM1", "at": at(), "to": "898211", "body": "Sale!"})
    with pytest.raises(ShortCodeRefused):
        channel.start_conversation({"id": "s1", "at": at(), "to": "898211", "body": "Hi"})


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ({"type": "start_conversation", "to": "+442071838750"}, "country_not_enabled"),
        ({"type": "start_conversation", "to": "+14155550101;ext=3"}, "invalid_phone_number"),
        ({"type": "outbound_sms", "to": "12"}, "invalid_phone_number"),
        ({"type": "inbound_sms", "from": "+1415"}, "invalid_phone_number"),
    ],
)
def test_refusals_store_nothing(
    channel: Inbox, store: ConversationStore, event: dict[str, object], error: str
) -> None:
    before = dump(store)
    base = {"id": "x1", "at": at(), "body": "hello"}
    result = channel.apply({**base, **event})
    assert result.decision == "rejected"
    assert result.error is not None and result.error.code == error
    assert dump(store) == before
