"""The help desk's own refusals, under the channels' root `ChannelError`.

    ChannelError (channels)
    ├── ConversationOpen         a teammate start while a conversation is open and
    │                            no choice (continue / close_and_start_new) was given
    ├── ConversationNotFound     a conversation id, or an open conversation, that is not there
    ├── StoreError               the store cannot be used (a schema newer than this code)
    │   └── StoreBusy            a call still conflicted after every retry; nothing was
    │                            stored: answer 503 so the provider delivers it again
    ├── SendFailed               the provider refused or could not take a message
    └── ServiceMisconfigured     the webhook service cannot start as configured

A duplicate provider message id is not an error: it is the `duplicate` decision.
Nothing is stored when one is raised.
"""

from __future__ import annotations

from channels import (
    ChannelError,
    ContentRefused,
    CountryNotEnabled,
    InvalidAddress,
    InvalidEvent,
    InvalidPhoneNumber,
    OptedOut,
    ShortCodeRefused,
)

__all__ = [
    "ChannelError",
    "ContentRefused",
    "ConversationNotFound",
    "ConversationOpen",
    "CountryNotEnabled",
    "InvalidAddress",
    "InvalidEvent",
    "InvalidPhoneNumber",
    "OptedOut",
    "SendFailed",
    "ServiceMisconfigured",
    "ShortCodeRefused",
    "StoreBusy",
    "StoreError",
]


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
