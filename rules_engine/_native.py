"""The native executor: the rule network run in plain Python (the default).

At construction every test becomes a small memoised function (fast paths inlined for
the common operators, `semantics.test_value` for the rest) and every condition tree a
closure.  Per event, a memo keyed by test id makes each shared test run at most once;
the candidate table (its equality index, looked up by value, and its range index,
looked up by bisection) gives the workflows to try, highest priority first, and the
first whose audience holds runs.  A workflow found through an index is checked only on
the rest of its audience: the tests the index decided are left out.
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
    AttributeIndex,
    BranchNode,
    CandidateTable,
    CompiledWorkflow,
    Network,
    Node,
    NotNode,
    RangeIndex,
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
_CHEAP_OPERATORS = frozenset(
    {"exists", "missing", "equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"}
)
MAX_CACHED_RUNS = 256  # per workflow: runs are immutable, so equal paths share one


# -- tests -------------------------------------------------------------------------------


def value_test(test: Test) -> ValueTest:
    """A function of the attribute's value (None when missing) that agrees with semantics."""
    operator, literal = test.operator, test.value
    if operator == "exists":
        return lambda value: value is not None
    if operator == "missing":
        return lambda value: value is None
    if operator == "equals" and type(literal) in (str, bool):
        kind = type(literal)
        return lambda value: type(value) is kind and value == literal
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
    """The test as a check on the attributes, run at most once per memo."""
    operator, literal = test.operator, test.value
    if operator == "equals" and type(literal) is str:
        return _memoised_equals_text(test.id, test.attribute, literal)
    if operator in ("exists", "missing"):
        return _memoised_presence(test.id, test.attribute, operator == "exists")
    return _memoised_check(test.id, test.attribute, value_test(test))


def _memoised_check(test_id: int, attribute: str, check: ValueTest) -> Check:
    def run(attributes: Attributes, memo: Memo) -> bool:
        found = memo.get(test_id)
        if found is None:
            found = memo[test_id] = check(attributes.get(attribute))
        return found

    return run


def _memoised_equals_text(test_id: int, attribute: str, literal: str) -> Check:
    def run(attributes: Attributes, memo: Memo) -> bool:
        found = memo.get(test_id)
        if found is None:
            value = attributes.get(attribute)
            found = memo[test_id] = type(value) is str and value == literal
        return found

    return run


def _memoised_presence(test_id: int, attribute: str, present: bool) -> Check:
    def run(attributes: Attributes, memo: Memo) -> bool:
        found = memo.get(test_id)
        if found is None:
            found = memo[test_id] = (attributes.get(attribute) is not None) is present
        return found

    return run


# -- condition trees ---------------------------------------------------------------------


def compile_node(node: Node, tests: Sequence[Check], costs: Sequence[int] = ()) -> Check:
    """A closure that evaluates a condition tree with the shared, memoised tests.

    With `costs` (per test id), the children of `all` and `any` are tried cheapest first:
    tests have no side effects, so the verdict is the same and fewer costly tests run.
    """
    if isinstance(node, TestNode):
        return tests[node.test]
    if isinstance(node, NotNode):
        inner = compile_node(node.child, tests, costs)
        return lambda attributes, memo: not inner(attributes, memo)
    ordered = sorted(node.children, key=lambda child: node_cost(child, costs)) if costs else None
    children = tuple(compile_node(child, tests, costs) for child in ordered or node.children)
    return _all(children) if isinstance(node, AllNode) else _any(children)


def test_cost(test: Test) -> int:
    """A rough cost of running a test: the fast paths 1, case folding 4, the rest 8."""
    if test.operator in _CHEAP_OPERATORS:
        return 1
    return 4 if test.operator in ("contains", "starts_with") else 8


def node_cost(node: Node, costs: Sequence[int]) -> int:
    if isinstance(node, TestNode):
        return costs[node.test]
    if isinstance(node, NotNode):
        return node_cost(node.child, costs)
    return sum(node_cost(child, costs) for child in node.children)


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


def _compile_workflow(
    workflow: CompiledWorkflow, tests: Sequence[Check], costs: Sequence[int]
) -> _Workflow:
    steps: dict[str, _Branch | _Actions] = {}
    for name, step in workflow.steps.items():
        if isinstance(step, ActionNode):
            steps[name] = _Actions(step.actions, step.next)
        else:
            steps[name] = _compile_branch(step, tests, costs)
    audience = None if workflow.audience is None else compile_node(workflow.audience, tests, costs)
    return _Workflow(workflow.name, workflow.trigger, audience, workflow.start, steps, len(steps))


def _compile_branch(step: BranchNode, tests: Sequence[Check], costs: Sequence[int]) -> _Branch:
    rows = tuple(compile_node(row, tests, costs) for row in step.rows)
    return _Branch(step.name, rows, step.targets, step.otherwise)


Entry = tuple[int, "Check | None", _Workflow]  # (priority rank, audience, workflow)
Bucket = tuple[Entry, ...]


@dataclass(frozen=True)
class _Equality:
    """An equality index: text values looked up as they are, others by `index_key`."""

    attribute: str
    texts: Mapping[str, Bucket]
    others: Mapping[tuple[str, object], Bucket]


