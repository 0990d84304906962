"""The SMS channel adapter: threading rules, the conversation store, phone numbers,
content rules, segments and opt-out (SPEC sections 2 and 3).

    >>> from channels import SmsChannel, SqliteStore, open_store
    >>> channel = SmsChannel(SqliteStore("helpdesk.db"))          # doctest: +SKIP
    >>> channel = SmsChannel(open_store("postgresql://localhost/helpdesk"))  # doctest: +SKIP
    >>> result = channel.receive({"id": "SM1", "at": "2026-01-05T10:00:00Z",
    ...                           "from": "+14155550101", "body": "hi"})  # doctest: +SKIP
    >>> result.decision, result.rule                              # doctest: +SKIP
    ('new', 'new_conversation')

Errors: every refusal is a `ChannelError` (the tree is drawn in `channels._errors`).
"""

from __future__ import annotations

from ._adapter import SmsChannel as SmsChannel
from ._content import render_macro as render_macro
from ._desk import ConversationState as ConversationState
from ._desk import HelpDesk as HelpDesk
from ._desk import Outcome as Outcome
from ._desk import SentReply as SentReply
from ._errors import ChannelError as ChannelError
from ._errors import ContentRefused as ContentRefused
from ._errors import ConversationNotFound as ConversationNotFound
from ._errors import ConversationOpen as ConversationOpen
from ._errors import CountryNotEnabled as CountryNotEnabled
from ._errors import InvalidEvent as InvalidEvent
from ._errors import InvalidPhoneNumber as InvalidPhoneNumber
from ._errors import OptedOut as OptedOut
from ._errors import SendFailed as SendFailed
from ._errors import ServiceMisconfigured as ServiceMisconfigured
from ._errors import ShortCodeRefused as ShortCodeRefused
from ._errors import StoreBusy as StoreBusy
from ._errors import StoreError as StoreError
from ._models import CloseConversation as CloseConversation
from ._models import CustomerUpdate as CustomerUpdate
from ._models import InboundSms as InboundSms
from ._models import OutboundSms as OutboundSms
from ._models import StartConversation as StartConversation
from ._open import open_store as open_store
from ._optout import keyword_of as keyword_of
from ._phone import PhoneNumber as PhoneNumber
from ._phone import parse_phone as parse_phone
from ._postgres import PostgresStore as PostgresStore
from ._records import Conversation as Conversation
from ._records import ConversationView as ConversationView
from ._records import Customer as Customer
from ._records import DecisionRecord as DecisionRecord
from ._records import Message as Message
from ._records import Note as Note
from ._records import RunRecord as RunRecord
from ._result import ChannelResult as ChannelResult
from ._retry import RetryPolicy as RetryPolicy
from ._segments import SegmentCount as SegmentCount
from ._segments import count_segments as count_segments
from ._segments import smart_encode as smart_encode
from ._segments import suggest_smart_encoding as suggest_smart_encoding
from ._senders import RecordingSender as RecordingSender
from ._senders import Sender as Sender
from ._senders import SentSms as SentSms
from ._senders import TwilioSender as TwilioSender
from ._settings import ChannelSettings as ChannelSettings
from ._sqlite import SqliteStore as SqliteStore
from ._store import ConversationStore as ConversationStore
from ._store import StoreTransaction as StoreTransaction
from ._traffic import generate as generate_traffic
from ._webhook import WebhookConfig as WebhookConfig
from ._webhook import create_app as create_app

__all__ = [
    "ChannelError",
    "ChannelResult",
    "ChannelSettings",
    "CloseConversation",
    "ContentRefused",
    "Conversation",
    "ConversationNotFound",
    "ConversationOpen",
    "ConversationState",
    "ConversationStore",
    "ConversationView",
    "CountryNotEnabled",
    "Customer",
    "CustomerUpdate",
    "DecisionRecord",
    "HelpDesk",
    "InboundSms",
    "InvalidEvent",
    "InvalidPhoneNumber",
    "Message",
    "Note",
    "OptedOut",
    "OutboundSms",
    "Outcome",
    "PhoneNumber",
    "PostgresStore",
    "RecordingSender",
    "RetryPolicy",
    "RunRecord",
    "SegmentCount",
    "SendFailed",
    "Sender",
    "SentReply",
    "SentSms",
    "ServiceMisconfigured",
    "ShortCodeRefused",
    "SmsChannel",
    "SqliteStore",
    "StartConversation",
    "StoreBusy",
    "StoreError",
    "StoreTransaction",
    "TwilioSender",
    "WebhookConfig",
    "count_segments",
    "create_app",
    "generate_traffic",
    "keyword_of",
    "open_store",
    "parse_phone",
    "render_macro",
    "smart_encode",
    "suggest_smart_encoding",
]
