"""The native executor: the rule network run in plain Python (the default).

At construction every test becomes a small function of the attribute's value (fast
paths for the common operators, `semantics.test_value` for the rest) and every
condition tree a closure.  Per event, a memo keyed by test id makes each shared test
run at most once; the candidate table (with its equality index) gives the workflows to
try, highest priority first, and the first whose audience holds runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .errors import WorkflowError
from .events import BranchVerdict, Run
from .model import Action, Value
from .network import (
    ActionNode,
    AllNode,
    BranchNode,
    CandidateTable,
    CompiledWorkflow,
    Network,
    Node,
    NotNode,
    Test,
    TestNode,
    index_key,
)
from .reference import verdict_for
from .semantics import test_value

Attributes = Mapping[str, object]
Memo = dict[int, bool]
Check = Callable[[Attributes, Memo], bool]
ValueTest = Callable[[object], bool]

_NUMBER_TYPES = (int, float)
MAX_CACHED_RUNS = 256  # per workflow: runs are immutable, so equal paths share one


# -- tests -------------------------------------------------------------------------------


def value_test(test: Test) -> ValueTest:
    """A function of the attribute's value (None when missing) that agrees with semantics."""
    operator, literal = test.operator, test.value
    if operator == "exists":
        return lambda value: value is not None
    if operator == "missing":
        return lambda value: value is None
    if operator == "equals" and type(literal) is str:
        return lambda value: type(value) is str and value == literal
    if operator == "in" and isinstance(literal, tuple) and all(type(v) is str for v in literal):
        return _in_strings(frozenset(literal), literal)
    if operator in ("gt", "gte", "lt", "lte") and type(literal) in _NUMBER_TYPES:
        return _ordered(operator, literal)
    return lambda value: value is not None and test_value(operator, value, literal)


def _in_strings(strings: frozenset[object], literal: Value) -> ValueTest:
    def run(value: object) -> bool:
        if type(value) is str:
            return value in strings
        return value is not None and test_value("in", value, literal)

    return run


def _ordered(operator: str, literal: Value) -> ValueTest:
    bound: float = literal  # type: ignore[assignment]  # checked by the caller
    compare: Callable[[float], bool] = {
        "gt": lambda v: v > bound,
        "gte": lambda v: v >= bound,
        "lt": lambda v: v < bound,
        "lte": lambda v: v <= bound,
    }[operator]

    def run(value: object) -> bool:
        if type(value) in _NUMBER_TYPES:
            return compare(value)  # type: ignore[arg-type]
        return value is not None and test_value(operator, value, literal)

    return run


def _memoised(test: Test) -> Check:
    test_id, attribute, check = test.id, test.attribute, value_test(test)

    def run(attributes: Attributes, memo: Memo) -> bool:
        found = memo.get(test_id)
        if found is None:
            found = memo[test_id] = check(attributes.get(attribute))
        return found

    return run


# -- condition trees ---------------------------------------------------------------------


def compile_node(node: Node, tests: Sequence[Check]) -> Check:
    """A closure that evaluates a condition tree with the shared, memoised tests."""
    if isinstance(node, TestNode):
        return tests[node.test]
    if isinstance(node, NotNode):
        inner = compile_node(node.child, tests)
        return lambda attributes, memo: not inner(attributes, memo)
    children = tuple(compile_node(child, tests) for child in node.children)
    return _all(children) if isinstance(node, AllNode) else _any(children)


def _all(children: tuple[Check, ...]) -> Check:
    def run(attributes: Attributes, memo: Memo) -> bool:
        for child in children:  # noqa: SIM110 (a loop is faster than all() on a generator)
            if not child(attributes, memo):
                return False
        return True

    return run


def _any(children: tuple[Check, ...]) -> Check:
    def run(attributes: Attributes, memo: Memo) -> bool:
        for child in children:  # noqa: SIM110 (a loop is faster than any() on a generator)
            if child(attributes, memo):
                return True
        return False

    return run


# -- workflows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Branch:
    name: str
    rows: tuple[Check, ...]
    targets: tuple[str, ...]
    otherwise: str | None


@dataclass(frozen=True)
class _Actions:
    actions: tuple[Action, ...]
    next: str | None


@dataclass(frozen=True)
class _Workflow:
    name: str
    trigger: str
    audience: Check | None
    start: str
    steps: Mapping[str, _Branch | _Actions]
    limit: int
    runs: dict[tuple[int, ...], Run] = field(default_factory=dict, compare=False)


def _compile_workflow(workflow: CompiledWorkflow, tests: Sequence[Check]) -> _Workflow:
    steps: dict[str, _Branch | _Actions] = {}
    for name, step in workflow.steps.items():
        if isinstance(step, ActionNode):
            steps[name] = _Actions(step.actions, step.next)
        else:
            steps[name] = _compile_branch(step, tests)
    audience = compile_node(workflow.audience, tests) if workflow.audience is not None else None
    return _Workflow(workflow.name, workflow.trigger, audience, workflow.start, steps, len(steps))


