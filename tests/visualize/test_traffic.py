"""`review --traffic` and `diff --traffic`: the same events through both versions, what is
routed differently, which replies are now (no longer) sent, and the CI gate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CHANGED_ROUTE, EXAMPLES

from helpdesk._replay import Route, compare
from helpdesk.cli import main

GREETING = "Thanks for reaching out. A senior specialist will text you back shortly."


def review(repo: Path, out: Path, events: Path, *extra: str) -> int:
    args = ["review", str(repo / "workflows"), "--out", str(out), "--base", "HEAD"]
    return main([*args, "--traffic", str(events), *extra])


def test_review_reports_what_the_change_does_to_traffic(
    repo: Path, tmp_path: Path, events: Path
) -> None:
    summary = tmp_path / "summary.md"
    assert review(repo, tmp_path / "out", events, "--markdown", str(summary)) == 0
    traffic = json.loads((tmp_path / "out" / "report.json").read_text())["traffic"]
    assert traffic["events"] == len(events.read_text().splitlines())
    assert 0 < traffic["rerouted"] <= traffic["routed"] <= traffic["events"]
    assert 0 < traffic["rerouted_conversations"] <= traffic["conversations"]
    assert traffic["rerouted"] == sum(row["count"] for row in traffic["routes"])
    for row in traffic["routes"]:
        assert row["from"] != row["to"]
        assert 1 <= len(row["examples"]) <= min(3, row["count"])
    assert any(
        row["from"]
        and row["from"]["workflow"].startswith("route-inbound-sms")
        and row["from"]["path"].startswith("by_plan → vip")
        for row in traffic["routes"]
    )
    (gone,) = traffic["replies"]["no_longer_sent"]
    assert gone["text"] == GREETING and gone["count"] >= 1
    assert traffic["replies"]["now_sent"] == []
    page = (tmp_path / "out" / "index.html").read_text()
    assert '<section id="traffic">' in page and "routed differently" in page
    text = summary.read_text()
    assert text.startswith("## Workflow review\n")
    assert "### What the change does to traffic" in text
    assert f"| {GREETING} | {gone['count']} |" in text
    assert "`steps.greet_vip`" in text


def test_max_changed_gates_ci(
    repo: Path, tmp_path: Path, events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert review(repo, tmp_path / "a", events, "--max-changed", "0") == 1
    assert "more than --max-changed 0%" in capsys.readouterr().err
    assert review(repo, tmp_path / "b", events, "--max-changed", "100") == 0


def test_diff_replays_traffic_too(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = str(EXAMPLES / "route-inbound-sms.yaml")
    workspace = ["--workspace", str(EXAMPLES / "workspace.yaml")]
    assert main(["diff", old, str(CHANGED_ROUTE), "--traffic", str(events), *workspace]) == 0
    out = capsys.readouterr().out
    assert "would be routed differently" in out and "⇒" in out


def test_traffic_usage_errors(repo: Path, tmp_path: Path, events: Path) -> None:
    args = ["review", str(repo / "workflows"), "--out", str(tmp_path)]
    assert main([*args, "--traffic", str(events)]) == 2  # no --base
    assert main([*args, "--base", "HEAD", "--traffic", str(tmp_path / "none.jsonl")]) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "customer"}\nnot json\n')
    assert main([*args, "--base", "HEAD", "--traffic", str(bad)]) == 2


def test_compare_counts_events_conversations_and_replies() -> None:
    a, b = Route("w", "s → x", "A"), Route("w", "s → y", "B")
    events = [{"id": f"E{n}"} for n in range(6)]
    before = [
        ("C1", a, ("hi",)),
        ("C1", a, ()),
        ("C2", a, ()),
        ("C3", None, ()),
        ("C4", a, ()),
        ("C4", a, ()),
    ]
    after = [
        ("C1", b, ()),
        ("C1", b, ()),
        ("C2", a, ()),
        ("C3", None, ()),
        ("C4", b, ("new",)),
        ("C4", None, ()),
    ]
    change = compare(events, before, after, 0.5)
    assert (change.events, change.routed, change.rerouted) == (6, 5, 4)
    assert (change.conversations, change.rerouted_conversations) == (3, 2)
    assert change.routes == ((a, b, 3, ("E0", "E1", "E4")), (a, None, 1, ("E5",)))
    assert change.now_sent == (("new", 1, ("E4",)),)
    assert change.no_longer_sent == (("hi", 1, ("E0",)),)
    assert change.percent == 80.0


def test_render_draws_how_many_runs_took_each_edge_and_row(
    events: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["simulate", str(events), "--workflows", str(EXAMPLES), "--json"]) == 0
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text(capsys.readouterr().out)
    out = tmp_path / "out"
    args = ["render", str(EXAMPLES), "--out", str(out), "--format", "dot", "--trace"]
    assert main([*args, str(decisions)]) == 0
    dot = (out / "route-inbound-sms.trace.dot").read_text()
    runs = int(dot.split("traffic: ")[1].split(" runs")[0])
    assert runs > 10
    labels = re.findall(
        r'id="route-inbound-sms_2etrace--step-by_plan--(?:r\d|else)--[^"]*"'
        r".*?label=<<b>(\d+) · ",
        dot,
    )
    assert len(labels) == 4, "three rows and else"
    assert sum(int(n) for n in labels) == runs, "every run leaves by_plan by one row"
    table = (out / "route-inbound-sms.trace.md").read_text()
    assert "| ◆ by_plan | 1 | customer.plan in [enterprise, premium] | vip | " in table
    event = next(
        json.loads(line)["event"]
        for line in decisions.read_text().splitlines()
        if any(r["workflow"] == "route-inbound-sms" for r in json.loads(line)["workflows"])
    )
    assert main([*args, str(decisions), "--trace-event", event]) == 0
    assert f"trace: event {event}" in (out / "route-inbound-sms.trace.dot").read_text()
