"""What a channel refuses: one root, so callers catch `ChannelError`.

    ChannelError                 anything a channel adapter (or the help desk on top of
    │                            it) refuses on purpose
    ├── InvalidEvent             malformed input: a missing field, a wrong type, an
    │                            unknown event type, a naive timestamp
    ├── InvalidAddress           not an address the channel can reach
    │   └── InvalidPhoneNumber   not a phone number, not a valid one, or one with an
    │       │                    extension
    │       └── CountryNotEnabled a valid number in a country where SMS is not enabled
    ├── ShortCodeRefused         an automated message to a short code (never auto-replied to)
    ├── ContentRefused           a body or an attachment the channel cannot carry
    └── OptedOut                 a send to a customer who opted out

The help desk adds its own refusals under the same root (`helpdesk._errors`).
Every error is data: a `code`, the `field` it concerns, a sentence (`message`) and a
`hint` (the next step), with `to_dict()` for JSON output.
"""

from __future__ import annotations


class ChannelError(Exception):
    """Root of every error a channel adapter, or the help desk, raises on purpose."""

    code = "channel_error"

    def __init__(self, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint

    def format_message(self) -> str:
        """The sentence, followed by the hint when there is one."""
        return f"{self.message} {self.hint}" if self.hint else self.message

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "field": self.field, "message": self.message, "hint": self.hint}


class InvalidEvent(ChannelError):
    code = "invalid_event"


class InvalidAddress(ChannelError):
    code = "invalid_address"


class InvalidPhoneNumber(InvalidAddress):
    code = "invalid_phone_number"


class CountryNotEnabled(InvalidPhoneNumber):
    code = "country_not_enabled"


class ShortCodeRefused(ChannelError):
    code = "short_code"


class ContentRefused(ChannelError):
    code = "content_refused"


class OptedOut(ChannelError):
    code = "opted_out"
