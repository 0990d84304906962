"""Channel adapters behind one protocol: who the customer is on a channel, how its
messages thread, what content it carries and what a reply costs.

    >>> from channels import channel_names
    >>> channel_names()
    ('sms', 'chat', 'email')
    >>> adapters()["chat"].identity(" user-42 ", field="customer").address
    'user-42'

`channels.sms` is the SMS adapter; `channels.text` serves `chat` and `email`, whose
messages are plain text.  `adapters(config)` gives each registered channel's adapter by
name (`channels._registry` is where a channel registers).  A channel stores nothing: the help desk
(`helpdesk`) runs each customer's transaction and asks the channel inside it.
Errors: every refusal is a `ChannelError` (the tree is drawn in `channels._errors`).
"""

from __future__ import annotations

from ._errors import ChannelError as ChannelError
from ._errors import ContentRefused as ContentRefused
from ._errors import CountryNotEnabled as CountryNotEnabled
from ._errors import InvalidAddress as InvalidAddress
from ._errors import InvalidEvent as InvalidEvent
from ._errors import InvalidPhoneNumber as InvalidPhoneNumber
from ._errors import OptedOut as OptedOut
from ._errors import ShortCodeRefused as ShortCodeRefused
from ._protocol import Channel as Channel
from ._protocol import Identity as Identity
from ._protocol import InboundContent as InboundContent
from ._protocol import Keyword as Keyword
from ._registry import adapters as adapters
from ._registry import channel_names as channel_names
from ._threading import Decision as Decision
from ._threading import InboundRule as InboundRule
from ._threading import OutboundMark as OutboundMark
from ._threading import Plan as Plan
from ._threading import StartedBy as StartedBy
from ._threading import ThreadedConversation as ThreadedConversation
from ._threading import ThreadingWindows as ThreadingWindows
from ._threading import ThreadState as ThreadState
from ._threading import decide_inbound as decide_inbound
from ._workspace import CHANNEL_KEYS as CHANNEL_KEYS
from ._workspace import ChannelConfig as ChannelConfig
from ._workspace import channel_config as channel_config

__all__ = [
    "CHANNEL_KEYS",
    "Channel",
    "ChannelConfig",
    "ChannelError",
    "ContentRefused",
    "CountryNotEnabled",
    "Decision",
    "Identity",
    "InboundContent",
    "InboundRule",
    "InvalidAddress",
    "InvalidEvent",
    "InvalidPhoneNumber",
    "Keyword",
    "OptedOut",
    "OutboundMark",
    "Plan",
    "ShortCodeRefused",
    "StartedBy",
    "ThreadState",
    "ThreadedConversation",
    "ThreadingWindows",
    "adapters",
    "channel_config",
    "channel_names",
    "decide_inbound",
]
