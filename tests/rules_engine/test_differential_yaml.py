"""From YAML text to `Engine.decide`: every executor agrees, and certain findings hold.

Generated projects (`yaml_strategies.py`: deep and wide conditions, many workflows and
steps, numbers and timestamps at the edges) are written to files, loaded and validated
with `load_project`, compiled into an `Engine` per executor, and given JSON-shaped
events.  Every executor must return the same run (or refuse the event the same way).
Every finding that says a condition can never hold, or a row is never taken, must be
true for every generated event.

The default run is kept affordable for `make test`; for a long run:

    HYPOTHESIS_YAML_EXAMPLES=20000 pytest -q -p no:cacheprovider \
        tests/rules_engine/test_differential_yaml.py
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from durable_support import EXECUTORS
from hypothesis import HealthCheck, given, settings
from yaml_strategies import Project, projects

from rules_engine.engine import Engine
from rules_engine.errors import EventError
from rules_engine.events import ConversationEvent, Run
from rules_engine.findings import Finding
from rules_engine.loader import load_project
from rules_engine.model import BranchStep, Workflow
from rules_engine.semantics import evaluate

EXAMPLES = int(os.environ.get("HYPOTHESIS_YAML_EXAMPLES", "30"))
AT = datetime(2026, 1, 5, 10, tzinfo=UTC)
ROW = re.compile(r"row (\d+) of `([^`]+)`")


@contextmanager
def written(project: Project) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        for name, text in project.files.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        yield Path(folder)


def conversation_event(data: dict[str, object]) -> ConversationEvent:
    return ConversationEvent(
        trigger=str(data["trigger"]),
        channel=str(data["channel"]),
        at=AT,
        customer=data["customer"],  # type: ignore[arg-type]
        conversation=data["conversation"],  # type: ignore[arg-type]
        message=data["message"],  # type: ignore[arg-type]
    )


def outcome(engine: Engine, event: ConversationEvent) -> Run | str | None:
    try:
        return engine.decide(event)
    except EventError as error:
        return f"EventError: {error}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(projects())
def test_yaml_projects_decide_alike_on_every_executor(project: Project) -> None:
    with written(project) as folder:
        loaded = load_project([folder])
    assert not loaded.errors, [f.format() for f in loaded.errors]
    # The trial compilation (a child process per project) is tested in test_durable.py;
    # durable_rules refuses a ruleset in this process just the same.
    with mock.patch("rules_engine._durable.trial_compile"):
        engines = [Engine(loaded.workflows, loaded.workspace, name) for name in EXECUTORS]
    try:
        events = [conversation_event(data) for data in project.events]
        for event in events:
            expected = outcome(engines[0], event)
            for engine in engines[1:]:
                assert outcome(engine, event) == expected, engine.executor_name
        check_certain_findings(loaded.findings, loaded.workflows, engines[0], events)
    finally:
        for engine in engines:
            engine.close()


def check_certain_findings(
    findings: Sequence[Finding],
    workflows: Sequence[Workflow],
    engine: Engine,
    events: Sequence[ConversationEvent],
) -> None:
    """A row that "can never hold" never holds; one "never taken" is never taken."""
    by_name = {workflow.name: workflow for workflow in workflows}
    for finding in findings:
        if finding.code not in ("W-unsatisfiable", "W-shadowed-branch"):
            continue
        assert finding.workflow is not None
        workflow = by_name[finding.workflow]
        for event in events:
            try:
                attributes = engine.attributes(event)
            except EventError:
                continue
            found = ROW.search(finding.message)
            if found is None:  # the audience
                assert workflow.audience is not None
                assert not evaluate(workflow.audience, attributes), finding.format()
                continue
            index, step_name = int(found.group(1)) - 1, found.group(2)
            step = workflow.steps[step_name]
            assert isinstance(step, BranchStep)
            if finding.code == "W-unsatisfiable":
                assert not evaluate(step.rows[index].when, attributes), finding.format()
            run = engine.decide(event)
            if run is not None and run.workflow == workflow.name:
                for verdict in run.verdicts:
                    if verdict.step == step_name:
                        assert verdict.rows[index] != "matched", finding.format()
