"""`matches` runs in linear time on every executor; what RE2 cannot run is a finding."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from durable_support import DURABLE

from rules_engine._durable import DurableExecutor
from rules_engine._native import NativeExecutor
from rules_engine._regex import pattern_problem, search
from rules_engine.compiler import compile_network
from rules_engine.loader import load_project
from rules_engine.model import Action, ActionStep, BranchRow, BranchStep, Comparison, Workflow
from rules_engine.reference import ReferenceInterpreter
from rules_engine.semantics import normalise_attributes
from rules_engine.workspace import Workspace, builtin_attributes

EXAMPLES = Path(__file__).parents[2] / "workflows"
WORKSPACE = Workspace(attributes=builtin_attributes(("sms",)), channels=("sms",))
EVIL = "(a+)+$"
BODY = "a" * 1600 + "!"


def _workflow(pattern: str) -> Workflow:
    steps = {
        "check": BranchStep(
            "check", (BranchRow(Comparison("message.body", "matches", pattern), "hit"),), "miss"
        ),
        "hit": ActionStep("hit", (Action("tag", ("hit",)),), None),
        "miss": ActionStep("miss", (Action("tag", ("miss",)),), None),
    }
    return Workflow(
        "redos", "customer_sends_first_message", ("sms",), None, 1, "check", steps, "r.yaml"
    )


def _executors(workflows: list[Workflow]) -> list[object]:
    network = compile_network(workflows, WORKSPACE)
    found: list[object] = [ReferenceInterpreter(workflows), NativeExecutor(network)]
    if DURABLE:
        found.append(DurableExecutor(network, WORKSPACE, trial_timeout=None))
    return found


@pytest.mark.parametrize(
    ("pattern", "body", "tag"), [(EVIL, BODY, "miss"), (EVIL, "a" * 1600, "hit")]
)
def test_the_catastrophic_pattern_runs_in_milliseconds_on_every_executor(
    pattern: str, body: str, tag: str
) -> None:
    attributes = normalise_attributes(
        WORKSPACE, {"message.body": body, "conversation.channel": "sms"}
    )
    for executor in _executors([_workflow(pattern)]):
        started = time.perf_counter()
        run = executor.decide("customer_sends_first_message", "sms", attributes)  # type: ignore[attr-defined]
        elapsed = time.perf_counter() - started
        assert run is not None and run.path[-1] == tag, executor
        assert elapsed < 0.5, (executor, elapsed)
        close = getattr(executor, "close", None)
        if close is not None:
            close()


@pytest.mark.parametrize(
    "pattern", [r"(a)\1", "(?P<x>a)(?P=x)", "(?=a)b", "(?!a)b", "(?<=a)b", "(?<!a)b", r"a\Z"]
)
def test_backtracking_constructs_are_a_finding_with_a_hint(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "workspace.yaml").write_text((EXAMPLES / "workspace.yaml").read_text())
    text = f"""\
        workflow: uses-regex
        trigger: customer_sends_first_message
        priority: 10
        start: check
        steps:
          check:
            branch:
              - when: {{message.body: {{matches: '{pattern}'}}}}
                then: done
            else: done
          done:
            tag: [x]
        """
    (tmp_path / "w.yaml").write_text(textwrap.dedent(text))
    project = load_project([tmp_path])
    assert [(f.code, f.location.line) for f in project.findings] == [("E-schema", 8)]
    finding = project.findings[0]
    assert finding.location.column > 1
    assert "RE2" in finding.message and finding.hint and "lookahead" in finding.hint


def test_a_pattern_too_long_is_refused() -> None:
    assert pattern_problem("a" * 5000) is not None
    assert pattern_problem("a" * 100) is None


def test_text_with_a_lone_surrogate_is_searched_without_an_error() -> None:
    assert search("a", "\ud800a")
    assert not search("b", "\ud800a")
