"""The help desk on top of the engine and the channels: the desk, the actions, the
store (SQLite, PostgreSQL), the webhook service and the `helpdesk-rules` command.

    >>> from helpdesk import HelpDesk, Inbox, SqliteStore, open_store
    >>> desk = HelpDesk.open("workflows", database="helpdesk.db")  # doctest: +SKIP
    >>> inbox = Inbox(open_store("postgresql://localhost/helpdesk"))  # doctest: +SKIP
    >>> result = inbox.receive({"id": "SM1", "at": "2026-01-05T10:00:00Z",
    ...                         "from": "+14155550101", "body": "hi"})  # doctest: +SKIP
    >>> result.decision, result.rule                              # doctest: +SKIP
    ('new', 'new_conversation')

Errors: every refusal is a `ChannelError` (`channels._errors` draws the channels' part of
the tree, `helpdesk._errors` the help desk's).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    from ._inbox import Inbox as Inbox
    from ._models import ChannelCustomerUpdate as ChannelCustomerUpdate
    from ._models import CloseConversation as CloseConversation
    from ._models import CustomerUpdate as CustomerUpdate
    from ._models import InboundMessage as InboundMessage
    from ._models import InboundSms as InboundSms
    from ._models import OutboundSms as OutboundSms
    from ._models import StartConversation as StartConversation
    from ._open import open_store as open_store
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
    from ._senders import RecordingSender as RecordingSender
    from ._senders import Sender as Sender
    from ._senders import SentSms as SentSms
    from ._senders import TwilioSender as TwilioSender
    from ._sqlite import SqliteStore as SqliteStore
    from ._store import ConversationStore as ConversationStore
    from ._store import StoreTransaction as StoreTransaction
    from ._traffic import generate as generate_traffic
    from ._webhook import WebhookConfig as WebhookConfig
    from ._webhook import create_app as create_app

# Where each public name lives.  Names load on first use (PEP 562), so that a command
# which needs neither the webhook nor PostgreSQL (`helpdesk-rules validate`) starts
# without importing starlette, uvicorn, twilio, psycopg or tqdm.
_SOURCES: dict[str, tuple[str, str]] = {
    "ConversationState": ("_desk", "ConversationState"),
    "HelpDesk": ("_desk", "HelpDesk"),
    "Outcome": ("_desk", "Outcome"),
    "SentReply": ("_desk", "SentReply"),
    "ChannelError": ("_errors", "ChannelError"),
    "ContentRefused": ("_errors", "ContentRefused"),
    "ConversationNotFound": ("_errors", "ConversationNotFound"),
    "ConversationOpen": ("_errors", "ConversationOpen"),
    "CountryNotEnabled": ("_errors", "CountryNotEnabled"),
    "InvalidEvent": ("_errors", "InvalidEvent"),
    "InvalidPhoneNumber": ("_errors", "InvalidPhoneNumber"),
    "OptedOut": ("_errors", "OptedOut"),
    "SendFailed": ("_errors", "SendFailed"),
    "ServiceMisconfigured": ("_errors", "ServiceMisconfigured"),
    "ShortCodeRefused": ("_errors", "ShortCodeRefused"),
    "StoreBusy": ("_errors", "StoreBusy"),
    "StoreError": ("_errors", "StoreError"),
    "Inbox": ("_inbox", "Inbox"),
    "ChannelCustomerUpdate": ("_models", "ChannelCustomerUpdate"),
    "CloseConversation": ("_models", "CloseConversation"),
    "CustomerUpdate": ("_models", "CustomerUpdate"),
    "InboundMessage": ("_models", "InboundMessage"),
    "InboundSms": ("_models", "InboundSms"),
    "OutboundSms": ("_models", "OutboundSms"),
    "StartConversation": ("_models", "StartConversation"),
    "open_store": ("_open", "open_store"),
    "PostgresStore": ("_postgres", "PostgresStore"),
    "Conversation": ("_records", "Conversation"),
    "ConversationView": ("_records", "ConversationView"),
    "Customer": ("_records", "Customer"),
    "DecisionRecord": ("_records", "DecisionRecord"),
    "Message": ("_records", "Message"),
    "Note": ("_records", "Note"),
    "RunRecord": ("_records", "RunRecord"),
    "ChannelResult": ("_result", "ChannelResult"),
    "RetryPolicy": ("_retry", "RetryPolicy"),
    "RecordingSender": ("_senders", "RecordingSender"),
    "Sender": ("_senders", "Sender"),
    "SentSms": ("_senders", "SentSms"),
    "TwilioSender": ("_senders", "TwilioSender"),
    "SqliteStore": ("_sqlite", "SqliteStore"),
    "ConversationStore": ("_store", "ConversationStore"),
    "StoreTransaction": ("_store", "StoreTransaction"),
    "generate_traffic": ("_traffic", "generate"),
    "WebhookConfig": ("_webhook", "WebhookConfig"),
    "create_app": ("_webhook", "create_app"),
}


def __getattr__(name: str) -> object:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _SOURCES[name]
    value = getattr(import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SOURCES])


__all__ = [
    "ChannelCustomerUpdate",
    "ChannelError",
    "ChannelResult",
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
    "InboundMessage",
    "InboundSms",
    "Inbox",
    "InvalidEvent",
    "InvalidPhoneNumber",
    "Message",
    "Note",
    "OptedOut",
    "OutboundSms",
    "Outcome",
    "PostgresStore",
    "RecordingSender",
    "RetryPolicy",
    "RunRecord",
    "SendFailed",
    "Sender",
    "SentReply",
    "SentSms",
    "ServiceMisconfigured",
    "ShortCodeRefused",
    "SqliteStore",
    "StartConversation",
    "StoreBusy",
    "StoreError",
    "StoreTransaction",
    "TwilioSender",
    "WebhookConfig",
    "create_app",
    "generate_traffic",
    "open_store",
]
