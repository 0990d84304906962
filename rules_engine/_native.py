"""The native executor: the rule network run in plain Python (the default).

At construction every audience (or the part of it an index leaves undecided) and every
workflow's walk become generated Python (`_codegen`): straight-line code over the
event's values, the common comparisons inline, every other test a memoised check, each
path ending in a `Run` built once.  Per event, a memo keyed by test id makes each
shared costly test run at most once (a test written inline, a single comparison, may
run again in another workflow's code); the candidate table (its equality index, looked
up by value, and its range index, looked up by bisection) gives the workflows to try,
highest priority first, and the first whose audience holds runs.  Conditions nested too
deeply and workflows with too many paths keep the closures below and a step-by-step
walk.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from ._codegen import Generator, TooLarge
from .errors import WorkflowError
from .events import BranchVerdict, Run
from .model import Action, Value
from .network import (
    ActionNode,
    AllNode,
    BranchNode,
    CandidateTable,
    CompiledWorkflow,
    IndexKey,
    Network,
    Node,
    NotNode,
    Test,
    TestNode,
    index_key,
)
from .network import (
    walk as walk_steps,
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


def _memoised_value(test_id: int, check: ValueTest) -> Callable[[object, Memo], bool]:
    """The value test, run at most once per memo (what generated code calls)."""

    def run(value: object, memo: Memo) -> bool:
        found = memo.get(test_id)
        if found is None:
            found = memo[test_id] = check(value)
        return found

    return run


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
    """A workflow walked step by step (the fallback for one too large to generate)."""

    name: str
    source: CompiledWorkflow
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
    return _Workflow(workflow.name, workflow, workflow.start, steps, len(steps))


def _compile_branch(step: BranchNode, tests: Sequence[Check], costs: Sequence[int]) -> _Branch:
    rows = tuple(compile_node(row, tests, costs) for row in step.rows)
    return _Branch(step.name, rows, step.targets, step.otherwise)


class _Compiler:
    """Conditions and walks as generated code (`_codegen`), closures where it declines."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.tests = tuple(_memoised(test) for test in network.tests)
        self.costs = tuple(test_cost(test) for test in network.tests)
        checks = tuple(_memoised_value(test.id, value_test(test)) for test in network.tests)
        self.generator = Generator(network.tests, checks, self.costs)
        self._pending: list[tuple[list[object], int]] = []  # (cell, handle)

    def condition(self, node: Node, cell: list[object]) -> None:
        """Put the check for `node` in `cell` (generated code once `finish` runs)."""
        try:
            self._pending.append((cell, self.generator.condition(node)))
        except TooLarge:
            cell[0] = compile_node(node, self.tests, self.costs)

    def walk(self, workflow: CompiledWorkflow, cell: list[object]) -> None:
        """Put the walk of `workflow` in `cell`."""
        try:
            handle = self.generator.walk(workflow, partial(_build_run, workflow))
            self._pending.append((cell, handle))
        except TooLarge:
            cell[0] = partial(_walk, _compile_workflow(workflow, self.tests, self.costs))

    def finish(self) -> None:
        functions = self.generator.build()
        for cell, handle in self._pending:
            cell[0] = functions[handle]


Walk = Callable[[Attributes, Memo], Run]
Entry = tuple[int, "Check | None", Walk]  # (priority rank, audience, walk)
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
    bounds: tuple[int | float, ...]
    slots: tuple[Bucket, ...]


@dataclass(frozen=True)
class _Table:
    ordered: Bucket
    unindexed: Bucket
    indexes: tuple[_Equality, ...]
    ranges: tuple[_Range, ...]


class _TableCompiler:
    """Turns a `CandidateTable` into entries; indexed entries keep only the residual audience.

    Entries are built as lists and frozen into tuples once the generated code exists.
    """

    def __init__(
        self,
        table: CandidateTable,
        compiler: _Compiler,
        audiences: Sequence[list[object]],
        walks: Sequence[list[object]],
    ) -> None:
        self.table, self.compiler = table, compiler
        self.audiences, self.walks = audiences, walks
        self.rank = {workflow_id: position for position, workflow_id in enumerate(table.ordered)}
        self.cells: list[list[object]] = []

    def compile(self) -> Callable[[], _Table]:
        """Register the table's conditions; the returned function builds the table."""
        ordered = [self.entry(i, self.audiences[i]) for i in self.table.ordered]
        unindexed = [self.entry(i, self.audiences[i]) for i in self.table.unindexed]
        equality = [
            (
                index.attribute,
                {k: [self.indexed(i) for i in ids] for k, ids in index.buckets.items()},
            )
            for index in self.table.indexes
        ]
        ranges = [
            (index, [[self.indexed(i) for i in ids] for ids in index.slots])
            for index in self.table.ranges
        ]

        def build() -> _Table:
            return _Table(
                _bucket(ordered),
                _bucket(unindexed),
                tuple(_equality(attribute, buckets) for attribute, buckets in equality),
                tuple(
                    _Range(index.attribute, index.bounds, tuple(_bucket(b) for b in slots))
                    for index, slots in ranges
                ),
            )

        return build

    def entry(self, workflow_id: int, audience: list[object]) -> list[object]:
        return [self.rank[workflow_id], audience, self.walks[workflow_id]]

    def indexed(self, workflow_id: int) -> list[object]:
        """An entry checking only the audience the index left undecided."""
        residual = self._residual(workflow_id)
        if residual is None:
            return self.entry(workflow_id, [None])
        if residual is self.compiler.network.workflows[workflow_id].audience:
            return self.entry(workflow_id, self.audiences[workflow_id])
        cell: list[object] = [None]
        self.compiler.condition(residual, cell)
        return self.entry(workflow_id, cell)

    def _residual(self, workflow_id: int) -> Node | None:
        """The audience without the top-level tests the index decided."""
        audience = self.compiler.network.workflows[workflow_id].audience
        covered = self.table.covered.get(workflow_id, frozenset())
        if isinstance(audience, TestNode) and audience.test in covered:
            return None
        if not isinstance(audience, AllNode):
            return audience
        rest = tuple(
            c for c in audience.children if not (isinstance(c, TestNode) and c.test in covered)
        )
        if not rest:
            return None
        if len(rest) == len(audience.children):
            return audience
        return rest[0] if len(rest) == 1 else AllNode(rest)


