"""Phone numbers: E.164 normalisation, validity, SMS-enabled countries, short codes."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import phonenumbers
from phonenumbers import shortnumberinfo

from .._errors import CountryNotEnabled, InvalidPhoneNumber
from ._settings import SmsSettings

_SHORT_CODE_DIGITS = range(3, 9)


@dataclass(frozen=True)
class PhoneNumber:
    """A customer's number: `e164` (`+14155550101`, or the digits of a short code)."""

    e164: str
    country: str
    short_code: bool = False


def parse_phone(
    raw: str, settings: SmsSettings, *, field: str = "phone", allow_short_code: bool = False
) -> PhoneNumber:
    """Normalise `raw` to E.164, or raise `InvalidPhoneNumber` naming `field`.

    Numbers without a `+` are read as numbers of the first SMS-enabled country.  With
    `allow_short_code`, 3 to 8 digits that form a short code of an SMS-enabled country
    are accepted as one (inbound messages from short codes).

    A valid number is parsed once: the last `PARSED` ones are kept (an event names its
    number several times, and a customer writes more than once); a bad one raises each
    time.
    """
    return _parsed(raw, settings, field, allow_short_code)


# Valid numbers kept by `parse_phone`: enough for the messages in flight, bounded so that
# a long-running service or replay stays flat.
PARSED = 2_048


@functools.lru_cache(maxsize=PARSED)
def _parsed(raw: str, settings: SmsSettings, field: str, allow_short_code: bool) -> PhoneNumber:
    text = raw.strip()
    if not text:
        raise InvalidPhoneNumber(f"The {label(field)} is empty.", field=field, hint=_FORMAT_HINT)
    if allow_short_code:
        short = _short_code(text, settings)
        if short is not None:
            return short
    number = _parse(text, settings, field)
    _check_long_number(number, text, field)
    region = phonenumbers.region_code_for_number(number)
    if region not in settings.sms_countries:
        enabled = ", ".join(settings.sms_countries)
        raise CountryNotEnabled(
            f"The {label(field)} {text!r} is a number in {region or 'an unknown country'}, "
            f"where SMS is not enabled for this workspace (enabled: {enabled}).",
            field=field,
            hint="Enable SMS for that country in the workspace settings, or use another number.",
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164=e164, country=region)


_LABELS = {
    "to": "recipient number (to)",
    "from": "sender number (from)",
    "customer": "customer's number (customer)",
    "phone": "phone number (phone)",
}


def label(field: str) -> str:
    """How a message names a phone field: `the recipient number (to)`."""
    return _LABELS.get(field, f"number ({field})")


_FORMAT_HINT = "Give the number in international form, like +14155550101."


def _parse(text: str, settings: SmsSettings, field: str) -> phonenumbers.PhoneNumber:
    region = None if text.startswith("+") else settings.sms_countries[0]
    try:
        return phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(
            f"The {label(field)} {text!r} is not a phone number ({error._msg.rstrip('.')}).",
            field=field,
            hint=_FORMAT_HINT,
        ) from None


def _check_long_number(number: phonenumbers.PhoneNumber, text: str, field: str) -> None:
    if number.extension:
        raise InvalidPhoneNumber(
            f"The {label(field)} {text!r} has an extension ({number.extension}); "
            "a text message cannot reach an extension.",
            field=field,
            hint="Give the number without the extension.",
        )
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(
            f"The {label(field)} {text!r} is not a valid phone number (no such number range).",
            field=field,
            hint="Check the digits and the country code.",
        )


def _short_code(text: str, settings: SmsSettings) -> PhoneNumber | None:
    if not text.isdigit() or len(text) not in _SHORT_CODE_DIGITS:
        return None
    possible: str | None = None
    for region in settings.sms_countries:
        number = phonenumbers.parse(text, region)
        if shortnumberinfo.is_valid_short_number_for_region(number, region):
            return PhoneNumber(e164=text, country=region, short_code=True)
        if possible is None and shortnumberinfo.is_possible_short_number_for_region(number, region):
            possible = region
    return None if possible is None else PhoneNumber(e164=text, country=possible, short_code=True)
