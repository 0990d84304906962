"""The channel adapter's exceptions: one root, so callers catch `ChannelError`.

    ChannelError                 anything the SMS adapter refuses on purpose
    ├── InvalidEvent             malformed input: a missing field, a wrong type, an
    │                            unknown event type, a naive timestamp
    ├── InvalidPhoneNumber       not a phone number, not a valid one, or one with an
    │   │                        extension
    │   └── CountryNotEnabled    a valid number in a country where SMS is not enabled
    ├── ShortCodeRefused         an automated message to a short code (never auto-replied to)
    ├── ContentRefused           a body or an attachment SMS cannot carry (images, video,
    │                            apps, cards, unknown media types, over 1,600 characters)
    ├── OptedOut                 a send to a customer who opted out
    ├── ConversationOpen         a teammate start while an SMS conversation is open and
    │                            no choice (continue / close_and_start_new) was given
    ├── ConversationNotFound     a conversation id, or an open conversation, that is not there
    ├── StoreError               the store cannot be used (a schema newer than this code)
    │   └── StoreBusy            a call still conflicted after every retry; nothing was
    │                            stored: answer 503 so the provider delivers it again
    ├── SendFailed               the provider refused or could not take a message
    └── ServiceMisconfigured     the webhook service cannot start as configured

A duplicate provider message id is not an error: it is the `duplicate` decision.
Every error is data: a `code`, the `field` it concerns, a sentence (`message`) and a
`hint` (the next step), with `to_dict()` for JSON output.  Nothing is stored when one
is raised.
"""

from __future__ import annotations


class ChannelError(Exception):
    """Root of every error the SMS channel adapter raises on purpose."""

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


class InvalidPhoneNumber(ChannelError):
    code = "invalid_phone_number"


class CountryNotEnabled(InvalidPhoneNumber):
    code = "country_not_enabled"


class ShortCodeRefused(ChannelError):
    code = "short_code"


class ContentRefused(ChannelError):
    code = "content_refused"


class OptedOut(ChannelError):
    code = "opted_out"


class ConversationOpen(ChannelError):
    """A teammate start found an open SMS conversation; `conversation_id` names it."""

    code = "conversation_open"

    def __init__(self, message: str, *, conversation_id: str, field: str | None = None) -> None:
        super().__init__(
            message,
            field=field,
            hint="Pass if_open='continue' to write in it, or 'close_and_start_new'.",
        )
        self.conversation_id = conversation_id

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "conversation_id": self.conversation_id}


class ConversationNotFound(ChannelError):
    code = "conversation_not_found"


class StoreError(ChannelError):
    code = "store_error"


class StoreBusy(StoreError):
    """A call kept conflicting with other writers past the retry bound; nothing was stored.

    `attempts` is how many times the whole call ran, `cause` the last conflict.
    """

    code = "store_busy"

    def __init__(self, message: str, *, attempts: int, cause: BaseException) -> None:
        super().__init__(
            message,
            hint="Nothing was stored: answer 503 so the provider delivers the event again; "
            "if this keeps happening, look for another program holding locks in the database.",
        )
        self.attempts = attempts
        self.cause = cause

    def to_dict(self) -> dict[str, object]:
        return {**super().to_dict(), "attempts": self.attempts}


class ServiceMisconfigured(ChannelError):
    """The webhook service cannot start as configured (no auth token, a bad public URL)."""

    code = "service_misconfigured"


class SendFailed(ChannelError):
    """The provider refused or could not take a message."""

    code = "send_failed"