def _bucket(entries: Sequence[list[object]]) -> Bucket:
    """Frozen entries: (rank, audience, walk), read from their cells once code is built."""
    return tuple((e[0], e[1][0], e[2][0]) for e in entries)  # type: ignore[misc,index]


def _equality(attribute: str, buckets: Mapping[IndexKey, Sequence[list[object]]]) -> _Equality:
    frozen = {key: _bucket(entries) for key, entries in buckets.items()}
    texts = {str(key[1]): bucket for key, bucket in frozen.items() if key[0] == "s"}
    return _Equality(attribute, texts, frozen)


class NativeExecutor:
    """Runs a `Network` in plain Python."""

    name = "native"

    def __init__(self, network: Network) -> None:
        compiler = _Compiler(network)
        audiences: list[list[object]] = []
        walks: list[list[object]] = []
        for workflow in network.workflows:
            audiences.append([None])
            if workflow.audience is not None:
                compiler.condition(workflow.audience, audiences[-1])
            walks.append([None])
            compiler.walk(workflow, walks[-1])
        builders = {
            key: _TableCompiler(table, compiler, audiences, walks).compile()
            for key, table in network.tables.items()
        }
        compiler.finish()
        self._tables: dict[str, dict[str, _Table]] = {}  # trigger -> channel -> table
        for (trigger, channel), build in builders.items():
            self._tables.setdefault(trigger, {})[channel] = build()

    def decide(self, trigger: str, channel: str, attributes: Attributes) -> Run | None:
        """The run of the highest-priority candidate whose audience holds, or None."""
        tables = self._tables.get(trigger)
        table = None if tables is None else tables.get(channel)
        if table is None:
            return None
        memo: Memo = {}
        walk = _choose(table, attributes, memo)
        return None if walk is None else walk(attributes, memo)

    def close(self) -> None:
        """Nothing to release."""


def _choose(table: _Table, attributes: Attributes, memo: Memo) -> Walk | None:
    """The walk of the highest-priority candidate whose audience holds.

    Each index bucket is in priority order: its first match ranked above the best so far
    is the best it offers; the unindexed candidates are tried last, also only while they
    rank above it.  A value an index cannot look up (NaN, a value of another type) sends
    the event through every candidate in order instead.
    """
    limit = len(table.ordered)
    best: Walk | None = None
    for equality in table.indexes:
        value = attributes.get(equality.attribute)
        if type(value) is str:
            bucket = equality.texts.get(value, ())
        elif value is None:
            continue  # a missing value falls in no bucket
        else:
            key = index_key(value)
            if key is None:
                return _first_match(table.ordered, attributes, memo)
            bucket = equality.others.get(key, ())
        for rank, audience, walk in bucket:  # inlined `_first_match`, also below
            if rank >= limit:
                break
            if audience is None or audience(attributes, memo):
                best, limit = walk, rank
                break
    for bounded in table.ranges:
        number = attributes.get(bounded.attribute)
        if number is None:
            continue  # every bound is false on a missing attribute
        if type(number) not in _NUMBER_TYPES or number != number:  # NaN: no slot
            return _first_match(table.ordered, attributes, memo)
        bounds = bounded.bounds  # `RangeIndex.slot`, inlined
        position = bisect_left(bounds, number)  # type: ignore[call-overload]
        if position < len(bounds) and bounds[position] == number:
            bucket = bounded.slots[2 * position + 1]
        else:
            bucket = bounded.slots[2 * position]
        for rank, audience, walk in bucket:
            if rank >= limit:
                break
            if audience is None or audience(attributes, memo):
                best, limit = walk, rank
                break
    for rank, audience, walk in table.unindexed:
        if rank >= limit:
            break
        if audience is None or audience(attributes, memo):
            return walk
    return best


def _first_match(entries: Bucket, attributes: Attributes, memo: Memo) -> Walk | None:
    """The walk of the first entry whose audience holds."""
    for _, audience, walk in entries:
        if audience is None or audience(attributes, memo):
            return walk
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
        run = _build_run(workflow.source, key)
        if len(workflow.runs) < MAX_CACHED_RUNS:
            workflow.runs[key] = run
    return run


def _build_run(workflow: CompiledWorkflow, choices: tuple[int, ...]) -> Run:
    """The run for the path the branch choices (-1: no row held) lead to."""
    pending = iter(choices)

    def choose(step: BranchNode) -> tuple[BranchVerdict, str | None]:
        matched = next(pending)
        row = None if matched < 0 else matched
        target = step.otherwise if row is None else step.targets[row]
        return verdict_for(step.name, len(step.rows), row, step.otherwise), target

    return walk_steps(workflow.name, workflow.trigger, workflow.start, workflow.steps, choose)
