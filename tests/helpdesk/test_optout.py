"""Opt-out keywords, HELP, and messages that only read like an opt-out."""

from __future__ import annotations

import pytest
from conftest import ALICE, at, inbound

from channels.sms import SmsSettings, keyword_of
from helpdesk import ConversationStore, Inbox, OptedOut


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        "  Stop.  ",
        "STOPALL",
        "unsubscribe!",
        "Cancel",
        "END",
        "quit",
        "OptOut",
        "REVOKE",
    ],
)
def test_opt_out_words(body: str) -> None:
    assert keyword_of(body) == "opt_out"


@pytest.mark.parametrize("body", ["START", "yes", "Unstop!"])
def test_opt_in_words(body: str) -> None:
    assert keyword_of(body) == "opt_in"


@pytest.mark.parametrize("body", ["help", "INFO?"])
def test_help_words(body: str) -> None:
    assert keyword_of(body) == "help"


@pytest.mark.parametrize("body", ["please stop", "stop it", "STOP STOP", "stopping", ""])
def test_not_keywords(body: str) -> None:
    assert keyword_of(body) is None


def test_stop_opts_out_and_sends_are_refused(channel: Inbox) -> None:
    result = channel.apply(inbound("SM1", at(), body="Stop"))
    assert result.opt_out == "opted_out"
    assert result.events[-1].customer["opted_out"] is True
    assert not result.auto_reply_allowed
    assert "opted out" in result.notes[0]
    assert channel.customer(ALICE).opted_out  # type: ignore[union-attr]
    with pytest.raises(OptedOut, match=r"\+14155550101 has opted out"):
        channel.send_outbound({"id": "SM2", "at": at(minutes=1), "to": ALICE, "body": "Sale"})
    with pytest.raises(OptedOut):
        channel.start_conversation(
            {"id": "s1", "at": at(minutes=1), "to": ALICE, "body": "Hi", "if_open": "continue"}
        )
    with pytest.raises(OptedOut):
        channel.reply(result.conversation_id or "", id="SM3", at=result.events[0].at, body="x")
    assert channel.apply(inbound("SM4", at(minutes=2), body="START")).opt_out == "opted_in"
    sent = channel.send_outbound({"id": "SM5", "at": at(minutes=3), "to": ALICE, "body": "Sale"})
    assert sent.decision == "outbound"


def test_help_gets_the_workspace_help_text(store: ConversationStore) -> None:
    channel = Inbox(store, SmsSettings(help_text="Acme support: reply STOP to opt out."))
    result = channel.apply(inbound("SM1", at(), body="HELP"))
    assert result.reply == "Acme support: reply STOP to opt out."
    assert result.opt_out is None


def test_a_longer_message_gets_a_note_not_an_opt_out(channel: Inbox) -> None:
    result = channel.apply(inbound("SM1", at(), body="please stop texting me"))
    assert result.opt_out is None
    assert "reads like a request to stop texting" in result.notes[0]
    assert not channel.customer(ALICE).opted_out  # type: ignore[union-attr]
    channel.set_opt_out(ALICE, True)
    assert channel.customer(ALICE).opted_out  # type: ignore[union-attr]


def test_an_ordinary_message_gets_no_note(channel: Inbox) -> None:
    assert channel.apply(inbound("SM1", at(), body="the app won't stop crashing")).notes == ()
