"""`helpdesk-rules bench` and the sample events it decides on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import UNKNOWN_TRIGGER_WORKFLOW
from durable_support import EXECUTORS

from helpdesk.cli import main
from rules_engine import Engine, load_project
from rules_engine.sample import sample_events

EXAMPLES = Path(__file__).parents[2] / "workflows"


def test_sample_events_take_many_paths() -> None:
    project = load_project([EXAMPLES])
    events = sample_events(project.workflows, project.workspace, 600)
    assert events == sample_events(project.workflows, project.workspace, 600)  # seeded
    with Engine(project.workflows, project.workspace) as engine:
        runs = [engine.decide(event) for event in events]
    paths = {(run.workflow, run.path) for run in runs if run is not None}
    assert {workflow for workflow, _ in paths} == {w.name for w in project.workflows}
    assert len(paths) >= 15
    assert any(run is None for run in runs)  # some events match no workflow


def test_bench_prints_figures_for_each_executor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", str(EXAMPLES), "--events", "300", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [f["executor"] for f in report["figures"]] == list(EXECUTORS)
    assert all(f["decisions_per_second"] > 0 for f in report["figures"])
    assert all(f["p99_us"] >= f["p50_us"] for f in report["figures"])


def test_bench_refuses_broken_workflows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "w.yaml").write_text(UNKNOWN_TRIGGER_WORKFLOW)
    assert main(["bench", str(tmp_path)]) == 2
    assert "unknown trigger `nope`" in capsys.readouterr().err
