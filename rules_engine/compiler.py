"""Compile workflows into the rule network (`network.Network`).

The compiler interns tests (each distinct attribute, operator and value once), turns
conditions into trees over test ids, turns every branch step into ordered rows and
mutually exclusive rules (`logic.branch_rules`), and builds the candidate tables: per
(trigger, channel), the workflows in priority order, indexed on the top-level
`equals` / `in` test of their audience where the attribute holds one plain value, or
else on its top-level numeric bounds (`gt` / `gte` / `lt` / `lte` on a number).

It refuses graphs no executor can walk (a start or target step that does not exist, a
cycle) with a `ValidationError`; everything else is the checks' business.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from .checks import graph_findings
from .errors import ValidationError
from .model import (
    ActionStep,
    AllOf,
    AnyOf,
    BranchStep,
    Comparison,
    Condition,
    Not,
    Value,
    Workflow,
)
from .network import (
    ActionNode,
    AllNode,
    AnyNode,
    AttributeIndex,
    BranchNode,
    CandidateTable,
    CompiledWorkflow,
    IndexKey,
    Network,
    Node,
    NotNode,
    RangeIndex,
    Rule,
    StepNode,
    Test,
    TestNode,
    index_key,
)
from .workspace import Workspace

# Attribute types whose values are single scalars, so equality can be looked up.
_INDEXABLE_TYPES = ("string", "enum", "number", "boolean")
_BOUNDS = ("gt", "gte", "lt", "lte")
MAX_RANGE_ENTRIES = 250_000  # per range index: slots x workflows held in memory
_COMPARE: Mapping[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class _TestTable:
    """Interns tests: the same (attribute, operator, value) always gets the same id."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str, object], int] = {}
        self.tests: list[Test] = []

    def intern(self, comparison: Comparison) -> int:
        key = (comparison.attribute, comparison.operator, _value_key(comparison.value))
        found = self._ids.get(key)
        if found is not None:
            return found
        test = Test(len(self.tests), comparison.attribute, comparison.operator, comparison.value)
        self._ids[key] = test.id
        self.tests.append(test)
        return test.id

    def node(self, condition: Condition) -> Node:
        if isinstance(condition, Comparison):
            return TestNode(self.intern(condition))
        if isinstance(condition, AllOf):
            return AllNode(tuple(self.node(c) for c in condition.conditions))
        if isinstance(condition, AnyOf):
            return AnyNode(tuple(self.node(c) for c in condition.conditions))
        if isinstance(condition, Not):
            return NotNode(self.node(condition.condition))
        raise TypeError(f"not a condition: {condition!r}")


def _value_key(value: Value) -> object:
    """A key that tells apart values Python calls equal (1, 1.0, True)."""
    if isinstance(value, tuple):
        return tuple(_value_key(v) for v in value)
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def compile_network(workflows: Sequence[Workflow], workspace: Workspace) -> Network:
    """The network for `workflows`; raises `ValidationError` for a graph it cannot walk."""
    _check_graphs(workflows)
    table = _TestTable()
    compiled = tuple(_compile_workflow(i, wf, table) for i, wf in enumerate(workflows))
    tables = _candidate_tables(compiled, workspace, table.tests)
    triggers = tuple(dict.fromkeys(wf.trigger for wf in workflows))
    return Network(tuple(table.tests), compiled, tables, triggers, workspace.channels)


def _compile_workflow(number: int, workflow: Workflow, table: _TestTable) -> CompiledWorkflow:
    audience = table.node(workflow.audience) if workflow.audience is not None else None
    steps = {name: _compile_step(step, table) for name, step in workflow.steps.items()}
    return CompiledWorkflow(
        id=number,
        name=workflow.name,
        trigger=workflow.trigger,
        channels=workflow.channels,
        priority=workflow.priority,
        audience=audience,
        start=workflow.start,
        steps=steps,
        source=workflow,
    )


def _compile_step(step: BranchStep | ActionStep, table: _TestTable) -> StepNode:
    if isinstance(step, ActionStep):
        return ActionNode(step.name, step.actions, step.next)
    rows = tuple(table.node(row.when) for row in step.rows)
    # `logic.branch_rules` built from the compiled rows: row k and the negations of the
    # rows before it, sharing their nodes (linear work per rule, not a new tree).
    negated = tuple(NotNode(row) for row in rows)
    conditions = [AllNode((row, *negated[:k])) if k else row for k, row in enumerate(rows)]
    conditions.append(AllNode(negated))
    targets_in_order = [row.then for row in step.rows] + [step.otherwise]
    rules = tuple(
        Rule(condition, target, index if index < len(step.rows) else None)
        for index, (condition, target) in enumerate(zip(conditions, targets_in_order, strict=True))
    )
    targets = tuple(row.then for row in step.rows)
    return BranchNode(step.name, rows, targets, step.otherwise, rules)


# -- candidate tables ------------------------------------------------------------------


def _candidate_tables(
    workflows: Sequence[CompiledWorkflow], workspace: Workspace, tests: Sequence[Test]
) -> dict[tuple[str, str], CandidateTable]:
    ordered = sorted(workflows, key=lambda wf: -wf.priority)  # stable: file order on ties
    groups: dict[tuple[str, str], list[CompiledWorkflow]] = defaultdict(list)
    channels = tuple(dict.fromkeys((*workspace.channels, *_named_channels(workflows))))
    for wf in ordered:
        for channel in wf.channels if wf.channels is not None else channels:
            groups[(wf.trigger, channel)].append(wf)
    return {key: _table(key, group, workspace, tests) for key, group in groups.items()}


