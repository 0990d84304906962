"""The help desk end to end: SMS adapter → engine → actions → store, in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpdesk import HelpDesk, RecordingSender, SqliteStore
from rules_engine.engine import Engine

WORKFLOWS = Path(__file__).parents[2] / "workflows"
CUSTOMER = "+14155550101"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[HelpDesk]:
    with HelpDesk(Engine.from_paths([WORKFLOWS]), SqliteStore(tmp_path / "h.db")) as desk:
        yield desk


def inbound(ident: str, at: str, body: str, **extra: object) -> dict[str, object]:
    event: dict[str, object] = {"type": "inbound_sms", "id": ident, "at": at, "from": CUSTOMER}
    return {**event, "to": "+14155550100", "body": body, **extra}


def customer(plan: str, **attributes: object) -> dict[str, object]:
    values = {"plan": plan, **attributes}
    return {"type": "customer", "id": f"u-{plan}", "phone": CUSTOMER, "attributes": values}


def test_a_first_message_runs_the_workflow_and_its_actions_land_in_the_store(
    desk: HelpDesk,
) -> None:
    desk.handle(customer("enterprise", name="Dana"))
    outcome = desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "where is my refund?"))
    assert outcome.threading == "new" and outcome.started_by == "customer"
    route, triage = outcome.workflows
    assert (route.workflow, route.path) == ("route-inbound-sms", ("by_plan", "vip", "greet_vip"))
    assert route.verdicts[0].rows == ("matched", "not_evaluated", "not_evaluated")
    assert (triage.workflow, triage.path) == ("message-triage", ("check", "known"))
    view = desk.conversation(str(outcome.conversation))
    assert view.conversation.assignee == "VIP Support"
    assert view.conversation.tags == ("sms", "vip")
    assert view.conversation.attributes == {"priority": "high", "topic": "general"}
    assert [r.workflow for r in view.runs] == ["route-inbound-sms", "message-triage"]
    reply = [m for m in view.messages if m.direction == "outbound"]
    assert [(m.status, m.segments, m.automated) for m in reply] == [("sent", 1, True)]
    assert outcome.to_dict()["state"] == {
        "status": "open",
        "assignee": "VIP Support",
        "team": "VIP Support",
        "tags": ["sms", "vip"],
    }


FIRST = """
workflow: first
trigger: customer_sends_first_message
start: tag
steps:
  tag: {tag: [seen-first]}
"""
ANY = """
workflow: any
trigger: customer_sends_any_message
start: check
steps:
  check:
    branch:
      - when: {conversation.tags: {contains: seen-first}}
        then: after_first
    else: alone
  after_first: {note: the first workflow ran before me}
  alone: {note: alone}
"""


def test_the_second_workflow_sees_what_the_first_did(tmp_path: Path) -> None:
    (tmp_path / "workspace.yaml").write_text((WORKFLOWS / "workspace.yaml").read_text())
    (tmp_path / "first.yaml").write_text(FIRST)
    (tmp_path / "any.yaml").write_text(ANY)
    store = SqliteStore(tmp_path / "h.db")
    with HelpDesk(Engine.from_paths([tmp_path]), store) as desk:
        first = desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "hello"))
        second = desk.handle(inbound("SM2", "2026-01-05T10:01:00Z", "again"))
    assert [run.path for run in first.workflows] == [("tag",), ("check", "after_first")]
    assert [run.path for run in second.workflows] == [("check", "after_first")]


def test_a_duplicate_delivery_runs_no_workflow_and_changes_nothing(desk: HelpDesk) -> None:
    first = desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "refund please"))
    again = desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "refund please"))
    assert again.threading == "duplicate" and again.workflows == ()
    view = desk.conversation(str(first.conversation))
    assert len(view.messages) == 1 and len(view.runs) == 2


def test_a_workflow_close_and_note_apply(desk: HelpDesk) -> None:
    desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "refund please"))
    desk.close_conversation({"id": "c1", "at": "2026-01-05T11:00:00Z", "customer": CUSTOMER})
    outcome = desk.handle(inbound("SM2", "2026-01-06T10:00:00Z", "thanks!"))
    assert outcome.threading == "reopen"
    assert outcome.workflows[0].path == ("why", "thanked")
    assert outcome.state is not None and outcome.state.status == "closed"
    notes = [n.body for n in desk.conversation(str(outcome.conversation)).notes]
    assert "Closed again: the customer only said thanks." in notes


def test_no_reply_goes_to_an_opted_out_customer(tmp_path: Path) -> None:
    sender = RecordingSender()
    store = SqliteStore(tmp_path / "h.db")
    with HelpDesk(Engine.from_paths([WORKFLOWS]), store, sender=sender) as desk:
        desk.handle(customer("enterprise"))
        desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "STOP"))
        desk.close_conversation({"id": "c1", "at": "2026-01-05T11:00:00Z", "customer": CUSTOMER})
        outcome = desk.handle(inbound("SM2", "2026-01-20T10:00:00Z", "a new question"))
        assert outcome.opted_out is True
        assert outcome.workflows[0].path == ("by_plan", "vip", "greet_vip")
        assert sender.sent == []
        notes = [n.body for n in desk.conversation(str(outcome.conversation)).notes]
        assert any(n.startswith("Reply not sent: +14155550101 has opted out") for n in notes)


def test_help_gets_the_workspace_help_text(desk: HelpDesk) -> None:
    desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "hi"))
    outcome = desk.handle(inbound("SM2", "2026-01-05T10:01:00Z", " help "))
    assert [(r.id, r.status) for r in outcome.replies] == [("SM2/help", "sent")]
    assert isinstance(desk.sender, RecordingSender)
    assert desk.sender.sent[-1].body.startswith("Acme Support: reply with your question.")


def test_a_customer_attribute_of_the_wrong_type_is_rejected(desk: HelpDesk) -> None:
    outcome = desk.handle(customer("gold"))
    assert outcome.threading == "rejected"
    assert outcome.reason is not None and "'gold' is not one of its values" in outcome.reason
    assert desk.inbox.customer(CUSTOMER) is None


def test_a_refused_start_names_the_open_conversation(desk: HelpDesk) -> None:
    first = desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "hi"))
    start = {"id": "s1", "at": "2026-01-05T10:05:00Z", "to": CUSTOMER, "body": "Hello"}
    refused = desk.start_conversation(start)
    assert (refused.threading, refused.conversation) == ("rejected", first.conversation)
    started = desk.start_conversation({**start, "id": "s2", "if_open": "close_and_start_new"})
    assert started.threading == "new" and started.closed == (first.conversation,)
    assert started.workflows[0].workflow == "teammate-outreach"


def test_status_callbacks_never_move_back(desk: HelpDesk) -> None:
    desk.handle(customer("enterprise"))
    outcome = desk.handle(inbound("SM1", "2026-01-05T10:00:00Z", "hi"))
    sid = outcome.replies[0].id
    at = datetime(2026, 1, 5, 10, 1, tzinfo=UTC)
    assert desk.message_status(sid, "delivered", at)
    assert not desk.message_status(sid, "sent", at)  # late and out of order
    assert not desk.message_status(sid, "failed", at)  # delivered is final
    assert not desk.message_status("SMunknown", "delivered", at)
    statuses = [m.status for m in desk.conversation(str(outcome.conversation)).messages]
    assert statuses == [None, "delivered"]
