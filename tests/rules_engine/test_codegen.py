"""The native executor's generated code: tricky literals, shared shapes, the fallbacks."""

from __future__ import annotations

import pytest
from builders import attribute, branch, tagging, workspace
from builders import workflow as build

from rules_engine import _codegen, _native, semantics
from rules_engine._native import NativeExecutor
from rules_engine.compiler import compile_network
from rules_engine.model import (
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Not,
    Workflow,
)
from rules_engine.reference import ReferenceInterpreter

WORKSPACE = workspace(
    attribute("customer.name", "string"),
    attribute("customer.seats", "number"),
    attribute("customer.vip", "boolean"),
    attribute("customer.labels", "list"),
)
TRIGGER = "customer_sends_first_message"
TRICKY_TEXT = (
    "it's",
    'say "hi"',
    "back\\slash",
    "line\nbreak",
    "tab\tand\r",
    "Straße",
    "日本語",
    "\ud800",
    "{name}",
    "k0",
    "') or True or ('",
    "",
)
TRICKY_NUMBERS = (0, -0.0, 1, -1, 0.1, 1e300, -1e-300, 2**53 + 1, 10**40, -(10**40), 2.5)
VALUES: tuple[object, ...] = (
    *TRICKY_TEXT,
    *TRICKY_NUMBERS,
    True,
    False,
    None,
    ("it's", "k0"),
    float("inf"),
)


def _flow(
    name: str, priority: int, rows: list[Condition], audience: Condition | None = None
) -> Workflow:
    targets = [f"t{k}" for k in range(len(rows))]
    steps = [
        branch("route", zip(rows, targets, strict=True), "other"),
        tagging("other", "other"),
        *(tagging(target, target) for target in targets),
    ]
    return build(name, steps, priority=priority, audience=audience)


def _agree(flows: list[Workflow], events: list[dict[str, object]]) -> None:
    native = NativeExecutor(compile_network(flows, WORKSPACE))
    reference = ReferenceInterpreter(flows)
    for attributes in events:
        expected = reference.decide(TRIGGER, "sms", attributes)
        assert native.decide(TRIGGER, "sms", attributes) == expected, attributes


@pytest.mark.parametrize("operator", ["equals", "not_equals", "contains", "starts_with"])
def test_tricky_text_literals_compare_as_written(operator: str) -> None:
    rows: list[Condition] = [Comparison("customer.name", operator, t) for t in TRICKY_TEXT]
    _agree([_flow("w", 1, rows)], [{"customer.name": v} for v in VALUES])


@pytest.mark.parametrize("operator", ["equals", "not_equals", "gt", "gte", "lt", "lte"])
def test_tricky_number_literals_compare_as_written(operator: str) -> None:
    rows: list[Condition] = [Comparison("customer.seats", operator, n) for n in TRICKY_NUMBERS]
    _agree([_flow("w", 1, rows)], [{"customer.seats": v} for v in VALUES])


def test_booleans_are_not_numbers() -> None:
    rows: list[Condition] = [
        Comparison("customer.vip", "equals", True),
        Comparison("customer.seats", "equals", 1),
        Comparison("customer.vip", "equals", False),
        Comparison("customer.seats", "gte", 0),
    ]
    events: list[dict[str, object]] = [
        {"customer.vip": v, "customer.seats": v} for v in (True, False, 1, 0, 1.0, None)
    ]
    _agree([_flow("w", 1, rows)], events)


def test_in_and_not_in_on_text_and_lists() -> None:
    literal = ("it's", "a\\b", "Straße")
    rows: list[Condition] = [
        Comparison("customer.labels", "in", literal),
        Comparison("customer.name", "in", literal),
        Comparison("customer.name", "not_in", literal),
        Comparison("customer.labels", "not_in", literal),
    ]
    names: tuple[object, ...] = (*literal, "x", None)
    events: list[dict[str, object]] = [{"customer.name": v} for v in names]
    events += [{"customer.labels": v} for v in (("Straße",), ("x",), ())]
    _agree([_flow("w", 1, rows)], events)


def test_no_user_text_reaches_the_source() -> None:
    rows: list[Condition] = [Comparison("customer.name", "equals", t) for t in TRICKY_TEXT]
    rows.append(Comparison("customer.seats", "gt", 10**40))
    network = compile_network([_flow("w", 1, rows)], WORKSPACE)
    generator = _codegen.Generator(
        network.tests, [lambda v, m: False] * len(network.tests), [1] * len(network.tests)
    )
    generator.walk(network.workflows[0], lambda choices: None)  # type: ignore[arg-type,return-value]
    source = generator.source
    assert "customer" not in source and "'" not in source and '"' not in source
    assert str(10**40) not in source


def test_workflows_of_one_shape_share_one_code_object() -> None:
    flows = [
        _flow(
            f"w{k}",
            k,
            [Comparison("customer.name", "equals", f"n{k}"), Comparison("customer.seats", "gt", k)],
        )
        for k in range(5)
    ]
    native = NativeExecutor(compile_network(flows, WORKSPACE))
    walks = {
        id(entry[2].__code__)
        for table in native._tables[TRIGGER].values()
        for entry in table.ordered
    }
    assert len(walks) == 1
    _agree(
        flows, [{"customer.name": f"n{k}", "customer.seats": s} for k in range(6) for s in (0, 3)]
    )


def _deep(depth: int) -> Condition:
    condition: Condition = Comparison("customer.seats", "gt", 1)
    for level in range(depth):
        other = Comparison("customer.name", "contains", f"x{level}")
        condition = AllOf((condition, other)) if level % 2 else AnyOf((Not(condition), other))
    return condition


def test_deep_conditions_fall_back_to_closures() -> None:
    flows = [
        _flow(
            "w",
            1,
            [_deep(_codegen.MAX_DEPTH + 5), _deep(3)],
            audience=_deep(_codegen.MAX_DEPTH + 5),
        )
    ]
    events: list[dict[str, object]] = [
        {"customer.seats": s, "customer.name": n} for s in (0, 2) for n in ("x1", "x2 x30", "")
    ]
    _agree(flows, events)


def test_workflows_with_many_paths_are_walked_step_by_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_codegen, "MAX_PATHS", 1)
    rows: list[Condition] = [
        Comparison("customer.seats", "gt", 5),
        Comparison("customer.name", "equals", "a"),
    ]
    flows = [_flow("w", 1, rows)]
    native = NativeExecutor(compile_network(flows, WORKSPACE))
    walk = native._tables[TRIGGER]["sms"].ordered[0][2]
    assert getattr(walk, "func", None) is _native._walk
    _agree(flows, [{"customer.seats": s, "customer.name": n} for s in (1, 9) for n in ("a", "b")])


def test_a_costly_test_shared_by_audiences_and_rows_runs_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    def counting(operator: str, value: object, literal: object) -> bool:
        calls.append(f"{operator} {literal}")
        return semantics.test_value(operator, value, literal)  # type: ignore[arg-type]

    monkeypatch.setattr(_native, "test_value", counting)
    refund = Comparison("message.body", "contains", "refund")
    flows = [
        _flow(
            "high", 3, [refund], audience=AllOf((refund, Comparison("customer.seats", "gt", 100)))
        ),
        _flow("low", 1, [Not(refund), refund], audience=AnyOf((refund, Not(refund)))),
    ]
    native = NativeExecutor(compile_network(flows, WORKSPACE))
    run = native.decide(TRIGGER, "sms", {"message.body": "a REFUND", "customer.seats": 1})
    assert run is not None and run.workflow == "low" and run.path == ("route", "t1")
    assert calls == ["contains refund"]
