"""Chat and email: the text adapter, the registry, threading per customer and channel on
both stores, the events' error messages, channel filters through `simulate`."""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import ALICE, T0, at, inbound
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels import Channel, ContentRefused, InvalidAddress, adapters, channel_names
from channels.text import MAX_ADDRESS, TextChannel
from helpdesk import ConversationStore, Customer, HelpDesk, Inbox, SqliteStore
from helpdesk.cli import main

CHAT = TextChannel("chat", "chat")
EMAIL = TextChannel("email", "email", address="email")


def message(ident: str, when: str, customer: str = "user-42", **extra: object) -> dict[str, object]:
    return {
        "type": "inbound_message",
        "channel": "chat",
        "id": ident,
        "at": when,
        "customer": customer,
        "body": "hi",
        **extra,
    }


# the adapter and the registry -----------------------------------------------------------


def test_the_registry_is_what_channel_names_says() -> None:
    found = adapters()
    assert tuple(found) == channel_names() == ("sms", "chat", "email")
    for name, adapter in found.items():
        assert adapter.name == name
        assert isinstance(adapter.reply_cost("x"), int)
    chat: Channel = found["chat"]
    assert (chat.has_opt_out, found["sms"].has_opt_out) == (False, True)


def test_a_chat_id_is_trimmed_and_kept_as_it_is() -> None:
    assert CHAT.identity("  User-42 ", field="customer").address == "User-42"
    assert CHAT.identity("x" * MAX_ADDRESS, field="customer").address == "x" * MAX_ADDRESS


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "it is empty"),
        ("   ", "it is empty"),
        ("x" * (MAX_ADDRESS + 1), f"it is longer than {MAX_ADDRESS} characters"),
        ("user\n42", "it holds a control character"),
        ("user\x0742", "it holds a control character"),
    ],
)
def test_a_bad_chat_id_is_refused(raw: str, problem: str) -> None:
    with pytest.raises(InvalidAddress) as caught:
        CHAT.identity(raw, field="customer")
    assert caught.value.message == f"The customer {raw!r} is not a chat address: {problem}."
    assert caught.value.field == "customer"


def test_an_email_address_is_checked_lightly_and_its_domain_lowercased() -> None:
    assert EMAIL.identity(" Ana@Example.COM", field="customer").address == "Ana@example.com"
    for bad in ("ana", "ana@example", "ana@@example.com", "a b@example.com", "ana@example."):
        with pytest.raises(InvalidAddress, match="needs one @ and a domain with a dot"):
            EMAIL.identity(bad, field="customer")


def test_text_content_has_no_media_no_segments_and_no_keywords() -> None:
    long = "é" * 500
    assert CHAT.reply_cost(long) == 1
    assert CHAT.keyword("STOP") is None
    assert CHAT.receive_content(long, ()).body == long
    assert CHAT.check_outbound("Thanks!") == ()
    with pytest.raises(ContentRefused, match="text only"):
        CHAT.receive_content("look", ("image/png",))
    with pytest.raises(ContentRefused, match="cannot be empty"):
        EMAIL.check_outbound("  ")


# threading per customer and channel, on both stores -------------------------------------


def test_chat_threads_like_sms_without_outbound_replies(channel: Inbox) -> None:
    first = channel.apply(message("H1", at()))
    assert (first.decision, first.rule, first.started_by) == ("new", "new_conversation", "customer")
    assert first.reason.startswith("No open chat conversation")
    assert [e.channel for e in first.events] == ["chat", "chat"]
    again = channel.apply(message("H2", at(minutes=1)))
    assert (again.decision, again.conversation_id) == ("append", first.conversation_id)
    closed = channel.apply(
        {"type": "close_conversation", "id": "X1", "at": at(hours=1), "channel": "chat",
         "customer": " user-42"}
    )  # fmt: skip
    assert closed.reason == f"The chat conversation {first.conversation_id} was closed."
    reopened = channel.apply(message("H3", at(days=5, minutes=59)))
    assert (reopened.decision, reopened.conversation_id) == ("reopen", first.conversation_id)
    channel.close(first.conversation_id or "", T0 + timedelta(days=6))
    later = channel.apply(message("H4", at(days=11)))  # exactly the reopen window: new
    assert (later.decision, later.rule) == ("new", "new_conversation")
    assert later.conversation_id != first.conversation_id
    assert channel.apply(message("H4", at(days=12))).decision == "duplicate"
    view = channel.conversation(later.conversation_id or "")
    assert view.conversation.channel == "chat"
    assert view.conversation.customer == "chat:user-42"
    assert [(m.customer, m.segments) for m in view.messages] == [("chat:user-42", 1)]


