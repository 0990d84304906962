"""The speed-ups keep the answers: range index, residual audiences, fast normalising, overlaps."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine import semantics
from rules_engine._native import NativeExecutor
from rules_engine.compiler import compile_network, range_index
from rules_engine.engine import Engine
from rules_engine.errors import EventError
from rules_engine.events import ConversationEvent
from rules_engine.logic import OverlapCheck, overlap
from rules_engine.model import (
    Action,
    ActionStep,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Not,
    Workflow,
)
from rules_engine.network import Test
from rules_engine.reference import ReferenceInterpreter
from rules_engine.semantics import normalise_attributes
from rules_engine.workspace import AttributeSpec, Workspace, builtin_attributes

WORKSPACE = Workspace(
    attributes={
        **builtin_attributes(("sms", "email")),
        "customer.plan": AttributeSpec("customer.plan", "enum", ("free", "pro", "vip")),
        "customer.seats": AttributeSpec("customer.seats", "number"),
        "customer.vip": AttributeSpec("customer.vip", "boolean"),
        "customer.labels": AttributeSpec("customer.labels", "list"),
    },
    channels=("sms", "email"),
)
TRIGGER = "customer_sends_first_message"
EDGES = (0, 1, -1, 0.5, 1.0, 2**53 + 1, -(2**60), 1e300, float("inf"), float("-inf"), -0.0)
numbers = st.one_of(
    st.sampled_from(EDGES), st.integers(-5, 5), st.floats(allow_nan=False, width=64)
)
bounds = st.tuples(st.sampled_from(("gt", "gte", "lt", "lte")), numbers)


@settings(max_examples=300, deadline=None)
@given(
    members=st.lists(st.lists(bounds, min_size=1, max_size=3), min_size=1, max_size=6),
    values=st.lists(numbers, min_size=1, max_size=8),
)
def test_a_range_slot_holds_exactly_the_workflows_whose_bounds_hold(
    members: list[list[tuple[str, float]]], values: list[float]
) -> None:
    entries = [
        (wid, [Test(0, "x", op, literal) for op, literal in tests])
        for wid, tests in enumerate(members)
    ]
    index = range_index("x", entries)
    assert index is not None
    for value in [*values, *index.bounds]:
        expected = [
            wid
            for wid, tests in entries
            if all(semantics.test_value(t.operator, value, t.value) for t in tests)
        ]
        assert list(index.slots[index.slot(value)]) == expected, value


def _workflow(name: str, priority: int, audience: Condition | None) -> Workflow:
    steps = {"done": ActionStep("done", (Action("tag", (name,)),), None)}
    return Workflow(name, TRIGGER, None, audience, priority, "done", steps, f"{name}.yaml")


comparisons = st.one_of(
    st.builds(
        Comparison,
        st.just("customer.seats"),
        st.sampled_from(("gt", "gte", "lt", "lte", "equals")),
        numbers,
    ),
    st.builds(
        Comparison, st.just("customer.plan"), st.just("equals"), st.sampled_from(("pro", "vip"))
    ),
    st.builds(Comparison, st.just("customer.vip"), st.just("equals"), st.booleans()),
)
audiences = st.one_of(
    st.none(),
    comparisons,
    st.lists(comparisons, min_size=1, max_size=3).map(lambda cs: AllOf(tuple(cs))),
    comparisons.map(Not),
)
seat_values = st.one_of(st.none(), numbers, st.just(float("nan")), st.just(True), st.just("5"))


@settings(max_examples=300, deadline=None)
@given(
    audiences=st.lists(audiences, min_size=1, max_size=6),
    seats=st.lists(seat_values, min_size=1, max_size=5),
    plan=st.sampled_from((None, "pro", "vip")),
)
def test_indexed_candidates_choose_what_the_reference_chooses(
    audiences: list[Condition | None], seats: list[object], plan: str | None
) -> None:
    flows = [_workflow(f"w{k}", k, audience) for k, audience in enumerate(audiences)]
    native = NativeExecutor(compile_network(flows, WORKSPACE))
    reference = ReferenceInterpreter(flows)
    for value in seats:
        attributes = {"customer.seats": value, "customer.plan": plan}
        attributes = {k: v for k, v in attributes.items() if v is not None}
        expected = reference.decide(TRIGGER, "sms", attributes)
        assert native.decide(TRIGGER, "sms", attributes) == expected


def test_numeric_bounds_are_range_indexed_and_left_out_of_the_audience_check() -> None:
    seats = Comparison("customer.seats", "gte", 10)
    flows = [_workflow("big", 2, AllOf((seats, Comparison("customer.seats", "lt", 20))))]
    flows.append(_workflow("any", 1, Comparison("message.body", "contains", "x")))
    table = compile_network(flows, WORKSPACE).table(TRIGGER, "sms")
    assert table is not None and table.unindexed == (1,)
    (index,) = table.ranges
    assert index.bounds == (10, 20)
    assert [index.slots[index.slot(v)] for v in (9, 10, 15, 20)] == [(), (0,), (0,), ()]
    assert table.covered[0] == frozenset({0, 1})


event_values = st.one_of(
    st.none(), st.sampled_from(("pro", "nope", "")), numbers, st.booleans(), st.just(["a"])
)


@settings(max_examples=300, deadline=None)
@given(
    customer=st.dictionaries(
        st.sampled_from(("plan", "seats", "vip", "labels", "undeclared", "phone")), event_values
    ),
    conversation=st.dictionaries(st.sampled_from(("channel", "tags", "x")), event_values),
    channel=st.sampled_from(("sms", "email")),
)
def test_engine_attributes_match_the_plain_normalising(
    customer: dict[str, object], conversation: dict[str, object], channel: str
) -> None:
    engine = Engine([], WORKSPACE, "native")
    at = datetime(2026, 1, 5, tzinfo=UTC)
    event = ConversationEvent(TRIGGER, channel, at, customer, conversation, {"body": "hi"})
    try:
        expected: object = normalise_attributes(WORKSPACE, event.attributes())
    except EventError as error:
        expected = str(error)
    if isinstance(expected, dict):  # the engine also refuses NaN and infinity
        for name, value in expected.items():
            if isinstance(value, float) and not math.isfinite(value):
                expected = f"{name}: expected a finite number, got {value!r}"
                break
    try:
        found: object = engine.attributes(event)
    except EventError as error:
        found = str(error)
    assert found == expected
    if isinstance(found, dict) and isinstance(expected, dict):
        assert list(found) == list(expected)  # the same order


@settings(max_examples=300, deadline=None)
@given(first=audiences, second=audiences)
def test_the_overlap_shortcut_gives_the_search_answer(
    first: Condition | None, second: Condition | None
) -> None:
    check = OverlapCheck(WORKSPACE)
    expected = overlap(first, second, WORKSPACE)
    assert check.overlap(first, second) == expected
    assert check.overlap(first, second) == expected  # memoised


def test_disjoint_values_skip_the_search_but_lists_do_not() -> None:
    check = OverlapCheck(WORKSPACE)
    pro, vip = (Comparison("customer.plan", "equals", v) for v in ("pro", "vip"))
    assert not check.overlap(pro, AllOf((vip, Comparison("customer.seats", "gt", 1))))
    a, b = (Comparison("customer.labels", "in", (v,)) for v in ("a", "b"))
    assert check.overlap(a, b)  # a list may hold both
    assert check.overlap(pro, AnyOf((pro, vip)))
