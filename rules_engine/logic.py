"""Reasoning about conditions, shared by the compiler and the checks.

Ordered branches become mutually exclusive rules: row k fires when its condition holds
and no earlier row's does (`exclusive_conditions`).  The checks ask the same question
the other way round: a row whose exclusive condition can never hold is shadowed; two
audiences that can hold together overlap (`satisfiable`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from itertools import combinations
from typing import Literal as Literal_

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

    def run(
        self,
        pending: list[tuple[Condition, bool]],
        known: dict[str, list[Literal]],
        numbers: dict[str, _Numbers] | None = None,
    ) -> bool:
        pending = list(pending)
        known = {name: list(literals) for name, literals in known.items()}
        numbers = {name: state.copy() for name, state in (numbers or {}).items()}
        while pending:
            self.steps += 1
            if self.steps > _BUDGET:
                raise _Unknown
            condition, positive = pending.pop()
            if isinstance(condition, Not):
                pending.append((condition.condition, not positive))
            elif isinstance(condition, Comparison):
                if not self.add(condition, positive, known, numbers):
                    return False
            elif isinstance(condition, AllOf) == positive:
                pending.extend((child, positive) for child in condition.conditions)
            else:
                return any(
                    self.run([*pending, (child, positive)], known, numbers)
                    for child in condition.conditions
                )
        return True

    def add(
        self,
        comparison: Comparison,
        positive: bool,
        known: dict[str, list[Literal]],
        numbers: dict[str, _Numbers],
    ) -> bool:
        """Assume one literal; False when the attribute's literals can no longer hold."""
        name = comparison.attribute
        spec = self.workspace.attribute(name)
        if spec is not None and spec.type == "number":
            state = numbers.get(name)
            if state is None:
                state = numbers[name] = _Numbers()
            state.add(comparison.operator, comparison.value, positive)
            return state.satisfiable()
        literals = known.setdefault(name, [])
        literals.append((comparison, positive))
        return self.attribute_satisfiable(name, literals)

    def absorb(
        self,
        condition: Condition,
        positive: bool,
        known: dict[str, list[Literal]],
        numbers: dict[str, _Numbers],
    ) -> bool | None:
        """Assume a condition that is a plain conjunction, in place: whether it can still
        hold, or None (nothing assumed for sure) when it would need a choice."""
        pending = [(condition, positive)]
        literals: list[Literal] = []
        while pending:
            condition, positive = pending.pop()
            if isinstance(condition, Not):
                pending.append((condition.condition, not positive))
            elif isinstance(condition, Comparison):
                literals.append((condition, positive))
            elif isinstance(condition, AllOf) == positive:
                pending.extend((child, positive) for child in condition.conditions)
            elif len(condition.conditions) == 1:
                pending.append((condition.conditions[0], positive))
            else:
                return None
        holds = True
        for comparison, literal_positive in literals:
            holds = self.add(comparison, literal_positive, known, numbers) and holds
        return holds

    def attribute_satisfiable(self, name: str, literals: list[Literal]) -> bool:
        spec = self.workspace.attribute(name)
        for value in _witnesses(spec.type if spec else "string", spec, literals):
            if all(test_value(c.operator, value, c.value) == pos for c, pos in literals):
                return True
        if spec is not None and spec.type != "string":
            return False  # the witnesses cover every case for the other types
        return not _text_contradiction(literals) and _may_hold_on_text(literals)


def row_reachability(
    conditions: Sequence[Condition], workspace: Workspace
) -> list[Literal_["holds", "never", "shadowed"]]:
    """For ordered branch rows: whether each can hold and be taken.

    "never": the row's condition can never hold; "shadowed": it can, but never when
    no earlier row holds.  The same answers as `satisfiable` on `exclusive_conditions`,
    in about linear time: the negations of the earlier rows are assumed once, in order,
    as long as each is a plain conjunction (numbers keep a bounds-and-sets state whose
    checks do not grow with the rows); a row after one that needs a choice is searched
    in full.
    """
    verdicts: list[Literal_["holds", "never", "shadowed"]] = []
    known: dict[str, list[Literal]] | None = {}
    numbers: dict[str, _Numbers] = {}
    prefix_holds = True
    for k, condition in enumerate(conditions):
        if not satisfiable(condition, workspace):
            verdicts.append("never")
        elif not prefix_holds:
            verdicts.append("shadowed")
        elif known is not None:
            try:
                taken = _Search(workspace).run([(condition, True)], known, numbers)
            except _Unknown:
                taken = True
            verdicts.append("holds" if taken else "shadowed")
        else:
            exclusive = exclusive_conditions(conditions[: k + 1])[k]
            verdicts.append("holds" if satisfiable(exclusive, workspace) else "shadowed")
        if known is not None and prefix_holds:
            absorbed = _Search(workspace).absorb(condition, False, known, numbers)
            if absorbed is None:
                known = None  # a choice: later rows are searched in full
            elif not absorbed:
                prefix_holds = False  # no event gets past this row
    return verdicts


