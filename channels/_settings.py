"""The workspace settings the SMS adapter reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

DEFAULT_HELP_TEXT = "Reply STOP to opt out. Msg&data rates may apply."


@dataclass(frozen=True)
class ChannelSettings:
    """Threading windows, SMS-enabled countries and the HELP reply of one workspace.

    `reopen_window`: a message within this time of the close reopens the conversation.
    `reply_window`: the first inbound SMS within this time of an outbound message
    starts a new conversation as a reply to it.
    `sms_countries`: ISO 3166 region codes where the workspace may text customers.
    """

    reopen_window: timedelta = timedelta(days=5)
    reply_window: timedelta = timedelta(days=7)
    sms_countries: tuple[str, ...] = ("US", "CA")
    help_text: str = DEFAULT_HELP_TEXT

    def __post_init__(self) -> None:
        for name in ("reopen_window", "reply_window"):
            if getattr(self, name) <= timedelta(0):
                raise ValueError(f"ChannelSettings.{name} must be a positive timedelta.")
        if not self.sms_countries:
            raise ValueError("ChannelSettings.sms_countries must name at least one country.")
        for code in self.sms_countries:
            if len(code) != 2 or not code.isalpha() or not code.isupper():
                raise ValueError(
                    f"ChannelSettings.sms_countries holds {code!r}; use ISO region codes like 'US'."
                )
