"""The native executor and the reference interpreter on hand-written cases."""

from __future__ import annotations

import pytest
from builders import attribute, branch, tagging, workspace
from builders import workflow as build

from rules_engine import _native, semantics
from rules_engine._native import NativeExecutor
from rules_engine.compiler import compile_network
from rules_engine.events import BranchVerdict
from rules_engine.model import (
    Action,
    ActionStep,
    AnyOf,
    Comparison,
    Not,
    Workflow,
)
from rules_engine.network import Test
from rules_engine.reference import ReferenceInterpreter

WORKSPACE = workspace(
    attribute("customer.plan", "enum", "free", "pro", "vip"), attribute("customer.seats", "number")
)
TRIGGER = "customer_sends_first_message"
VIP = Comparison("customer.plan", "equals", "vip")
REFUND = Comparison("message.body", "contains", "refund")


def route(
    priority: int = 1, audience: Comparison | None = None, otherwise: str | None = "plain"
) -> Workflow:
    steps = [
        branch("by_plan", [(VIP, "vip"), (REFUND, "billing")], otherwise),
        ActionStep("vip", (Action("assign", {"team": "VIP"}), Action("tag", ("vip",))), "greet"),
        ActionStep("greet", (Action("reply", "Hi"),), None),
        ActionStep("billing", (Action("assign", {"team": "Billing"}),), None),
        tagging("plain", "sms"),
    ]
    name = f"route{priority}"
    return build(
        name, steps, priority=priority, audience=audience, channels=("sms",), file="r.yaml"
    )


def executors(workflows: list[Workflow]) -> list[object]:
    return [ReferenceInterpreter(workflows), NativeExecutor(compile_network(workflows, WORKSPACE))]


@pytest.mark.parametrize("kind", ["reference", "native"])
def test_rows_before_the_match_are_false_and_later_ones_not_evaluated(kind: str) -> None:
    executor = executors([route()])[0 if kind == "reference" else 1]
    run = executor.decide(TRIGGER, "sms", {"customer.plan": "pro", "message.body": "REFUND please"})  # type: ignore[attr-defined]
    assert run.path == ("by_plan", "billing")
    assert run.verdicts == (BranchVerdict("by_plan", ("false", "matched"), False),)
    run = executor.decide(TRIGGER, "sms", {"customer.plan": "vip"})  # type: ignore[attr-defined]
    assert run.path == ("by_plan", "vip", "greet")
    assert [a.kind for a in run.actions] == ["assign", "tag", "reply"]
    assert run.verdicts[0].rows == ("matched", "not_evaluated")


@pytest.mark.parametrize("kind", ["reference", "native"])
def test_no_row_takes_else_and_no_else_ends_the_path(kind: str) -> None:
    index = 0 if kind == "reference" else 1
    run = executors([route()])[index].decide(TRIGGER, "sms", {})  # type: ignore[attr-defined]
    assert run.path == ("by_plan", "plain") and run.verdicts[0].otherwise_taken
    run = executors([route(otherwise=None)])[index].decide(TRIGGER, "sms", {})  # type: ignore[attr-defined]
    assert run.path == ("by_plan",) and run.actions == ()
    assert run.verdicts == (BranchVerdict("by_plan", ("false", "false"), False),)


def test_the_highest_priority_matching_workflow_runs_alone() -> None:
    flows = [route(1), route(5, VIP), route(3, Comparison("customer.seats", "gt", 10))]
    for executor in executors(flows):
        assert executor.decide(TRIGGER, "sms", {"customer.plan": "vip"}).workflow == "route5"  # type: ignore[attr-defined]
        assert executor.decide(TRIGGER, "sms", {"customer.seats": 11}).workflow == "route3"  # type: ignore[attr-defined]
        assert executor.decide(TRIGGER, "sms", {}).workflow == "route1"  # type: ignore[attr-defined]
        assert executor.decide(TRIGGER, "email", {}) is None  # type: ignore[attr-defined]
        assert executor.decide("conversation_reopened", "sms", {}) is None  # type: ignore[attr-defined]


def test_each_shared_test_runs_at_most_once_per_event(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def counting(operator: str, value: object, literal: object) -> bool:
        calls.append(f"{operator} {literal}")
        return semantics.test_value(operator, value, literal)  # type: ignore[arg-type]

    monkeypatch.setattr(_native, "test_value", counting)
    audience = AnyOf((Not(REFUND), REFUND))
    flows = [route(1, audience), route(2, Not(REFUND))]  # type: ignore[arg-type]
    native = NativeExecutor(compile_network(flows, WORKSPACE))
    native.decide(TRIGGER, "sms", {"message.body": "refund"})
    assert calls == ["contains refund"]


@pytest.mark.parametrize(
    ("operator", "literal", "values"),
    [
        ("equals", "pro", ["pro", "Pro", 1, None, ("pro",)]),
        ("in", ("a", "b"), ["a", "c", ("x", "b"), None, 3]),
        ("gt", 3, [3, 3.5, True, "4", None, 2**60]),
        ("lte", 2.5, [2.5, 3, -1e300, None]),
        ("exists", None, [None, 0, ""]),
        ("missing", None, [None, 0]),
    ],
)
def test_fast_paths_agree_with_semantics(
    operator: str, literal: object, values: list[object]
) -> None:
    check = _native.value_test(Test(0, "x", operator, literal))  # type: ignore[arg-type]
    for value in values:
        assert check(value) == semantics.test_value(operator, value, literal), value  # type: ignore[arg-type]


def test_native_reuses_one_run_per_path() -> None:
    native = NativeExecutor(compile_network([route()], WORKSPACE))
    first = native.decide(TRIGGER, "sms", {"customer.plan": "vip"})
    assert native.decide(TRIGGER, "sms", {"customer.plan": "vip"}) is first
