"""The reasoning behind the shadowing, unsatisfiable and overlap findings."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules_engine.logic import (
    branch_rules,
    exclusive_conditions,
    overlap,
    row_reachability,
    satisfiable,
)
from rules_engine.model import AllOf, AnyOf, BranchRow, BranchStep, Comparison, Condition, Not
from rules_engine.semantics import evaluate
from rules_engine.workspace import AttributeSpec, Workspace, builtin_attributes

SPECS = {
    "customer.plan": AttributeSpec("customer.plan", "enum", ("free", "pro", "enterprise")),
    "customer.seats": AttributeSpec("customer.seats", "number"),
    "customer.vip": AttributeSpec("customer.vip", "boolean"),
    "customer.since": AttributeSpec("customer.since", "timestamp"),
    "customer.labels": AttributeSpec("customer.labels", "list"),
    "customer.name": AttributeSpec("customer.name", "string"),
}
WORKSPACE = Workspace(attributes={**builtin_attributes(("sms",)), **SPECS})
BASE = datetime(2026, 1, 1, tzinfo=UTC)
WORDS = ["a", "ab", "b", "Straße", "STRASSE", "x"]

values_for = {
    "customer.plan": st.sampled_from(["free", "pro", "enterprise"]),
    "customer.seats": st.one_of(st.integers(-3, 12), st.sampled_from([2.5, 4.5])),
    "customer.vip": st.booleans(),
    "customer.since": st.integers(-3, 3).map(lambda d: BASE + timedelta(days=d)),
    "customer.labels": st.lists(st.sampled_from(WORDS), max_size=3).map(tuple),
    "customer.name": st.sampled_from(["", *WORDS, "ab x", "xab"]),
}
operators_for = {
    "customer.plan": ["equals", "not_equals", "in", "not_in"],
    "customer.seats": ["equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"],
    "customer.vip": ["equals", "not_equals"],
    "customer.since": ["equals", "not_equals", "gt", "gte", "lt", "lte"],
    "customer.labels": ["contains", "in", "not_in"],
    "customer.name": ["equals", "not_equals", "in", "not_in", "contains", "starts_with"],
}


@st.composite
def comparisons(draw: st.DrawFn) -> Comparison:
    name = draw(st.sampled_from(sorted(SPECS)))
    operator = draw(st.sampled_from([*operators_for[name], "exists", "missing"]))
    if operator in ("exists", "missing"):
        return Comparison(name, operator, None)
    if operator in ("in", "not_in"):
        literal = draw(st.lists(values_for[name], min_size=1, max_size=3).map(tuple))
        return Comparison(name, operator, literal)
    if name == "customer.labels":
        return Comparison(name, operator, draw(st.sampled_from(WORDS)))
    return Comparison(name, operator, draw(values_for[name]))


conditions: st.SearchStrategy[Condition] = st.recursive(
    comparisons(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda c: AllOf(tuple(c))),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: AnyOf(tuple(c))),
        inner.map(Not),
    ),
    max_leaves=6,
)
events = st.fixed_dictionaries({}, optional=values_for)


@settings(max_examples=400, deadline=None)
@given(conditions, st.lists(events, min_size=1, max_size=8))
def test_a_condition_that_holds_for_some_event_is_never_called_unsatisfiable(
    condition: Condition, sample: list[dict[str, object]]
) -> None:
    if any(evaluate(condition, event) for event in sample):
        assert satisfiable(condition, WORKSPACE)


@settings(max_examples=200, deadline=None)
@given(st.lists(conditions, min_size=1, max_size=4), events)
def test_exclusive_rules_fire_exactly_once(rows: list[Condition], event: dict[str, object]) -> None:
    step = BranchStep("s", tuple(BranchRow(c, f"t{i}") for i, c in enumerate(rows)), "else")
    fired = [target for rule, target in branch_rules(step) if evaluate(rule, event)]
    assert len(fired) == 1
    first = next((f"t{i}" for i, c in enumerate(rows) if evaluate(c, event)), "else")
    assert fired == [first]


def seats(operator: str, value: float) -> Comparison:
    return Comparison("customer.seats", operator, value)


def test_numeric_ranges() -> None:
    assert not satisfiable(AllOf((seats("gt", 5), seats("lt", 2))), WORKSPACE)
    assert satisfiable(AllOf((seats("gt", 5), seats("lt", 6))), WORKSPACE)
    assert not satisfiable(
        AllOf((seats("gte", 5), seats("lte", 5), seats("not_equals", 5))), WORKSPACE
    )


def test_a_missing_attribute_satisfies_negations() -> None:
    # not (seats > 3) holds when seats is missing, so it is satisfiable with seats < 0 false
    assert satisfiable(AllOf((Not(seats("gt", 3)), Not(seats("lte", 3)))), WORKSPACE)
    assert not satisfiable(
        AllOf(
            (
                Comparison("customer.seats", "exists", None),
                Not(seats("gt", 3)),
                Not(seats("lte", 3)),
            )
        ),
        WORKSPACE,
    )


def test_text_folds_case_like_the_executors() -> None:
    name = "customer.name"
    rule = exclusive_conditions(
        [Comparison(name, "contains", "straße"), Comparison(name, "contains", "STRASSE")]
    )[1]
    assert not satisfiable(rule, WORKSPACE)


def test_overlap_of_audiences() -> None:
    pro = Comparison("customer.plan", "equals", "pro")
    free = Comparison("customer.plan", "equals", "free")
    assert not overlap(pro, free, WORKSPACE)
    assert overlap(pro, None, WORKSPACE)
    assert overlap(None, None, WORKSPACE)


# -- numbers and times at the edges: reasoned about exactly ------------------------------

EDGE = Workspace(attributes={**builtin_attributes(("sms",)), **SPECS})
SEATS, SINCE = "customer.seats", "customer.since"
INF = float("inf")


@pytest.mark.parametrize(
    ("operator", "literal"),
    [
        ("lt", 1.0e300),
        ("lt", INF),
        ("gt", -INF),
        ("not_equals", INF),
        ("gt", 1.0e16),
        ("gt", 9007199254740992),
        ("gt", int("9" * 401)),
        ("lt", -float(2**1000)),
    ],
)
def test_comparisons_at_the_edges_of_floating_point_can_hold(operator: str, literal: Any) -> None:
    assert satisfiable(Comparison(SEATS, operator, literal), EDGE)


def test_between_two_numbers_only_values_an_event_can_carry_count() -> None:
    def between(low: Any, high: Any) -> bool:
        return satisfiable(
            AllOf((Comparison(SEATS, "gt", low), Comparison(SEATS, "lt", high))), EDGE
        )

    assert between(1, 2)  # 1.5
    assert between(2**53, 2**53 + 2)  # the integer 2**53 + 1, no double
    assert not between(2**53, 2**53 + 1)
    assert not between(1.0, 1.0000000000000002)  # neighbouring doubles
    assert between(0.1, 0.10000000000000003)
    assert not between(INF, INF)
    row = (Comparison(SEATS, "lte", 9007199254740992), Comparison(SEATS, "exists", None))
    assert satisfiable(exclusive_conditions(row)[1], EDGE)  # 9007199254740993


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999500, tzinfo=UTC),
    ],
)
def test_timestamps_at_the_ends_of_the_range(moment: datetime) -> None:
    for operator in ("gt", "lt", "gte", "lte", "equals", "not_equals"):
        assert satisfiable(Comparison(SINCE, operator, moment), EDGE), operator
    tick = timedelta(microseconds=1)
    assert not satisfiable(
        AllOf((Comparison(SINCE, "gt", BASE), Comparison(SINCE, "lt", BASE + tick))), EDGE
    )
    assert satisfiable(
        AllOf((Comparison(SINCE, "gt", BASE), Comparison(SINCE, "lt", BASE + 2 * tick))), EDGE
    )


EDGE_NUMBERS = (
    0, 1, -1, 0.5, 1e16, 2**53, 2**53 + 1, 1e300, 5e-324, -5e-324, 1.0000000000000002,
    int("9" * 401), INF, -INF, float("nan"),
)  # fmt: skip
EVENT_NUMBERS = sorted(
    {
        *(n for n in EDGE_NUMBERS if n == n and n not in (INF, -INF)),
        *(n + d for n in (0, 1, 2**53, int("9" * 401)) for d in (-1, 1)),
        *(math.nextafter(float(n), d) for n in (0, 1, 1e16, 1e300, 0.5) for d in (-INF, INF)),
        0.25,
        1.5,
        2**53 + 2,
        -(10**500),
    }
)


SEAT_OPERATORS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "exists",
                  "missing")  # fmt: skip


SEAT_OPERATORS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte")
SEAT_OPERATORS += ("exists", "missing")


@st.composite
def seat_tests(draw: st.DrawFn) -> Comparison:
    operator = draw(st.sampled_from(SEAT_OPERATORS))
    if operator in ("exists", "missing"):
        return Comparison(SEATS, operator, None)
    one = st.sampled_from(EDGE_NUMBERS)
    if operator in ("in", "not_in"):
        return Comparison(SEATS, operator, tuple(draw(st.lists(one, min_size=1, max_size=3))))
    return Comparison(SEATS, operator, draw(one))


seat_conditions: st.SearchStrategy[Condition] = st.recursive(
    seat_tests(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda c: AllOf(tuple(c))),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: AnyOf(tuple(c))),
        inner.map(Not),
    ),
    max_leaves=5,
)


@settings(max_examples=400, deadline=None)
@given(st.lists(seat_conditions, min_size=1, max_size=5))
def test_certain_number_findings_hold_for_every_value_at_the_edges(rows: list[Condition]) -> None:
    """ "Never" and "shadowed" are never contradicted by a value an event may carry, and
    the linear row check answers as the search on each exclusive rule does."""
    verdicts = row_reachability(rows, EDGE)
    exclusive = exclusive_conditions(rows)
    for k, verdict in enumerate(verdicts):
        expected = (
            "never"
            if not satisfiable(rows[k], EDGE)
            else "shadowed"
            if not satisfiable(exclusive[k], EDGE)
            else "holds"
        )
        assert verdict == expected
    for value in [None, *EVENT_NUMBERS]:
        event = {} if value is None else {SEATS: value}
        for k, verdict in enumerate(verdicts):
            if verdict == "never":
                assert not evaluate(rows[k], event), (k, value)
            if verdict != "holds":
                assert not evaluate(exclusive[k], event), (k, value)