def _compile_branch(step: BranchNode, tests: Sequence[Check]) -> _Branch:
    rows = tuple(compile_node(row, tests) for row in step.rows)
    return _Branch(step.name, rows, step.targets, step.otherwise)


Entry = tuple[int, "Check | None", _Workflow]  # (priority rank, audience, workflow)


@dataclass(frozen=True)
class _Table:
    ordered: tuple[Entry, ...]
    unindexed: tuple[Entry, ...]
    indexes: tuple[tuple[str, Mapping[tuple[str, object], tuple[Entry, ...]]], ...]


def _compile_table(table: CandidateTable, workflows: Sequence[_Workflow]) -> _Table:
    rank = {workflow_id: position for position, workflow_id in enumerate(table.ordered)}

    def entries(ids: Sequence[int]) -> tuple[Entry, ...]:
        return tuple((rank[i], workflows[i].audience, workflows[i]) for i in ids)

    indexes = tuple(
        (index.attribute, {key: entries(ids) for key, ids in index.buckets.items()})
        for index in table.indexes
    )
    return _Table(entries(table.ordered), entries(table.unindexed), indexes)


class NativeExecutor:
    """Runs a `Network` in plain Python."""

    name = "native"

    def __init__(self, network: Network) -> None:
        tests = tuple(_memoised(test) for test in network.tests)
        workflows = tuple(_compile_workflow(wf, tests) for wf in network.workflows)
        self._tables = {
            key: _compile_table(table, workflows) for key, table in network.tables.items()
        }

    def decide(self, trigger: str, channel: str, attributes: Attributes) -> Run | None:
        """The run of the highest-priority candidate whose audience holds, or None."""
        table = self._tables.get((trigger, channel))
        if table is None:
            return None
        memo: Memo = {}
        chosen = _choose(table, attributes, memo)
        return None if chosen is None else _walk(chosen, attributes, memo)

    def close(self) -> None:
        """Nothing to release."""


def _choose(table: _Table, attributes: Attributes, memo: Memo) -> _Workflow | None:
    """The highest-priority candidate whose audience holds.

    Each index bucket is in priority order: its first match is the best it offers.  The
    unindexed candidates are then tried only while they rank above that best match.
    """
    limit = len(table.ordered)
    best: Entry | None = None
    for attribute, buckets in table.indexes:
        value = attributes.get(attribute)
        if value is None:
            continue  # equality and `in` are false on a missing attribute
        key = index_key(value)
        if key is None:  # a value the index cannot look up: try every candidate
            best = _first_match(table.ordered, limit, attributes, memo)
            return best[2] if best is not None else None
        found = _first_match(buckets.get(key, ()), limit, attributes, memo)
        if found is not None:
            best, limit = found, found[0]
    found = _first_match(table.unindexed, limit, attributes, memo)
    chosen = found if found is not None else best
    return chosen[2] if chosen is not None else None


def _first_match(
    entries: Sequence[Entry], below: int, attributes: Attributes, memo: Memo
) -> Entry | None:
    """The first entry ranked above `below` whose audience holds."""
    for entry in entries:
        rank, audience, _ = entry
        if rank >= below:
            return None
        if audience is None or audience(attributes, memo):
            return entry
    return None


def _walk(workflow: _Workflow, attributes: Attributes, memo: Memo) -> Run:
    """Walk the steps; the run is built once per distinct path and then reused."""
    choices: list[int] = []
    current: str | None = workflow.start
    visited = 0
    while current is not None:
        step = workflow.steps.get(current)
        if step is None or visited > workflow.limit:
            raise WorkflowError(f"workflow {workflow.name!r} cannot be walked at {current!r}")
        visited += 1
        if isinstance(step, _Actions):
            current = step.next
            continue
        matched = _first_row(step.rows, attributes, memo)
        choices.append(matched)
        current = step.otherwise if matched < 0 else step.targets[matched]
    key = tuple(choices)
    run = workflow.runs.get(key)
    if run is None:
        run = _build_run(workflow, key)
        if len(workflow.runs) < MAX_CACHED_RUNS:
            workflow.runs[key] = run
    return run


def _first_row(rows: tuple[Check, ...], attributes: Attributes, memo: Memo) -> int:
    """The index of the first row that holds, or -1."""
    for index, row in enumerate(rows):
        if row(attributes, memo):
            return index
    return -1


def _build_run(workflow: _Workflow, choices: tuple[int, ...]) -> Run:
    """The run for the path the branch choices (-1: no row held) lead to."""
    path: list[str] = []
    actions: list[Action] = []
    verdicts: list[BranchVerdict] = []
    pending = iter(choices)
    current: str | None = workflow.start
    while current is not None:
        path.append(current)
        step = workflow.steps[current]
        if isinstance(step, _Actions):
            actions.extend(step.actions)
            current = step.next
            continue
        matched = next(pending)
        row = None if matched < 0 else matched
        verdicts.append(verdict_for(step.name, len(step.rows), row, step.otherwise))
        current = step.otherwise if row is None else step.targets[row]
    return Run(workflow.name, workflow.trigger, tuple(path), tuple(actions), tuple(verdicts))
