"""The seam every channel adapter sits behind.

A channel knows four things the help desk asks it: who the customer is on it (an
address it normalises: a phone number for SMS, a user id for chat), how to thread an
inbound message (the windows of the threading rules), what content it carries in
each direction, and what a reply costs.  It stores nothing: the help desk runs the
customer's transaction and asks the channel inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from ._threading import ThreadingWindows

Keyword = Literal["opt_out", "opt_in", "help"]


@dataclass(frozen=True)
class Identity:
    """A customer's address on one channel, normalised (`+14155550101`, `user-42`).

    `country` is the ISO region of a phone number; `short_code` marks an SMS short
    code, which the help desk never texts automatically."""

    channel: str
    address: str
    country: str | None = None
    short_code: bool = False


@dataclass(frozen=True)
class InboundContent:
    """What is kept of a received message: text, attachments, recorded media, notes."""

    body: str
    attachments: tuple[str, ...]  # content types kept as attachments (images)
    media_types: tuple[str, ...]  # every media type recorded on the message
    notes: tuple[str, ...]  # notes for the teammate
    warnings: tuple[str, ...]


class Channel(Protocol):
    """A channel adapter: identity, threading windows, content rules, reply cost."""

    @property
    def name(self) -> str:
        """The channel's name in workflows and events: `sms`, `chat`, `email`."""
        ...

    @property
    def label(self) -> str:
        """How sentences name it: "SMS", "chat"."""
        ...

    @property
    def windows(self) -> ThreadingWindows: ...

    @property
    def has_opt_out(self) -> bool:
        """Whether keywords (STOP, START, HELP) and opt-out apply on this channel."""
        ...

    def identity(self, raw: str, *, field: str, inbound: bool = False) -> Identity:
        """The customer's normalised address, or an `InvalidAddress` naming `field`.

        `inbound`: the address a message came from (SMS accepts short codes there)."""
        ...

    def receive_content(self, body: str, media_types: Sequence[str]) -> InboundContent:
        """The receiving rules; raises `ContentRefused` for what the channel refuses."""
        ...

    def check_outbound(self, body: str, media_types: Sequence[str] = ()) -> tuple[str, ...]:
        """The sending rules: warnings, or `ContentRefused`."""
        ...

    def reply_cost(self, body: str) -> int:
        """How many billable units a reply takes (SMS segments; 1 elsewhere)."""
        ...

    def keyword(self, body: str) -> Keyword | None:
        """An opt-out, opt-in or help keyword (None where the channel has none)."""
        ...