class _Numbers:
    """What the literals assumed so far allow a number attribute to be, exactly.

    Missing is allowed while every literal holds for a missing value.  A present value
    is any int or finite double within the bounds, in `allowed` (when some literal
    requires one of a few values), and not in `excluded`.  `semantics.test_value` is
    the judge it mirrors (see the property test in tests/rules_engine/test_logic.py).
    """

    __slots__ = (
        "allowed",
        "excluded",
        "high",
        "high_open",
        "low",
        "low_open",
        "missing_ok",
        "never",
    )  # fmt: skip

    def __init__(self) -> None:
        self.missing_ok = True
        self.never = False  # no present value can hold
        self.low: int | float | None = None
        self.low_open = False
        self.high: int | float | None = None
        self.high_open = False
        self.allowed: set[int | float] | None = None
        self.excluded: set[int | float] = set()

    def copy(self) -> _Numbers:
        other = _Numbers.__new__(_Numbers)
        for slot in _Numbers.__slots__:
            setattr(other, slot, getattr(self, slot))
        other.excluded = set(self.excluded)
        other.allowed = None if self.allowed is None else set(self.allowed)
        return other

    def add(self, operator: str, literal: Value, positive: bool) -> None:
        if test_value(operator, None, literal) != positive:
            self.missing_ok = False
        if operator in ("exists", "missing"):
            if (operator == "missing") == positive:
                self.never = True
            return
        if operator in ("equals", "not_equals", "in", "not_in"):
            items = literal if isinstance(literal, tuple) else (literal,)
            members: set[int | float] = {
                v
                for v in items
                if isinstance(v, int | float) and not isinstance(v, bool) and v == v
            }  # NaN equals nothing
            inside = (operator in ("equals", "in")) == positive
            if inside:
                finite = {v for v in members if isinstance(v, int) or math.isfinite(v)}
                self.allowed = finite if self.allowed is None else self.allowed & finite
            else:
                self.excluded |= members
            return
        if operator in _FLIP and _is_number(literal) and literal == literal:
            bound = operator if positive else _FLIP[operator]
            self._bound(bound, literal)  # type: ignore[arg-type]
        elif positive:
            self.never = True  # contains, starts_with, matches, or an unordered literal

    def _bound(self, operator: str, value: int | float) -> None:
        open_ = operator in ("gt", "lt")
        if operator in ("gt", "gte"):
            if self.low is None or value > self.low or (value == self.low and open_):
                self.low, self.low_open = value, open_
        elif self.high is None or value < self.high or (value == self.high and open_):
            self.high, self.high_open = value, open_

    def satisfiable(self) -> bool:
        if self.missing_ok:
            return True
        if self.never:
            return False
        if self.allowed is not None:
            return any(self._within(v) and v not in self.excluded for v in self.allowed)
        low, high = self.low, self.high
        if low == math.inf or high == -math.inf:
            return False  # no event carries an infinity
        if low is not None and low != -math.inf:
            value: int | float | None = _next_number(low, 1) if self.low_open else low
            direction = 1
        elif high is not None and high != math.inf:
            value = _next_number(high, -1) if self.high_open else high
            direction = -1
        else:
            value, direction = 0, 1
        for _ in range(len(self.excluded) + 1):
            if value is None or not self._within(value):
                return False
            if value not in self.excluded:
                return True
            value = _next_number(value, direction)
        return False

    def _within(self, value: int | float) -> bool:
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return not (
            self.high is not None and (value > self.high or (self.high_open and value == self.high))
        )