def test_sms_and_chat_of_one_customer_are_open_at_once(
    store: ConversationStore, channel: Inbox
) -> None:
    with store.transaction(ALICE) as tx:
        tx.save_customer(Customer(ALICE, "US", addresses={"chat": "alice"}))
    sms = channel.apply(inbound("SM1", at()))
    chat = channel.apply(message("H1", at(minutes=1), "alice"))
    assert sms.decision == chat.decision == "new"
    assert sms.conversation_id != chat.conversation_id
    with store.snapshot() as tx:
        both = (tx.open_conversation(ALICE, "sms"), tx.open_conversation(ALICE, "chat"))
        customer = tx.customer_of("chat", "alice")
    assert [c.id if c else None for c in both] == [sms.conversation_id, chat.conversation_id]
    assert customer is not None and (customer.id, customer.phone) == (ALICE, ALICE)
    assert customer.addresses == {"chat": "alice"}
    closed = channel.apply(
        {"type": "close_conversation", "id": "X1", "at": at(hours=1), "customer": ALICE}
    )
    assert closed.conversation_id == sms.conversation_id  # SMS by default: chat stays open
    assert channel.apply(message("H2", at(hours=2), "alice")).decision == "append"


def test_the_same_address_on_two_channels_is_two_customers(channel: Inbox) -> None:
    chat = channel.apply(message("H1", at(), "ana@example.com"))
    email = channel.apply(message("E1", at(), "ana@example.com", channel="email"))
    assert chat.decision == email.decision == "new"
    assert channel.conversation(email.conversation_id or "").conversation.customer == (
        "email:ana@example.com"
    )


def test_stop_on_chat_is_a_message_like_any_other(channel: Inbox) -> None:
    result = channel.apply(message("H1", at(), body="STOP"))
    assert (result.decision, result.opt_out, result.notes, result.reply) == ("new", None, (), None)
    assert result.auto_reply_allowed


def test_the_index_allows_one_open_chat_conversation(
    sqlite_store: SqliteStore, db_path: Path
) -> None:
    Inbox(sqlite_store).apply(message("H1", at()))
    conn = sqlite3.connect(db_path)
    insert = (
        "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
        " VALUES ('chat:user-42', ?, 'open', 'customer', '2026')"
    )
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute(insert, ("chat",))
    conn.execute(insert, ("email",))
    conn.close()


@pytest.mark.parametrize(
    ("change", "rule", "reason"),
    [
        ({"channel": "fax"}, "invalid_event",
         "The inbound_message event 'H1': the channel 'fax' is not one of chat, email."),
        ({"channel": "sms"}, "invalid_event",
         "The inbound_message event 'H1': the channel 'sms' is not one of chat, email. "
         "An SMS arrives as an inbound_sms event."),
        ({"body": "  "}, "invalid_event", "The inbound_message event 'H1' has no body."),
        ({"customer": None}, "invalid_event",
         "The inbound_message event 'H1': the field 'customer' is invalid: Input should be a "
         "valid string."),
        ({"media": ["image/png"]}, "invalid_event",
         "The inbound_message event 'H1': the field 'media' is not a field of this event."),
        ({"channel": "email", "customer": "ana"}, "invalid_address",
         "The customer 'ana' is not a email address: it needs one @ and a domain with a dot. "
         "Give an address like ana@example.com."),
    ],
)  # fmt: skip
def test_bad_messages_are_rejected_and_change_nothing(
    channel: Inbox, change: dict[str, object], rule: str, reason: str
) -> None:
    result = channel.apply(message("H1", at()) | change)
    assert (result.decision, result.rule, result.reason) == ("rejected", rule, reason)
    assert channel.apply(message("H1", at())).decision == "new"  # nothing was stored


def test_closing_a_chat_customer_without_an_open_conversation(channel: Inbox) -> None:
    close = {"type": "close_conversation", "id": "X1", "at": at(), "channel": "chat"}
    result = channel.apply(close | {"customer": "nobody"})
    assert (result.decision, result.rule) == ("rejected", "conversation_not_found")
    assert result.reason == "The customer nobody has no open chat conversation to close."