@dataclass(frozen=True)
class _Range:
    attribute: str
    index: RangeIndex
    slots: tuple[Bucket, ...]


@dataclass(frozen=True)
class _Table:
    ordered: Bucket
    unindexed: Bucket
    indexes: tuple[_Equality, ...]
    ranges: tuple[_Range, ...]


class _TableCompiler:
    """Turns a `CandidateTable` into entries; indexed entries keep only the residual audience."""

    def __init__(
        self,
        table: CandidateTable,
        network: Network,
        workflows: Sequence[_Workflow],
        costs: Sequence[int],
    ) -> None:
        self.table, self.network, self.workflows = table, network, workflows
        self.costs = costs
        self.rank = {workflow_id: position for position, workflow_id in enumerate(table.ordered)}

    def compile(self, tests: Sequence[Check]) -> _Table:
        equality = tuple(self._equality(index, tests) for index in self.table.indexes)
        ranges = tuple(
            _Range(index.attribute, index, tuple(self.indexed(ids, tests) for ids in index.slots))
            for index in self.table.ranges
        )
        ordered, unindexed = self.table.ordered, self.table.unindexed
        return _Table(self.entries(ordered), self.entries(unindexed), equality, ranges)

    def entries(self, ids: Sequence[int]) -> Bucket:
        return tuple((self.rank[i], self.workflows[i].audience, self.workflows[i]) for i in ids)

    def indexed(self, ids: Sequence[int], tests: Sequence[Check]) -> Bucket:
        return tuple((self.rank[i], self._residual(i, tests), self.workflows[i]) for i in ids)

    def _equality(self, index: AttributeIndex, tests: Sequence[Check]) -> _Equality:
        buckets = {key: self.indexed(ids, tests) for key, ids in index.buckets.items()}
        texts = {str(key[1]): bucket for key, bucket in buckets.items() if key[0] == "s"}
        return _Equality(index.attribute, texts, buckets)

    def _residual(self, workflow_id: int, tests: Sequence[Check]) -> Check | None:
        """The audience without the top-level tests the index decided."""
        audience = self.network.workflows[workflow_id].audience
        covered = self.table.covered.get(workflow_id, frozenset())
        if isinstance(audience, TestNode) and audience.test in covered:
            return None
        if not isinstance(audience, AllNode):
            return compile_node(audience, tests, self.costs) if audience is not None else None
        rest = tuple(
            c for c in audience.children if not (isinstance(c, TestNode) and c.test in covered)
        )
        if not rest:
            return None
        return compile_node(rest[0] if len(rest) == 1 else AllNode(rest), tests, self.costs)


class NativeExecutor:
    """Runs a `Network` in plain Python."""

    name = "native"

    def __init__(self, network: Network) -> None:
        tests = tuple(_memoised(test) for test in network.tests)
        costs = tuple(test_cost(test) for test in network.tests)
        workflows = tuple(_compile_workflow(wf, tests, costs) for wf in network.workflows)
        self._tables = {
            key: _TableCompiler(table, network, workflows, costs).compile(tests)
            for key, table in network.tables.items()
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


class _Unindexable(Exception):
    """An event value an index cannot look up: every candidate must be tried."""


def _choose(table: _Table, attributes: Attributes, memo: Memo) -> _Workflow | None:
    """The highest-priority candidate whose audience holds.

    Each index bucket is in priority order: its first match is the best it offers.  The
    unindexed candidates are then tried only while they rank above that best match.
    """
    try:
        buckets = _buckets(table, attributes)
    except _Unindexable:
        chosen = _first_match(table.ordered, len(table.ordered), attributes, memo)
        return chosen[2] if chosen is not None else None
    limit = len(table.ordered)
    best: Entry | None = None
    for bucket in buckets:
        found = _first_match(bucket, limit, attributes, memo)
        if found is not None:
            best, limit = found, found[0]
    found = _first_match(table.unindexed, limit, attributes, memo)
    chosen = found if found is not None else best
    return chosen[2] if chosen is not None else None


def _buckets(table: _Table, attributes: Attributes) -> list[Bucket]:
    """The index buckets the event's values fall in (a missing value: none of them)."""
    found: list[Bucket] = []
    for equality in table.indexes:
        value = attributes.get(equality.attribute)
        if type(value) is str:
            found.append(equality.texts.get(value, ()))
        elif value is not None:
            key = index_key(value)
            if key is None:
                raise _Unindexable
            found.append(equality.others.get(key, ()))
    for bounded in table.ranges:
        number = attributes.get(bounded.attribute)
        if number is None:
            continue  # every bound is false on a missing attribute
        if type(number) not in _NUMBER_TYPES or number != number:  # NaN: no slot
            raise _Unindexable
        found.append(bounded.slots[bounded.index.slot(number)])  # type: ignore[arg-type]
    return found


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
        matched = -1
        for index, row in enumerate(step.rows):  # inlined `_first_row`: once per step
            if row(attributes, memo):
                matched = index
                break
        choices.append(matched)
        current = step.otherwise if matched < 0 else step.targets[matched]
    key = tuple(choices)
    run = workflow.runs.get(key)
    if run is None:
        run = _build_run(workflow, key)
        if len(workflow.runs) < MAX_CACHED_RUNS:
            workflow.runs[key] = run
    return run


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