_FLIP = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _next_number(value: int | float, direction: int) -> int | float | None:
    """The nearest value an event may carry beyond `value` (int or finite double)."""
    whole = math.floor(value) + 1 if direction > 0 else math.ceil(value) - 1
    try:
        step = math.nextafter(float(value), direction * math.inf)
    except OverflowError:
        return whole
    while (step <= value) if direction > 0 else (step >= value):
        step = math.nextafter(step, direction * math.inf)
    if math.isinf(step):
        return whole
    return min(whole, step) if direction > 0 else max(whole, step)


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
        candidates += _number_points(constants)
    elif kind == "timestamp":
        candidates += _time_points(constants)
    elif kind == "list":
        words = sorted({c for c in constants if isinstance(c, str)})[:8]
        candidates += [tuple(s) for n in range(len(words) + 1) for s in combinations(words, n)]
        candidates.append(("\u2063other",))
    else:
        candidates += _text_witnesses(literals, constants)
    return candidates


def _number_points(constants: Sequence[object]) -> list[object]:
    """Exact witnesses for number tests: every value an event may carry (any int, any
    finite double) compares with the constants as one of these does.

    Each finite constant, one value strictly inside each gap between neighbours where
    one exists (an integer, else the next double), and one beyond both ends.  Nothing
    is computed in floating point: a step of 0.5 vanishes past 2**53 and at infinity.
    """
    numbers = [c for c in constants if isinstance(c, int | float) and not isinstance(c, bool)]
    ordered = sorted({c for c in numbers if isinstance(c, int) or math.isfinite(c)})
    if not ordered:
        return [0]
    points: list[object] = [math.floor(ordered[0]) - 1, math.ceil(ordered[-1]) + 1]
    points += ordered
    for low, high in itertools.pairwise(ordered):
        inside = _number_between(low, high)
        if inside is not None:
            points.append(inside)
    return points


def _number_between(low: int | float, high: int | float) -> int | float | None:
    """A value an event may carry strictly between two finite numbers, or None."""
    whole = math.floor(low) + 1  # exact for ints and finite floats
    if whole < high:
        return whole
    # No integer between them: the next double above `low`, if there is one.
    try:
        step = math.nextafter(float(low), math.inf)
    except OverflowError:
        return None  # an integer past the doubles: only integers lie beyond it
    while step <= low:
        step = math.nextafter(step, math.inf)
    return step if step < high else None


_EARLIEST = timezone(timedelta(hours=23, minutes=59))  # the zone furthest ahead of UTC
_LATEST = timezone(-timedelta(hours=23, minutes=59))
_TICK = timedelta(microseconds=1)


def _time_points(constants: Sequence[object]) -> list[object]:
    """Exact witnesses for timestamp tests (microsecond resolution, any zone)."""
    ordered = sorted({c for c in constants if isinstance(c, datetime) and c.tzinfo is not None})
    if not ordered:
        return [datetime(2000, 1, 1, tzinfo=UTC)]
    points: list[object] = list(ordered)
    for moment in (_shift(ordered[0], -_TICK), _shift(ordered[-1], _TICK)):
        if moment is not None:
            points.append(moment)
    for low, high in itertools.pairwise(ordered):
        inside = _shift(low, _TICK)
        if inside is not None and inside < high:
            points.append(inside)
    return points


def _shift(moment: datetime, delta: timedelta) -> datetime | None:
    """`moment + delta`, written in another zone at the ends of the range, or None."""
    for zone in (None, _EARLIEST if delta < timedelta(0) else _LATEST):
        try:
            start = moment if zone is None else moment.astimezone(zone)
            return start + delta
        except OverflowError:
            continue
    return None


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


# --- overlaps between many audiences -----------------------------------------------------
#
# `check_together` asks `overlap` for every pair of workflows of a trigger.  Most pairs are
# settled without a search: two audiences whose top-level conjuncts require the same
# single-valued attribute to equal values from disjoint sets cannot hold together.  That
# shortcut answers False only where the search is certain to answer False too: each branch
# of the search meets both requirements and no witness satisfies them, and the search is
# too small to run out of budget (at most nodes x the product of the `all` / `any` widths
# steps).  The rest are searched, once per distinct pair of audiences.

