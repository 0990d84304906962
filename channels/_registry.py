"""Which channels this installation has, by name: the one place a channel registers.

The help desk looks an adapter up here (`adapters(config)["chat"]`) instead of building
one itself; adding a channel is its subpackage plus one line in `_ADAPTERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ._protocol import Channel
from ._workspace import ChannelConfig
from .sms import SmsChannel
from .text import TextChannel

_ADAPTERS: Mapping[str, Callable[[ChannelConfig], Channel]] = {
    "sms": lambda config: SmsChannel(config.sms),
    "chat": lambda config: TextChannel("chat", "chat", config.windows),
    "email": lambda config: TextChannel("email", "email", config.windows, address="email"),
}


def adapters(config: ChannelConfig | None = None) -> Mapping[str, Channel]:
    """Every channel's adapter, with the workspace's settings (defaults without one)."""
    config = config or ChannelConfig()
    return {name: make(config) for name, make in _ADAPTERS.items()}


def channel_names() -> tuple[str, ...]:
    """The channels this installation has adapters for."""
    return tuple(_ADAPTERS)
