"""The public surface is small and locked; the error tree is one tree."""

from __future__ import annotations

import channels
from channels import (
    ChannelError,
    ContentRefused,
    ConversationNotFound,
    ConversationOpen,
    CountryNotEnabled,
    InvalidEvent,
    InvalidPhoneNumber,
    OptedOut,
    ShortCodeRefused,
    StoreBusy,
    StoreError,
)

EXPECTED = {
    "ChannelError",
    "ChannelResult",
    "ChannelSettings",
    "CloseConversation",
    "ContentRefused",
    "Conversation",
    "ConversationNotFound",
    "ConversationOpen",
    "ConversationStore",
    "ConversationView",
    "CountryNotEnabled",
    "Customer",
    "CustomerUpdate",
    "DecisionRecord",
    "InboundSms",
    "InvalidEvent",
    "InvalidPhoneNumber",
    "Message",
    "Note",
    "OptedOut",
    "OutboundSms",
    "PhoneNumber",
    "PostgresStore",
    "RetryPolicy",
    "RunRecord",
    "SegmentCount",
    "ShortCodeRefused",
    "SmsChannel",
    "SqliteStore",
    "StartConversation",
    "StoreBusy",
    "StoreError",
    "StoreTransaction",
    "count_segments",
    "keyword_of",
    "open_store",
    "parse_phone",
    "render_macro",
    "smart_encode",
    "suggest_smart_encoding",
    "HelpDesk",
    "ConversationState",
    "Outcome",
    "SentReply",
    "Sender",
    "SentSms",
    "SendFailed",
    "RecordingSender",
    "TwilioSender",
    "generate_traffic",
    "ServiceMisconfigured",
    "WebhookConfig",
    "create_app",
}


def test_all_is_locked() -> None:
    assert set(channels.__all__) == EXPECTED
    for name in channels.__all__:
        assert getattr(channels, name).__module__.startswith("channels")


def test_every_error_is_a_channel_error() -> None:
    for error in (
        InvalidEvent,
        InvalidPhoneNumber,
        ShortCodeRefused,
        ContentRefused,
        OptedOut,
        ConversationOpen,
        ConversationNotFound,
        StoreError,
        StoreBusy,
    ):
        assert issubclass(error, ChannelError)
    assert issubclass(StoreBusy, StoreError)
    assert issubclass(CountryNotEnabled, InvalidPhoneNumber)


def test_errors_are_data() -> None:
    error = ConversationOpen("It is open.", conversation_id="C7", field="if_open")
    assert error.to_dict() == {
        "code": "conversation_open",
        "field": "if_open",
        "message": "It is open.",
        "hint": "Pass if_open='continue' to write in it, or 'close_and_start_new'.",
        "conversation_id": "C7",
    }
    assert error.format_message().startswith("It is open. Pass")


# The help desk composes the adapter with the engine; the adapter itself knows only the
# engine's event types.
HELP_DESK_MODULES = {"_desk.py", "_actions.py", "_webhook.py", "_traffic.py", "__init__.py"}


def test_the_adapter_imports_only_events_from_the_engine() -> None:
    import pathlib

    for path in pathlib.Path(channels.__file__).parent.glob("*.py"):
        if path.name in HELP_DESK_MODULES:
            continue
        for line in path.read_text().splitlines():
            if "rules_engine" in line and line.startswith(("from", "import")):
                assert line.startswith("from rules_engine.events import "), path
