"""The four threading rules, the help-desk start, idempotency and arrival order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import ALICE, BOB, at, inbound

from channels.sms import SmsSettings
from helpdesk import ConversationOpen, ConversationStore, Inbox


def outbound(ident: str, when: str, to: str = ALICE) -> dict[str, object]:
    return {"type": "outbound_sms", "id": ident, "at": when, "to": to, "body": "Your order shipped"}


def close(ident: str, when: str, customer: str = ALICE) -> dict[str, object]:
    return {"type": "close_conversation", "id": ident, "at": when, "customer": customer}


def start(ident: str, when: str, if_open: str | None = None, **extra: object) -> dict[str, object]:
    event: dict[str, object] = {
        "type": "start_conversation",
        "id": ident,
        "at": when,
        "to": ALICE,
        "body": "Hello!",
    }
    if if_open:
        event["if_open"] = if_open
    return {**event, **extra}


def test_rule_4_first_message_starts_a_conversation(channel: Inbox) -> None:
    result = channel.apply(inbound("SM1", at()))
    assert (result.decision, result.rule, result.started_by) == (
        "new",
        "new_conversation",
        "customer",
    )
    assert [e.trigger for e in result.events] == [
        "customer_sends_first_message",
        "customer_sends_any_message",
    ]
    event = result.events[0]
    assert event.channel == "sms"
    assert event.id == "SM1"
    assert event.customer == {"phone": ALICE, "country": "US", "opted_out": False}
    assert event.conversation == {
        "id": result.conversation_id,
        "started_by": "customer",
        "tags": [],
    }
    assert event.message == {"body": "hi", "has_media": False, "segments": 1, "media_types": []}


def test_rule_2_open_conversation_gets_the_message(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    second = channel.apply(inbound("SM2", at(days=30)))
    assert (second.decision, second.rule) == ("append", "open_conversation")
    assert second.conversation_id == first.conversation_id
    assert second.started_by is None
    assert [e.trigger for e in second.events] == ["customer_sends_any_message"]


def test_rule_3_reopens_within_the_window(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    channel.apply(close("c1", at(hours=1)))
    result = channel.apply(inbound("SM2", at(days=5, hours=1, seconds=-1)))
    assert (result.decision, result.rule) == ("reopen", "reopen_window")
    assert result.reopened == result.conversation_id == first.conversation_id
    assert [e.trigger for e in result.events] == [
        "conversation_reopened",
        "customer_sends_any_message",
    ]
    assert channel.open_conversation(ALICE) is not None


def test_closed_exactly_the_window_ago_is_not_less(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    channel.apply(close("c1", at(hours=1)))
    result = channel.apply(inbound("SM2", at(days=5, hours=1)))
    assert (result.decision, result.rule) == ("new", "new_conversation")
    assert result.conversation_id != first.conversation_id


def test_rule_1_reply_to_outbound_closes_the_open_one(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    sent = channel.apply(outbound("SM2", at(hours=1)))
    assert (sent.decision, sent.conversation_id, sent.events) == ("outbound", None, ())
    reply = channel.apply(inbound("SM3", at(hours=2)))
    assert (reply.decision, reply.rule, reply.started_by) == (
        "new",
        "reply_to_outbound",
        "outbound_reply",
    )
    assert reply.closed == (first.conversation_id,)
    assert reply.events[0].conversation["started_by"] == "outbound_reply"
    later = channel.apply(inbound("SM4", at(hours=3)))
    assert (later.decision, later.conversation_id) == ("append", reply.conversation_id)
    assert channel.conversation(first.conversation_id or "").conversation.status == "closed"


def test_reply_window_is_from_settings(store: ConversationStore) -> None:
    channel = Inbox(store, SmsSettings(reply_window=timedelta(hours=1)))
    channel.apply(outbound("SM1", at()))
    late = channel.apply(inbound("SM2", at(hours=1)))
    assert (late.decision, late.rule) == ("new", "new_conversation")


def test_only_the_first_inbound_after_an_outbound_is_a_reply(channel: Inbox) -> None:
    channel.apply(outbound("SM1", at()))
    channel.apply(outbound("SM2", at(hours=1)))
    first = channel.apply(inbound("SM3", at(hours=2)))
    channel.apply(close("c1", at(hours=3)))
    second = channel.apply(inbound("SM4", at(days=6)))
    assert first.rule == "reply_to_outbound"
    assert second.rule == "new_conversation"


def test_reopen_window_is_from_settings(store: ConversationStore) -> None:
    channel = Inbox(store, SmsSettings(reopen_window=timedelta(minutes=10)))
    channel.apply(inbound("SM1", at()))
    channel.apply(close("c1", at(minutes=1)))
    assert channel.apply(inbound("SM2", at(minutes=10))).decision == "reopen"
    channel.apply(close("c2", at(minutes=11)))
    assert channel.apply(inbound("SM3", at(minutes=21))).decision == "new"


def test_same_provider_id_is_a_duplicate_and_changes_nothing(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    again = channel.apply(inbound("SM1", at(days=9), body="changed"))
    assert (again.decision, again.conversation_id, again.events) == (
        "duplicate",
        first.conversation_id,
        (),
    )
    view = channel.conversation(first.conversation_id or "")
    assert [m.body for m in view.messages] == ["hi"]
    assert len(view.decisions) == 1


def test_duplicate_start_and_close_events(channel: Inbox) -> None:
    started = channel.apply(start("s1", at()))
    assert channel.apply(start("s1", at())).decision == "duplicate"
    assert channel.apply(close("c1", at(hours=1))).decision == "closed"
    again = channel.apply(close("c1", at(hours=1)))
    assert (again.decision, again.conversation_id) == ("duplicate", started.conversation_id)


def test_out_of_order_event_is_applied_and_flagged(channel: Inbox) -> None:
    channel.apply(inbound("SM1", at(hours=2)))
    late = channel.apply(inbound("SM0", at(hours=1)))
    assert late.decision == "append"
    assert late.out_of_order
    assert "older than the customer's last applied event" in late.warnings[0]
    view = channel.conversation(late.conversation_id or "")
    assert [(m.provider_id, m.out_of_order) for m in view.messages] == [
        ("SM1", False),
        ("SM0", True),
    ]
    assert view.decisions[-1].out_of_order


def test_customers_are_threaded_apart(channel: Inbox) -> None:
    a = channel.apply(inbound("SM1", at()))
    b = channel.apply(inbound("SM2", at(), sender=BOB))
    assert a.conversation_id != b.conversation_id
    assert b.decision == "new"


def test_decisions_are_logged_with_their_rule(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    channel.apply(inbound("SM2", at(minutes=1)))
    channel.apply(close("c1", at(minutes=2)))
    channel.apply(inbound("SM3", at(minutes=3)))
    log = channel.conversation(first.conversation_id or "").decisions
    assert [(d.event_id, d.decision, d.rule) for d in log] == [
        ("SM1", "new", "new_conversation"),
        ("SM2", "append", "open_conversation"),
        ("c1", "closed", "close"),
        ("SM3", "reopen", "reopen_window"),
    ]
    assert "reopen window" in log[-1].reason


# the help-desk start ---------------------------------------------------------------


def test_teammate_start_without_an_open_conversation(channel: Inbox) -> None:
    result = channel.apply(start("s1", at(), subject="Your refund"))
    assert (result.decision, result.rule, result.started_by) == (
        "new",
        "teammate_start",
        "teammate",
    )
    (event,) = result.events
    assert event.trigger == "teammate_starts_conversation"
    assert event.conversation["subject"] == "Your refund"
    view = channel.conversation(result.conversation_id or "")
    assert view.conversation.subject == "Your refund"
    assert [(m.direction, m.body) for m in view.messages] == [("outbound", "Hello!")]


def test_teammate_start_with_an_open_one_needs_a_choice(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    with pytest.raises(ConversationOpen) as caught:
        channel.start_conversation(start("s1", at(minutes=1)))
    assert caught.value.conversation_id == first.conversation_id
    assert str(first.conversation_id) in str(caught.value)
    assert channel.apply(start("s1", at(minutes=1))).decision == "rejected"


def test_teammate_continue(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    result = channel.apply(start("s1", at(minutes=1), if_open="continue"))
    assert (result.decision, result.rule, result.conversation_id) == (
        "append",
        "teammate_continue",
        first.conversation_id,
    )
    assert result.events == ()


def test_teammate_close_and_start_new_links_both(channel: Inbox) -> None:
    first = channel.apply(inbound("SM1", at()))
    result = channel.apply(start("s1", at(minutes=1), if_open="close_and_start_new"))
    old, new = first.conversation_id or "", result.conversation_id or ""
    assert result.closed == (old,)
    assert [n.body for n in channel.conversation(new).notes] == [
        f"Started after closing the SMS conversation {old}."
    ]
    assert [n.body for n in channel.conversation(old).notes] == [
        f"Closed when a teammate started the SMS conversation {new}."
    ]
    assert channel.conversation(old).conversation.status == "closed"
    assert channel.open_conversation(ALICE).id == new  # type: ignore[union-attr]
