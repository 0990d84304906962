"""`simulate`, `history`, `traffic` and `summary` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import UNKNOWN_TRIGGER_WORKFLOW

from helpdesk import SqliteStore
from helpdesk.cli import main

EVENTS = [
    {"type": "customer", "id": "u1", "phone": "+14155550101", "attributes": {"plan": "pro"}},
    {"type": "inbound_sms", "id": "SM1", "at": "2026-01-05T10:00:00Z", "from": "+14155550101",
     "to": "+14155550100", "body": "Where is my refund?", "media": []},
    {"type": "inbound_sms", "id": "SM1", "at": "2026-01-05T10:00:00Z", "from": "+14155550101",
     "to": "+14155550100", "body": "Where is my refund?", "media": []},
    {"type": "start_conversation", "id": "s1", "at": "2026-01-05T10:30:00Z",
     "to": "+14155550101", "subject": "Refund", "body": "We are on it."},
    {"type": "close_conversation", "id": "c1", "at": "2026-01-05T11:00:00Z",
     "customer": "+14155550101"},
    {"type": "outbound_sms", "id": "SM2", "at": "2026-01-10T09:00:00Z", "to": "+14155550101",
     "body": "Your plan renews soon."},
    {"type": "inbound_sms", "id": "SM3", "at": "2026-01-10T12:00:00Z", "from": "+14155550101",
     "to": "+14155550100", "body": "Tell me more", "media": []},
]  # fmt: skip
FIELDS = {
    "event", "type", "conversation", "threading", "rule", "started_by", "closed", "reason",
    "workflows", "state", "customer", "warnings", "replies", "assignments",
}  # fmt: skip


def write_events(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def simulate_json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict]:  # type: ignore[type-arg]
    assert main(["simulate", "--json", *extra, str(path)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_one_json_object_per_event_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_events(tmp_path, [json.dumps(e) for e in EVENTS])
    out = simulate_json(path, capsys)
    assert all(set(line) == FIELDS for line in out)
    assert [line["event"] for line in out] == ["u1", "SM1", "SM1", "s1", "c1", "SM2", "SM3"]
    assert [line["threading"] for line in out] == [
        None, "new", "duplicate", "rejected", "closed", "outbound", "new",
    ]  # fmt: skip
    customer, first, duplicate, refused, closed, outbound, reply = out
    assert customer["customer"] == {"phone": "+14155550101", "opted_out": False}
    assert first["started_by"] == "customer" and first["conversation"] == "C1"
    assert first["workflows"][0] == {
        "workflow": "route-inbound-sms",
        "trigger": "customer_sends_first_message",
        "path": ["by_plan", "billing"],
        "actions": [{"assign": {"team": "Billing"}}, {"tag": ["sms", "billing"]}],
        "verdicts": [
            {"step": "by_plan", "rows": ["false", "matched", "not_evaluated"], "else": "not_taken"}
        ],
    }
    assert first["state"] == {
        "status": "open",
        "assignee": "Billing",
        "team": "Billing",
        "tags": ["sms", "billing"],
    }
    assert duplicate["workflows"] == [] and duplicate["conversation"] == "C1"
    assert refused["conversation"] == "C1" and refused["rule"] == "conversation_open"
    assert closed["closed"] == ["C1"] and closed["state"]["status"] == "closed"
    assert outbound["conversation"] is None and outbound["state"] is None
    assert reply["started_by"] == "outbound_reply"
    assert reply["workflows"][0]["workflow"] == "campaign-replies"


def test_unreadable_lines_are_reported_and_the_others_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [json.dumps(EVENTS[1]), "{not json", "[1, 2]", "", json.dumps(EVENTS[4])]
    path = write_events(tmp_path, lines)
    assert main(["simulate", "--json", str(path)]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["event"] for line in captured.out.splitlines()] == ["SM1", "c1"]
    assert f"{path}:2: not JSON" in captured.err
    assert f"{path}:3: an event must be a JSON object" in captured.err


def test_a_bad_event_is_a_rejection_not_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {"type": "inbound_sms", "id": "SMx", "at": "2026-01-05T10:00:00Z", "from": "+1555"}
    unknown = {"type": "fax", "id": "F1"}
    out = simulate_json(write_events(tmp_path, [json.dumps(bad), json.dumps(unknown)]), capsys)
    assert [(line["threading"], line["rule"]) for line in out] == [
        ("rejected", "invalid_phone_number"),
        ("rejected", "invalid_event"),
    ]


def test_the_table_and_the_database_and_history(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_events(tmp_path, [json.dumps(e) for e in EVENTS])
    database = tmp_path / "helpdesk.db"
    assert main(["simulate", "--database", str(database), str(path)]) == 0
    out = capsys.readouterr().out
    assert "route-inbound-sms: by_plan → billing; message-triage: check → unknown; " in out
    assert "assignee Billing" in out
    assert "Decisions by threading rule:" in out and "Rejections by reason:" in out
    assert main(["history", "--database", str(database), "C1"]) == 0
    story = capsys.readouterr().out.splitlines()
    assert story[0] == "Conversation C1 with +14155550101 (sms), started by customer, closed"
    assert any("workflow route-inbound-sms on customer_sends_first_message" in s for s in story)
    assert any("by_plan: rows ✗ ✓ ·" in line for line in story)


def test_history_of_an_unknown_conversation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SqliteStore(tmp_path / "h.db").close()
    assert main(["history", "--database", str(tmp_path / "h.db"), "C99"]) == 2
    assert "C99" in capsys.readouterr().err


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "w.yaml").write_text(UNKNOWN_TRIGGER_WORKFLOW)
    events = write_events(tmp_path, [])
    assert main(["simulate", "--workflows", str(broken), str(events)]) == 2
    assert "E-schema unknown trigger `nope`" in capsys.readouterr().err


def test_traffic_is_seeded_and_summary_reads_simulate_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["traffic", "--customers", "40", "--seed", "3"]) == 0
    first = capsys.readouterr().out
    assert main(["traffic", "--customers", "40", "--seed", "3"]) == 0
    assert capsys.readouterr().out == first
    types = {json.loads(line)["type"] for line in first.splitlines()}
    assert types == {"customer", "inbound_sms", "close_conversation", "outbound_sms",
                     "start_conversation", "inbound_message", "teammate_status"}  # fmt: skip
    events = write_events(tmp_path, first.splitlines())
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text("\n".join(json.dumps(d) for d in simulate_json(events, capsys)))
    assert main(["summary", str(decisions)]) == 0
    summary = capsys.readouterr().out
    assert summary.startswith(f"{len(first.splitlines())} events")
    assert "Conversations by team or teammate (as they ended):" in summary
    assert "Workload by teammate:" in summary and "Waits by team:" in summary
