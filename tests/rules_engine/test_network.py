"""The compiled network: shared tests, exclusive branch rules, candidate tables."""

from __future__ import annotations

import math

import pytest
from builders import attribute, tagging, workspace
from builders import workflow as build

from rules_engine.compiler import compile_network
from rules_engine.errors import ValidationError
from rules_engine.logic import branch_rules
from rules_engine.model import (
    ActionStep,
    AllOf,
    BranchRow,
    BranchStep,
    Comparison,
    Condition,
    Not,
    Workflow,
)
from rules_engine.network import AllNode, NotNode, TestNode, index_key, node_tests

WORKSPACE = workspace(
    attribute("customer.plan", "enum", "free", "pro", "vip"), attribute("customer.seats", "number")
)
PRO = Comparison("customer.plan", "equals", "pro")
REFUND = Comparison("message.body", "contains", "refund")


def workflow(
    name: str,
    priority: int,
    audience: Condition | None = None,
    channels: tuple[str, ...] | None = None,
    rows: tuple[BranchRow, ...] = (BranchRow(PRO, "done"),),
) -> Workflow:
    steps = [BranchStep("start", rows, "done"), tagging("done", name)]
    return build(name, steps, priority=priority, audience=audience, channels=channels)


def test_every_distinct_test_exists_once_and_is_shared() -> None:
    flows = [
        workflow("a", 1, PRO),
        workflow("b", 2, AllOf((PRO, REFUND)), rows=(BranchRow(REFUND, "done"),)),
    ]
    network = compile_network(flows, WORKSPACE)
    assert sorted((t.attribute, t.operator, t.value) for t in network.tests) == [
        ("customer.plan", "equals", "pro"),
        ("message.body", "contains", "refund"),
    ]
    a, b = network.workflows
    assert a.audience == TestNode(0) and node_tests(b.audience) == {0, 1}  # type: ignore[arg-type]


def test_values_python_calls_equal_stay_distinct_tests() -> None:
    flows = [
        workflow(f"w{k}", k, Comparison("customer.seats", "equals", v))
        for k, v in enumerate((1, 1.0, True))
    ]
    tests = compile_network(flows, WORKSPACE).tests
    assert len([t for t in tests if t.attribute == "customer.seats"]) == 3


def test_branch_rows_become_mutually_exclusive_rules_with_else_last() -> None:
    rows = (BranchRow(PRO, "done"), BranchRow(REFUND, "done"))
    network = compile_network([workflow("a", 1, rows=rows)], WORKSPACE)
    step = network.workflows[0].steps["start"]
    assert [rule.row for rule in step.rules] == [0, 1, None]  # type: ignore[union-attr]
    second = step.rules[1].condition  # type: ignore[union-attr]
    assert second == AllNode((TestNode(1), NotNode(TestNode(0))))


def test_candidates_are_in_priority_order_and_filtered_by_channel() -> None:
    flows = [workflow("low", 1), workflow("high", 9, channels=("sms",)), workflow("mid", 5)]
    network = compile_network(flows, WORKSPACE)
    sms = network.table("customer_sends_first_message", "sms")
    email = network.table("customer_sends_first_message", "email")
    assert sms is not None and email is not None
    names = [network.workflows[i].name for i in sms.ordered]
    assert names == ["high", "mid", "low"]
    assert [network.workflows[i].name for i in email.ordered] == ["mid", "low"]


def test_top_level_equality_and_in_audiences_are_indexed() -> None:
    flows = [
        workflow("pro", 3, AllOf((PRO, REFUND))),
        workflow("either", 2, Comparison("customer.plan", "in", ("pro", "vip"))),
        workflow("open", 1, Not(PRO)),
    ]
    table = compile_network(flows, WORKSPACE).table("customer_sends_first_message", "sms")
    assert table is not None
    assert table.unindexed == (2,)
    (index,) = table.indexes
    assert index.attribute == "customer.plan"
    assert index.buckets[("s", "pro")] == (0, 1)
    assert index.buckets[("s", "vip")] == (1,)


def test_index_keys_tell_booleans_from_numbers_and_never_match_nan() -> None:
    assert index_key(True) != index_key(1)
    assert index_key(1) == index_key(1.0)
    assert index_key(math.nan) is None
    assert index_key(("a",)) is None


def test_graphs_no_executor_can_walk_are_refused() -> None:
    broken = workflow("a", 1, rows=(BranchRow(PRO, "nowhere"),))
    with pytest.raises(ValidationError, match="E-unknown-step"):
        compile_network([broken], WORKSPACE)
    loop = build("loop", [ActionStep("x", (), "y"), ActionStep("y", (), "x")])
    with pytest.raises(ValidationError, match="E-cycle"):
        compile_network([loop], WORKSPACE)


def test_branch_rules_are_logic_branch_rules_sharing_the_compiled_rows() -> None:
    seats = Comparison("customer.seats", "gt", 3)
    rows = (
        BranchRow(PRO, "done"),
        BranchRow(AllOf((REFUND, Not(seats))), "done"),
        BranchRow(seats, "done"),
    )
    flow = workflow("w", 1, rows=rows)
    network = compile_network([flow], WORKSPACE)
    step = network.workflows[0].steps["start"]
    assert not isinstance(step, ActionStep)

    def shape(node: object) -> object:
        if isinstance(node, TestNode):
            test = network.tests[node.test]
            return (test.attribute, test.operator, test.value)
        if isinstance(node, NotNode):
            return ("not", shape(node.child))
        return (type(node).__name__, tuple(shape(c) for c in node.children))  # type: ignore[attr-defined]

    def model_shape(condition: Condition) -> object:
        if isinstance(condition, Comparison):
            return (condition.attribute, condition.operator, condition.value)
        if isinstance(condition, Not):
            return ("not", model_shape(condition.condition))
        kind = "AllNode" if isinstance(condition, AllOf) else "AnyNode"
        return (kind, tuple(model_shape(c) for c in condition.conditions))

    original = flow.steps["start"]
    assert isinstance(original, BranchStep)
    expected = [(model_shape(c), target) for c, target in branch_rules(original)]
    assert [(shape(rule.condition), rule.target) for rule in step.rules] == expected  # type: ignore[union-attr]
    assert [rule.row for rule in step.rules] == [0, 1, 2, None]  # type: ignore[union-attr]
    assert step.rules[2].condition.children[0] is step.rows[2]  # type: ignore[union-attr]