def _named_channels(workflows: Iterable[CompiledWorkflow]) -> list[str]:
    return [channel for wf in workflows for channel in (wf.channels or ())]


def _table(
    key: tuple[str, str],
    group: Sequence[CompiledWorkflow],
    workspace: Workspace,
    tests: Sequence[Test],
) -> CandidateTable:
    unindexed: list[int] = []
    covered: dict[int, frozenset[int]] = {}
    buckets: dict[str, dict[IndexKey, list[int]]] = defaultdict(lambda: defaultdict(list))
    bounded: dict[str, list[tuple[int, tuple[Test, ...]]]] = defaultdict(list)
    for wf in group:
        top = _top_level_tests(wf.audience, tests)
        equality = _equality_entry(top, workspace)
        bounds = _range_entry(top, workspace) if equality is None else None
        if equality is not None:
            test, keys = equality
            for value_key in keys:  # no keys (a NaN literal): never a candidate
                buckets[test.attribute][value_key].append(wf.id)
            covered[wf.id] = frozenset((test.id,))
        elif bounds is not None:
            bounded[bounds[0].attribute].append((wf.id, bounds))
        else:
            unindexed.append(wf.id)
    indexes = tuple(
        AttributeIndex(attribute, {k: tuple(ids) for k, ids in bucket.items()})
        for attribute, bucket in buckets.items()
    )
    ranges = _range_indexes(bounded, unindexed, covered)
    ordered = tuple(wf.id for wf in group)
    rank = {workflow_id: position for position, workflow_id in enumerate(ordered)}
    unindexed.sort(key=rank.__getitem__)
    return CandidateTable(key[0], key[1], ordered, tuple(unindexed), indexes, ranges, covered)


def _top_level_tests(audience: Node | None, tests: Sequence[Test]) -> tuple[Test, ...]:
    """The tests an audience requires on its own (itself, or the tests of its `all`)."""
    if isinstance(audience, TestNode):
        return (tests[audience.test],)
    if isinstance(audience, AllNode):
        return tuple(tests[c.test] for c in audience.children if isinstance(c, TestNode))
    return ()


def _equality_entry(
    top: Sequence[Test], workspace: Workspace
) -> tuple[Test, tuple[IndexKey, ...]] | None:
    """The first `equals` / `in` test on a single-valued attribute, with its value keys."""
    for test in top:
        spec = workspace.attribute(test.attribute)
        if spec is None or spec.type not in _INDEXABLE_TYPES:
            continue
        if test.operator == "equals":
            literals: tuple[object, ...] = (test.value,)
        elif test.operator == "in" and isinstance(test.value, tuple):
            literals = test.value
        else:
            continue
        keys = (index_key(literal) for literal in literals)
        return test, tuple(dict.fromkeys(k for k in keys if k is not None))
    return None


def _range_entry(top: Sequence[Test], workspace: Workspace) -> tuple[Test, ...] | None:
    """The numeric bounds on the first number attribute the audience bounds."""
    bounds = [test for test in top if _is_bound(test, workspace)]
    if not bounds:
        return None
    return tuple(test for test in bounds if test.attribute == bounds[0].attribute)


def _is_bound(test: Test, workspace: Workspace) -> bool:
    spec = workspace.attribute(test.attribute)
    literal = test.value
    return (
        spec is not None
        and spec.type == "number"
        and test.operator in _BOUNDS
        and type(literal) in (int, float)
        and literal == literal  # not NaN
    )


def _range_indexes(
    bounded: Mapping[str, list[tuple[int, tuple[Test, ...]]]],
    unindexed: list[int],
    covered: dict[int, frozenset[int]],
) -> tuple[RangeIndex, ...]:
    """A range index per bounded attribute; too large a one leaves its workflows unindexed."""
    ranges: list[RangeIndex] = []
    for attribute, members in bounded.items():
        index = range_index(attribute, members)
        if index is None:
            unindexed += [workflow_id for workflow_id, _ in members]
            continue
        ranges.append(index)
        covered.update((wid, frozenset(t.id for t in tests)) for wid, tests in members)
    return tuple(ranges)


def range_index(attribute: str, members: Sequence[tuple[int, Sequence[Test]]]) -> RangeIndex | None:
    """The slots of `members` (workflow id and bounds, in priority order), or None if too big."""
    literals = {t.value for _, tests in members for t in tests if isinstance(t.value, int | float)}
    bounds = tuple(sorted(literals))
    slot_count = 2 * len(bounds) + 1
    if slot_count * len(members) > MAX_RANGE_ENTRIES:
        return None
    position = {value: k for k, value in enumerate(bounds)}
    slots: list[list[int]] = [[] for _ in range(slot_count)]
    for workflow_id, tests in members:
        marks = [(t.operator, position[t.value]) for t in tests if isinstance(t.value, int | float)]
        for slot in range(slot_count):
            if all(_holds_in_slot(op, k, slot, bounds) for op, k in marks):
                slots[slot].append(workflow_id)
    return RangeIndex(attribute, bounds, tuple(tuple(ids) for ids in slots))


def _holds_in_slot(operator: str, k: int, slot: int, bounds: Sequence[float]) -> bool:
    """Whether `value operator bounds[k]` holds for the values of a slot."""
    if slot % 2:
        return _COMPARE[operator](bounds[slot // 2], bounds[k])
    above = k < slot // 2  # the slot lies above bounds[k]
    return above if operator in ("gt", "gte") else not above


def _check_graphs(workflows: Sequence[Workflow]) -> None:
    """Refuse graphs no executor can walk, with the findings `checks` reports for them."""
    findings = [finding for workflow in workflows for finding in graph_findings(workflow)]
    if findings:
        raise ValidationError(findings)
