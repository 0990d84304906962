"""`helpdesk-rules explain`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from builders import BROKEN_WORKFLOW
from durable_support import EXECUTORS

from helpdesk.cli import main

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = str(ROOT / "workflows")
EVENT = str(ROOT / "workflows" / "events" / "first-message-enterprise.json")


def test_human_output_shows_candidates_verdicts_and_actions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", WORKFLOWS, EVENT]) == 0
    out = capsys.readouterr().out
    assert "✓ route-inbound-sms (priority 10): runs" in out
    assert "✓ customer.plan in [enterprise, premium] → vip" in out
    assert "· message.body contains refund → billing" in out
    assert "by_plan → vip → greet_vip" in out
    assert 'assign {"team": "VIP Support"}' in out


@pytest.mark.parametrize("engine", [e for e in EXECUTORS if e != "reference"])
def test_json_output(engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "--engine", engine, WORKFLOWS, EVENT, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"event", "candidates", "runs"}
    (run,) = data["runs"]
    assert run["workflow"] == "route-inbound-sms"
    assert run["verdicts"][0]["rows"] == ["matched", "not_evaluated", "not_evaluated"]


def test_an_event_no_workflow_takes_exits_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    event = {"trigger": "teammate_starts_conversation", "channel": "chat"}
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(event)))
    assert main(["explain", WORKFLOWS, "-"]) == 0
    assert "No workflow runs" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{bad", "not valid JSON"),
        ("[1]", "one JSON object"),
        ('{"trigger": "customer_sends_first_message"}', "'channel' must be text"),
        ('{"trigger": "x", "channel": "sms", "at": "yesterday"}', "'at' must be"),
        ('{"trigger": "customer_waves", "channel": "sms"}', "unknown trigger"),
        (
            '{"trigger": "conversation_reopened", "channel": "sms", "customer": {"seats": NaN}}',
            "NaN",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_two(
    text: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["explain", WORKFLOWS, "-"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_missing_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", WORKFLOWS, "nope.json"]) == 2
    assert "nope.json: no such file" in capsys.readouterr().err


def test_workflows_with_errors_exit_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN_WORKFLOW)
    assert main(["explain", str(tmp_path), EVENT]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml:" in err and " E-" in err


def test_explain_fills_in_the_sms_built_ins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "workspace.yaml").write_text(
        "workspace: w\nchannels: [sms]\nsms_countries: [US, GB]\n"
    )
    (tmp_path / "w.yaml").write_text(
        "workflow: w\ntrigger: customer_sends_first_message\npriority: 1\n"
        "audience: {customer.country: GB, message.segments: {gte: 2}, message.has_media: true}\n"
        "start: a\nsteps:\n  a:\n    tag: [uk]\n"
    )
    event = {
        "trigger": "customer_sends_first_message",
        "channel": "sms",
        "customer": {"phone": "+442079460000"},
        "message": {"body": "x" * 200, "media_types": ["image/jpeg"]},
    }
    (tmp_path / "event.json").write_text(json.dumps(event))
    assert main(["explain", str(tmp_path), str(tmp_path / "event.json"), "--json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    assert run["workflow"] == "w"
