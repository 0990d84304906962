"""Reasoning about conditions, shared by the compiler and the checks.

Ordered branches become mutually exclusive rules: row k fires when its condition holds
and no earlier row's does (`exclusive_conditions`).  The checks ask the same question
the other way round: a row whose exclusive condition can never hold is shadowed; two
audiences that can hold together overlap (`satisfiable`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

from .model import AllOf, BranchStep, Comparison, Condition, Not, Value
from .semantics import test_value
from .workspace import AttributeSpec, Workspace


def exclusive_conditions(conditions: Sequence[Condition]) -> tuple[Condition, ...]:
    """For ordered conditions c1..cn: (c1, c2 ∧ ¬c1, c3 ∧ ¬c1 ∧ ¬c2, ...)."""
    exclusive: list[Condition] = []
    for k, condition in enumerate(conditions):
        earlier = tuple(Not(c) for c in conditions[:k])
        exclusive.append(AllOf((condition, *earlier)) if earlier else condition)
    return tuple(exclusive)


def otherwise_condition(step: BranchStep) -> Condition:
    """When a branch step's `else` is taken: no row holds."""
    return AllOf(tuple(Not(row.when) for row in step.rows))


def branch_rules(step: BranchStep) -> tuple[tuple[Condition, str | None], ...]:
    """The step as mutually exclusive (condition, target) rules, `else` last."""
    rows = exclusive_conditions([row.when for row in step.rows])
    rules = tuple(zip(rows, (row.then for row in step.rows), strict=True))
    return (*rules, (otherwise_condition(step), step.otherwise))


# --- satisfiability -------------------------------------------------------------------
#
# A condition is searched as a tree of choices (a disjunction is a choice) that keeps,
# for every attribute, the literals (comparison, polarity) assumed so far.  An attribute's
# literals are checked by trying witness values built from the constants they mention,
# with `semantics.test_value` as the judge, so the reasoning can never disagree with the
# executors.  Where no witness is found and no rule proves a contradiction (free text
# against regular expressions, say), the answer is "satisfiable": a finding is only
# reported when it is certain.

Literal = tuple[Comparison, bool]
_BUDGET = 20_000


class _Unknown(Exception):
    """The search ran out of budget: assume satisfiable."""


def satisfiable(condition: Condition | None, workspace: Workspace) -> bool:
    """Whether some event could make the condition hold (None always holds)."""
    if condition is None:
        return True
    search = _Search(workspace)
    try:
        return search.run([(condition, True)], {})
    except _Unknown:
        return True


def overlap(first: Condition | None, second: Condition | None, workspace: Workspace) -> bool:
    """Whether some event satisfies both conditions."""
    parts = tuple(c for c in (first, second) if c is not None)
    return satisfiable(AllOf(parts), workspace) if parts else True


class _Search:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.steps = 0

    def run(self, pending: list[tuple[Condition, bool]], known: dict[str, list[Literal]]) -> bool:
        pending = list(pending)
        known = {name: list(literals) for name, literals in known.items()}
        while pending:
            self.steps += 1
            if self.steps > _BUDGET:
                raise _Unknown
            condition, positive = pending.pop()
            if isinstance(condition, Not):
                pending.append((condition.condition, not positive))
            elif isinstance(condition, Comparison):
                literals = known.setdefault(condition.attribute, [])
                literals.append((condition, positive))
                if not self.attribute_satisfiable(condition.attribute, literals):
                    return False
            elif isinstance(condition, AllOf) == positive:
                pending.extend((child, positive) for child in condition.conditions)
            else:
                return any(
                    self.run([*pending, (child, positive)], known) for child in condition.conditions
                )
        return True

    def attribute_satisfiable(self, name: str, literals: list[Literal]) -> bool:
        spec = self.workspace.attribute(name)
        for value in _witnesses(spec.type if spec else "string", spec, literals):
            if all(test_value(c.operator, value, c.value) == pos for c, pos in literals):
                return True
        if spec is not None and spec.type != "string":
            return False  # the witnesses cover every case for the other types
        return not _text_contradiction(literals) and _may_hold_on_text(literals)


def _constants(literals: Sequence[Literal]) -> list[object]:
    found: list[object] = []
    for comparison, _ in literals:
        value = comparison.value
        found.extend(value if isinstance(value, tuple) else (value,))
    return [value for value in found if value is not None]


def _witnesses(kind: str, spec: AttributeSpec | None, literals: Sequence[Literal]) -> list[object]:
    constants = _constants(literals)
    candidates: list[object] = [None]
    if kind == "boolean":
        candidates += [True, False]
    elif kind == "enum":
        candidates += list(spec.values if spec else ())
    elif kind == "number":
        candidates += _points([c for c in constants if isinstance(c, int | float)], 0.5)
    elif kind == "timestamp":
        times = [c for c in constants if isinstance(c, datetime)]
        candidates += _points(times, timedelta(milliseconds=1))
    elif kind == "list":
        words = sorted({c for c in constants if isinstance(c, str)})[:8]
        candidates += [tuple(s) for n in range(len(words) + 1) for s in combinations(words, n)]
        candidates.append(("\u2063other",))
    else:
        candidates += _text_witnesses(literals, constants)
    return candidates


def _points(values: Sequence[Any], step: Any) -> list[object]:
    """Each constant, just around it, between each pair, and beyond both ends."""
    if not values:
        return [0]
    ordered = sorted(set(values))
    points: list[object] = [ordered[0] - step, ordered[-1] + step]
    for value in ordered:
        points += [value, value - step, value + step]
    for low, high in itertools.pairwise(ordered):
        points.append(low + (high - low) / 2)
    return points


def _text_witnesses(literals: Sequence[Literal], constants: list[object]) -> list[object]:
    texts = [c for c in constants if isinstance(c, str)]
    prefixes = [c.value for c, pos in literals if pos and c.operator == "starts_with"]
    parts = [c.value for c, pos in literals if pos and c.operator == "contains"]
    longest = max((p for p in prefixes if isinstance(p, str)), key=len, default="")
    built = longest + "".join(p for p in parts if isinstance(p, str))
    return [*texts, built, "", "\u2063other"]


def _text_contradiction(literals: Sequence[Literal]) -> bool:
    """Pairs of text literals that cannot hold together, beyond what witnesses find."""
    positive = [(c.operator, _folded(c.value)) for c, pos in literals if pos]
    negative = [(c.operator, _folded(c.value)) for c, pos in literals if not pos]
    for op, value in positive:
        for neg_op, neg_value in negative:
            if (op, value) == (neg_op, neg_value):
                return True
            if neg_op == "contains" and op in ("contains", "starts_with") and neg_value in value:
                return True
            if neg_op == "starts_with" and op == "starts_with" and value.startswith(neg_value):
                return True
    starts = [value for op, value in positive if op == "starts_with"]
    return any(not (a.startswith(b) or b.startswith(a)) for a in starts for b in starts)


def _folded(value: Value) -> str:
    return value.casefold() if isinstance(value, str) else repr(value)


def _may_hold_on_text(literals: Sequence[Literal]) -> bool:
    """No witness was found: only free-text tests may still hold together."""
    exact = {"equals", "in"}
    return not any(pos and c.operator in exact for c, pos in literals)
