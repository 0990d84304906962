"""Compile workflows into the rule network (`network.Network`).

The compiler interns tests (each distinct attribute, operator and value once), turns
conditions into trees over test ids, turns every branch step into ordered rows and
mutually exclusive rules (`logic.branch_rules`), and builds the candidate tables: per
(trigger, channel), the workflows in priority order, indexed on the top-level
`equals` / `in` test of their audience where the attribute holds one plain value.

It refuses graphs no executor can walk (a start or target step that does not exist, a
cycle) with a `ValidationError`; everything else is the checks' business.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from .errors import ValidationError
from .findings import Finding
from .logic import branch_rules
from .model import (
    ActionStep,
    AllOf,
    AnyOf,
    BranchStep,
    Comparison,
    Condition,
    Location,
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
    Rule,
    StepNode,
    Test,
    TestNode,
    index_key,
)
from .workspace import Workspace

# Attribute types whose values are single scalars, so equality can be looked up.
_INDEXABLE_TYPES = ("string", "enum", "number", "boolean")


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
    tables = _candidate_tables(compiled, workspace)
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
    rules = tuple(
        Rule(table.node(condition), target, index if index < len(step.rows) else None)
        for index, (condition, target) in enumerate(branch_rules(step))
    )
    targets = tuple(row.then for row in step.rows)
    return BranchNode(step.name, rows, targets, step.otherwise, rules)


# -- candidate tables ------------------------------------------------------------------


def _candidate_tables(
    workflows: Sequence[CompiledWorkflow], workspace: Workspace
) -> dict[tuple[str, str], CandidateTable]:
    ordered = sorted(workflows, key=lambda wf: -wf.priority)  # stable: file order on ties
    groups: dict[tuple[str, str], list[CompiledWorkflow]] = defaultdict(list)
    channels = tuple(dict.fromkeys((*workspace.channels, *_named_channels(workflows))))
    for wf in ordered:
        for channel in wf.channels if wf.channels is not None else channels:
            groups[(wf.trigger, channel)].append(wf)
    return {key: _table(key, group, workspace) for key, group in groups.items()}


def _named_channels(workflows: Iterable[CompiledWorkflow]) -> list[str]:
    return [channel for wf in workflows for channel in (wf.channels or ())]


def _table(
    key: tuple[str, str], group: Sequence[CompiledWorkflow], workspace: Workspace
) -> CandidateTable:
    unindexed: list[int] = []
    buckets: dict[str, dict[IndexKey, list[int]]] = defaultdict(lambda: defaultdict(list))
    for wf in group:
        found = _index_entry(wf, workspace)
        if found is None:
            unindexed.append(wf.id)
            continue
        attribute, keys = found
        bucket = buckets[attribute]
        for value_key in keys:  # no keys (a NaN literal): never a candidate
            bucket[value_key].append(wf.id)
    indexes = tuple(
        AttributeIndex(attribute, {k: tuple(ids) for k, ids in bucket.items()})
        for attribute, bucket in buckets.items()
    )
    ordered = tuple(wf.id for wf in group)
    return CandidateTable(key[0], key[1], ordered, tuple(unindexed), indexes)


def _index_entry(
    workflow: CompiledWorkflow, workspace: Workspace
) -> tuple[str, tuple[IndexKey, ...]] | None:
    """The attribute and value keys an audience requires, if it requires one."""
    for comparison in _top_level_comparisons(workflow.source.audience):
        spec = workspace.attribute(comparison.attribute)
        if spec is None or spec.type not in _INDEXABLE_TYPES:
            continue
        if comparison.operator == "equals":
            literals: tuple[object, ...] = (comparison.value,)
        elif comparison.operator == "in" and isinstance(comparison.value, tuple):
            literals = comparison.value
        else:
            continue
        keys = (index_key(literal) for literal in literals)
        return comparison.attribute, tuple(dict.fromkeys(k for k in keys if k is not None))
    return None


def _top_level_comparisons(audience: Condition | None) -> tuple[Comparison, ...]:
    if isinstance(audience, Comparison):
        return (audience,)
    if isinstance(audience, AllOf):
        return tuple(c for c in audience.conditions if isinstance(c, Comparison))
    return ()


# -- graph checks the executors rely on -------------------------------------------------


def _check_graphs(workflows: Sequence[Workflow]) -> None:
    findings = [finding for wf in workflows for finding in _graph_findings(wf)]
    if findings:
        raise ValidationError(findings)


def _graph_findings(workflow: Workflow) -> list[Finding]:
    findings: list[Finding] = []
    if workflow.start not in workflow.steps:
        findings.append(_unknown_step(workflow, workflow.start, workflow.where("start")))
    for step in workflow.steps.values():
        for target in step.targets():
            if target not in workflow.steps:
                findings.append(_unknown_step(workflow, target, step.location))
    if not findings and _has_cycle(workflow):
        findings.append(
            Finding("E-cycle", workflow.location, "the steps form a cycle", workflow=workflow.name)
        )
    return findings


def _unknown_step(workflow: Workflow, name: str, where: Location) -> Finding:
    message = f"step {name!r} does not exist"
    return Finding("E-unknown-step", where, message, workflow=workflow.name)


def _has_cycle(workflow: Workflow) -> bool:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str) -> bool:
        state[name] = 1
        for target in workflow.steps[name].targets():
            mark = state.get(target)
            if mark == 1 or (mark is None and visit(target)):
                return True
        state[name] = 2
        return False

    return any(state.get(name) is None and visit(name) for name in workflow.steps)