ValueKey = tuple[str, object]


class OverlapCheck:
    """`overlap(first, second, workspace)` for many pairs, with the same answers."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._ids: dict[Condition, int] = {}
        self._facts: list[tuple[dict[str, frozenset[ValueKey]], int, int]] = []
        self._answers: dict[tuple[int, int], bool] = {}
        self._seen: dict[int, tuple[Condition, int]] = {}  # by object: skips hashing trees

    def overlap(self, first: Condition | None, second: Condition | None) -> bool:
        if first is None or second is None:
            return overlap(first, second, self.workspace)
        a, b = self._intern(first), self._intern(second)
        if a is None or b is None:
            return overlap(first, second, self.workspace)
        answer = self._answers.get((a, b))
        if answer is None:
            disjoint = self._disjoint(a, b)
            answer = not disjoint and overlap(first, second, self.workspace)
            self._answers[(a, b)] = answer
        return answer

    def _intern(self, condition: Condition) -> int | None:
        seen = self._seen.get(id(condition))
        if seen is not None and seen[0] is condition:
            return seen[1]
        try:
            found = self._ids.get(condition)
        except TypeError:  # an unhashable literal: no memo
            return None
        if found is None:
            found = self._ids[condition] = len(self._facts)
            nodes, widths = _search_size(condition)
            self._facts.append((_required_values(condition, self.workspace), nodes, widths))
        self._seen[id(condition)] = (condition, found)  # keeps it alive: ids stay unique
        return found

    def _disjoint(self, a: int, b: int) -> bool:
        first, first_nodes, first_widths = self._facts[a]
        second, second_nodes, second_widths = self._facts[b]
        steps = (first_nodes + second_nodes + 1) * first_widths * second_widths * 2
        if steps > _BUDGET:
            return False
        return any(not (keys & second[name]) for name, keys in first.items() if name in second)


def _search_size(condition: Condition) -> tuple[int, int]:
    """(nodes, product of the widths of every `all` / `any`), the product capped."""
    if isinstance(condition, Comparison):
        return 1, 1
    if isinstance(condition, Not):
        nodes, widths = _search_size(condition.condition)
        return nodes + 1, widths
    nodes, widths = 1, max(1, len(condition.conditions))
    for child in condition.conditions:
        child_nodes, child_widths = _search_size(child)
        nodes, widths = nodes + child_nodes, min(widths * child_widths, _BUDGET + 1)
    return nodes, widths


def _required_values(condition: Condition, workspace: Workspace) -> dict[str, frozenset[ValueKey]]:
    """Per single-valued attribute, the values the audience's top-level `equals` / `in` allow."""
    top = condition.conditions if isinstance(condition, AllOf) else (condition,)
    required: dict[str, frozenset[ValueKey]] = {}
    for comparison in top:
        if not isinstance(comparison, Comparison):
            continue
        keys = _allowed_keys(comparison, workspace)
        if keys is not None:
            name = comparison.attribute
            required[name] = required[name] & keys if name in required else keys
    return required


def _allowed_keys(comparison: Comparison, workspace: Workspace) -> frozenset[ValueKey] | None:
    """The values `comparison` allows (keyed as `equals` compares), None if unsure."""
    spec = workspace.attribute(comparison.attribute)
    if spec is not None and spec.type == "list":
        return None  # a list may hold values from both sets
    if comparison.operator == "equals" and not isinstance(comparison.value, tuple):
        literals: tuple[object, ...] = (comparison.value,)
    elif comparison.operator == "in" and isinstance(comparison.value, tuple):
        literals = comparison.value
    else:
        return None
    keys = [_value_key(literal) for literal in literals]
    return None if None in keys else frozenset(k for k in keys if k is not None)


def _value_key(literal: object) -> ValueKey | None:
    """Keys equal exactly when `semantics` calls the values equal (None: unsure)."""
    if isinstance(literal, bool):
        return ("b", literal)
    if isinstance(literal, int | float):
        return ("n", literal) if literal == literal else None
    if isinstance(literal, str):
        return ("s", literal)
    if isinstance(literal, datetime):
        return ("t", literal)
    return None
