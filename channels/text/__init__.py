"""Text channels: chat and email, where a customer is an id or an address and a message
is plain text (no segments, no opt-out keywords, no media).

>>> from channels.text import TextChannel
>>> TextChannel("email", "email", address="email").identity(" Ana@Example.COM ", field="customer")
Identity(channel='email', address='Ana@example.com', country=None, short_code=False)
>>> TextChannel("chat", "chat").reply_cost("a long answer, still one message")
1
"""

from __future__ import annotations

from ._channel import MAX_ADDRESS as MAX_ADDRESS
from ._channel import TextChannel as TextChannel

__all__ = ["MAX_ADDRESS", "TextChannel"]
