"""One adapter for the channels whose messages are plain text: `chat` and `email`.

They differ only in what an address looks like: a chat user id is any short printable
string; an email address also needs one `@` and a dot in its domain (checked lightly:
the provider has delivered the message, so the address exists).  Neither has segments
(a reply costs 1), opt-out keywords or media.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from .._errors import ContentRefused, InvalidAddress
from .._protocol import Identity, InboundContent, Keyword
from .._threading import ThreadingWindows

MAX_ADDRESS = 254  # the longest email address (RFC 5321 path); plenty for a chat id
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

AddressKind = Literal["id", "email"]


@dataclass(frozen=True)
class TextChannel:
    """The `Channel` of a text channel named `name`, with the workspace's windows."""

    name: str
    label: str
    windows: ThreadingWindows = field(default_factory=ThreadingWindows)
    address: AddressKind = "id"
    has_opt_out: bool = False

    def identity(self, raw: str, *, field: str, inbound: bool = False) -> Identity:
        address = raw.strip()
        problem = _problem(address, self.address)
        if problem is not None:
            raise InvalidAddress(
                f"The {field} {raw!r} is not a {self.label} address: {problem}.",
                field=field,
                hint=_HINTS[self.address],
            )
        if self.address == "email":
            local, _, domain = address.rpartition("@")
            address = f"{local}@{domain.lower()}"
        return Identity(self.name, address)

    def receive_content(self, body: str, media_types: Sequence[str]) -> InboundContent:
        if media_types:
            raise ContentRefused(
                f"The {self.label} channel carries text only, not {', '.join(media_types)}.",
                field="media",
            )
        return InboundContent(body, (), (), (), ())

    def check_outbound(self, body: str, media_types: Sequence[str] = ()) -> tuple[str, ...]:
        if media_types:
            raise ContentRefused(
                f"The {self.label} channel carries text only; send a link instead.",
                field="media",
            )
        if not body.strip():
            raise ContentRefused(f"A {self.label} reply cannot be empty.", field="body")
        return ()

    def reply_cost(self, body: str) -> int:
        return 1

    def keyword(self, body: str) -> Keyword | None:
        return None


_HINTS = {
    "id": f"Give the customer's id on the channel: printable text of at most {MAX_ADDRESS} "
    "characters.",
    "email": "Give an address like ana@example.com.",
}


def _problem(address: str, kind: AddressKind) -> str | None:
    if not address:
        return "it is empty"
    if len(address) > MAX_ADDRESS:
        return f"it is longer than {MAX_ADDRESS} characters"
    if any(unicodedata.category(char) == "Cc" for char in address):
        return "it holds a control character"
    if kind == "email" and not _EMAIL.fullmatch(address):
        return "it needs one @ and a domain with a dot"
    return None