def test_a_chat_customer_with_attributes(channel: Inbox) -> None:
    update = {"type": "customer", "id": "u1", "channel": "email", "customer": "Ana@Example.com"}
    saved = channel.apply(update | {"attributes": {"vip": True}})
    assert (saved.decision, saved.reason) == ("customer", "Customer email:Ana@example.com saved.")
    result = channel.apply(message("E1", at(), "Ana@EXAMPLE.com", channel="email"))
    assert result.decision == "new"  # the domain is case-insensitive: the same customer
    assert result.events[0].customer == {"vip": True, "opted_out": False}
    assert channel.apply(update | {"channel": "fax"}).rule == "invalid_event"
    assert channel.apply(update | {"attributes": {"phone": "x"}}).rule == "invalid_event"


# a model of the rules, per channel --------------------------------------------------------

REOPEN = timedelta(days=5)
STEPS = st.sampled_from([timedelta(0), timedelta(minutes=1), REOPEN - timedelta(seconds=1), REOPEN])
ACTIONS = st.lists(
    st.tuples(st.sampled_from(["sms", "chat", "close_sms", "close_chat"]), STEPS), max_size=14
)
OPEN_COUNTS = (
    "SELECT customer, channel, COUNT(*) FROM conversations WHERE status = 'open'"
    " GROUP BY customer, channel"
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_one_open_conversation_per_customer_and_channel(
    tmp_path_factory: pytest.TempPathFactory, actions: list[tuple[str, timedelta]]
) -> None:
    """One customer with an SMS and a chat identity; each channel threads on its own."""
    path = tmp_path_factory.mktemp("model") / "model.db"
    with SqliteStore(path) as store:
        with store.transaction(ALICE) as tx:
            tx.save_customer(Customer(ALICE, "US", addresses={"chat": "alice"}))
        inbox = Inbox(store)
        model: dict[str, tuple[str | None, tuple[str, object] | None]] = {
            "sms": (None, None),
            "chat": (None, None),
        }  # channel -> (open id, (last closed id, closed at))
        now = T0
        for serial, (action, step) in enumerate(actions):
            now += step
            when, ident = now.isoformat(), f"E{serial}"
            kind = action.removeprefix("close_")
            opened, closed = model[kind]
            if action.startswith("close_"):
                result = inbox.apply(
                    {"type": "close_conversation", "id": ident, "at": when, "channel": kind,
                     "customer": ALICE if kind == "sms" else "alice"}
                )  # fmt: skip
                assert result.decision == ("closed" if opened else "rejected")
                if opened:
                    model[kind] = (None, (opened, now))
                continue
            event = inbound(ident, when) if kind == "sms" else message(ident, when, "alice")
            result = inbox.apply(event)
            if opened is not None:
                assert (result.decision, result.conversation_id) == ("append", opened)
            elif closed is not None and now - closed[1] < REOPEN:  # type: ignore[operator]
                assert (result.decision, result.conversation_id) == ("reopen", closed[0])
            else:
                assert result.decision == "new"
            model[kind] = (result.conversation_id, None if opened is None else closed)
            if result.decision == "reopen":
                model[kind] = (result.conversation_id, None)
            conn = sqlite3.connect(path)
            counts = conn.execute(OPEN_COUNTS).fetchall()
            conn.close()
            assert all(count == 1 for _customer, _channel, count in counts)
            assert {c for _customer, c, _count in counts} <= {"sms", "chat"}


# channel filters through simulate -----------------------------------------------------------

FILTER_EVENTS = [
    {"type": "customer", "id": "u1", "channel": "email", "customer": "vip@example.com",
     "attributes": {"vip": True}},
    {"type": "inbound_message", "channel": "email", "id": "E1", "at": "2026-01-05T10:00:00Z",
     "customer": "vip@example.com", "body": "Hello"},
    {"type": "inbound_message", "channel": "email", "id": "E2", "at": "2026-01-05T10:00:00Z",
     "customer": "ben@example.com", "body": "Invoice question"},
    {"type": "inbound_message", "channel": "chat", "id": "H1", "at": "2026-01-05T10:00:00Z",
     "customer": "user-42", "body": "Hello"},
    {"type": "inbound_sms", "id": "SM1", "at": "2026-01-05T10:00:00Z", "from": "+14155550101",
     "body": "Hello"},
]  # fmt: skip


def test_channel_filters_through_simulate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("".join(json.dumps(event) + "\n" for event in FILTER_EVENTS))
    assert main(["simulate", "--json", str(events)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    first = {
        o["event"]: [
            r["workflow"] for r in o["workflows"] if r["trigger"].endswith("first_message")
        ]
        for o in out
    }
    assert first == {
        "u1": [], "E1": ["email-intake"], "E2": ["email-intake"], "H1": [],
        "SM1": ["route-inbound-sms"],
    }  # fmt: skip
    states = {o["event"]: o["state"] for o in out}
    assert states["E1"] == {
        "status": "open", "assignee": "VIP Support", "team": "VIP Support",
        "tags": ["email", "vip"],
    }  # fmt: skip
    assert states["E2"]["assignee"] == "Email Support"
    assert out[1]["customer"] == {
        "id": "email:vip@example.com", "channel": "email", "address": "vip@example.com"
    }  # fmt: skip
    assert out[4]["customer"] == {"phone": "+14155550101", "opted_out": False}
    assert set(out[1]) == set(out[4])  # the same fields for every channel


CHAT_REPLY = """\
workflow: chat-welcome
trigger: customer_sends_first_message
channels: [chat]
priority: 1
start: welcome
steps:
  welcome:
    reply: "Thanks, a teammate will answer here."
"""


def test_a_workflow_reply_on_chat_is_recorded_not_texted(tmp_path: Path) -> None:
    (tmp_path / "chat-welcome.yaml").write_text(CHAT_REPLY)
    with HelpDesk.open(tmp_path, database=str(tmp_path / "h.db")) as desk:
        outcome = desk.receive_message(message("H1", at()))
        assert [run.workflow for run in outcome.workflows] == ["chat-welcome"]
        assert outcome.replies == ()  # nothing went through the SMS sender
        view = desk.conversation(outcome.conversation or "")
    reply = view.messages[-1]
    assert (reply.direction, reply.status, reply.segments, reply.body) == (
        "outbound", "recorded", 1, "Thanks, a teammate will answer here."
    )  # fmt: skip
    assert desk.sender.sent == []  # type: ignore[attr-defined]


# concurrency ----------------------------------------------------------------------------


def test_threads_delivering_chat_and_sms_at_once(store: ConversationStore) -> None:
    """Four threads, every message twice and shuffled: one conversation per customer and
    channel, every message stored once (the identity key's lock, on both stores)."""
    events: list[dict[str, object]] = []
    for i in range(12):
        when = at(minutes=i)
        events.append(message(f"H{i}", when, "user-1"))
        events.append(message(f"E{i}", when, "user-1@example.com", channel="email"))
        events.append(inbound(f"SM{i}", when))
    deliveries = events + events
    random.Random(5).shuffle(deliveries)
    inbox = Inbox(store)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(inbox.apply, deliveries))
    decisions = Counter(r.decision for r in results)
    assert decisions == {"new": 3, "append": 33, "duplicate": 36}
    with store.snapshot() as tx:
        chat = tx.open_conversation("chat:user-1", "chat")
        email = tx.open_conversation("email:user-1@example.com", "email")
        sms = tx.open_conversation(ALICE, "sms")
        assert chat and email and sms
        assert [len(tx.messages(c.id)) for c in (chat, email, sms)] == [12, 12, 12]


def test_the_events_shown_in_docs_channels_md_are_accepted(channel: Inbox) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "channels.md").read_text()
    section = doc.split("## Chat and email", 1)[1].split("```", 2)[1]
    events = [json.loads(line) for line in section.splitlines() if line.startswith("{")]
    assert [channel.apply(event).decision for event in events] == ["new", "closed", "customer"]


def test_the_outcome_names_the_customer_on_the_events_channel(tmp_path: Path) -> None:
    with HelpDesk.open("workflows", database=str(tmp_path / "h.db")) as desk:
        with desk.store.transaction(ALICE) as tx:
            tx.save_customer(Customer(ALICE, "US", addresses={"chat": "alice"}))
        chat = desk.receive_message(message("H1", at(), "alice")).to_dict()
        sms = desk.receive_sms(inbound("SM1", at())).to_dict()
    assert chat["customer"] == {"id": ALICE, "channel": "chat", "address": "alice"}
    assert sms["customer"] == {"phone": ALICE, "opted_out": False}
