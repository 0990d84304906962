"""Sending SMS: the interface the help desk sends through, and two implementations.

`RecordingSender` (the default, used by the demo and the tests) keeps what it was asked
to send; `TwilioSender` sends through Twilio's REST API with the `twilio` package,
reading the credentials from `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` as Twilio's
own tools do.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Protocol

from ._errors import ChannelError, SendFailed


class Sender(Protocol):
    def send(self, to: str, body: str, *, reference: str) -> str:
        """Send one SMS; return the provider's message id.  Raise `SendFailed`."""
        ...


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    reference: str
    sid: str


class RecordingSender:
    """Sends nothing: records each message, and answers with its reference as the id.

    With `keep=False` it records nothing either (a long replay, a service without a
    provider: the replies are in the store, and memory stays flat)."""

    def __init__(self, *, keep: bool = True) -> None:
        self._lock = threading.Lock()
        self._keep = keep
        self.sent: list[SentSms] = []

    def send(self, to: str, body: str, *, reference: str) -> str:
        if self._keep:
            with self._lock:
                self.sent.append(SentSms(to, body, reference, reference))
        return reference


class TwilioSender:
    """Sends through Twilio from `from_number` (or a Messaging Service SID)."""

    def __init__(
        self,
        from_number: str,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        status_callback: str | None = None,
    ) -> None:
        from twilio.rest import Client

        sid = account_sid or os.environ.get("TWILIO_ACCOUNT_SID")
        token = auth_token or os.environ.get("TWILIO_AUTH_TOKEN")
        if not sid or not token:
            raise ChannelError(
                "Twilio credentials are missing.",
                field="TWILIO_ACCOUNT_SID",
                hint="Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN in the environment.",
            )
        self._client = Client(sid, token)
        self._from = from_number
        self._status_callback = status_callback

    def send(self, to: str, body: str, *, reference: str) -> str:
        from twilio.base.exceptions import TwilioException

        origin = (
            {"messaging_service_sid": self._from}
            if self._from.startswith("MG")
            else {"from_": self._from}
        )
        extra = {"status_callback": self._status_callback} if self._status_callback else {}
        try:
            message = self._client.messages.create(to=to, body=body, **origin, **extra)
        except TwilioException as error:
            raise SendFailed(f"Twilio refused the message {reference}: {error}") from error
        return str(message.sid)
