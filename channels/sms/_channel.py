"""The SMS channel: phone numbers, GSM-7/UCS-2 segments, carriers' content rules, opt-out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .._protocol import Identity, InboundContent, Keyword
from .._threading import ThreadingWindows
from ._content import check_outbound, receive_content
from ._optout import keyword_of
from ._phone import parse_phone
from ._segments import count_segments
from ._settings import SmsSettings


@dataclass(frozen=True)
class SmsChannel:
    """The `Channel` of SMS, with the workspace's SMS settings."""

    settings: SmsSettings = field(default_factory=SmsSettings)
    name: str = "sms"
    label: str = "SMS"
    has_opt_out: bool = True

    @property
    def windows(self) -> ThreadingWindows:
        return self.settings

    def identity(self, raw: str, *, field: str, inbound: bool = False) -> Identity:
        phone = parse_phone(raw, self.settings, field=field, allow_short_code=True)
        return Identity(self.name, phone.e164, phone.country, phone.short_code)

    def receive_content(self, body: str, media_types: Sequence[str]) -> InboundContent:
        return receive_content(body, media_types)

    def check_outbound(self, body: str, media_types: Sequence[str] = ()) -> tuple[str, ...]:
        return check_outbound(body, media_types)

    def reply_cost(self, body: str) -> int:
        return count_segments(body).segments

    def keyword(self, body: str) -> Keyword | None:
        return keyword_of(body)
