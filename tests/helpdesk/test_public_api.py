"""The public surface is small and locked; the error tree is one tree."""

from __future__ import annotations

import channels
import channels.sms
import channels.text
import helpdesk
from helpdesk import (
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
}
CHANNELS = {
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
}
SMS = {
    "DEFAULT_HELP_TEXT",
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "PhoneNumber",
    "SegmentCount",
    "SmsChannel",
    "SmsSettings",
    "check_outbound",
    "count_segments",
    "keyword_of",
    "label",
    "parse_phone",
    "reads_as_opt_out",
    "receive_content",
    "render_macro",
    "smart_encode",
    "suggest_smart_encoding",
    "unit_cost",
}
TEXT = {"MAX_ADDRESS", "TextChannel"}


def test_all_is_locked() -> None:
    assert set(helpdesk.__all__) == EXPECTED
    assert set(channels.__all__) == CHANNELS
    assert set(channels.sms.__all__) == SMS
    assert set(channels.text.__all__) == TEXT
    for name in helpdesk.__all__:
        assert getattr(helpdesk, name).__module__.startswith(("helpdesk", "channels"))
    for name in channels.__all__:
        value = getattr(channels, name)
        assert getattr(value, "__module__", "channels").startswith(("channels", "typing")), name


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


def test_channels_import_only_the_engines_public_modules() -> None:
    import pathlib

    for path in pathlib.Path(channels.__file__).parent.rglob("*.py"):
        for line in path.read_text().splitlines():
            if line.startswith(("from rules_engine", "import rules_engine")):
                module = line.split()[1]
                assert not any(part.startswith("_") for part in module.split(".")), path
            assert not line.startswith(("from helpdesk", "import helpdesk")), path
