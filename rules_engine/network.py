"""The compiled rule network: one typed, backend-neutral form for every executor.

`compiler.compile_network` turns workflows into a `Network`:

- every distinct test (attribute, operator, value) exists once, as a `Test` with an
  integer id, shared by every audience and branch row that uses it;
- conditions are trees (`TestNode`, `AllNode`, `AnyNode`, `NotNode`) over test ids;
- each branch step keeps its rows in order (`BranchNode.rows`) and the same rows as
  mutually exclusive rules (`BranchNode.rules`, from `logic.branch_rules`): rule k holds
  when row k holds and no earlier row does, the last rule is the `else`;
- candidate workflows are found by `CandidateTable`, one per (trigger, channel), in
  priority order, with an index on the top-level equality / `in` test of audiences
  (`AttributeIndex`) and one on their top-level numeric bounds (`RangeIndex`).

Executors (`_native`, `_durable`) read this and nothing else; the reference interpreter
reads the workflows themselves, so the two can be compared.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias, TypeVar

from .events import BranchVerdict, Run
from .model import Action, Value, Workflow


@dataclass(frozen=True)
class Test:
    """One distinct comparison, shared by every rule that uses it."""

    __test__ = False  # not a pytest test class

    id: int
    attribute: str
    operator: str
    value: Value

    def __str__(self) -> str:
        return f"t{self.id}: {self.attribute} {self.operator} {self.value!r}"


@dataclass(frozen=True)
class TestNode:
    __test__ = False  # not a pytest test class

    test: int


@dataclass(frozen=True)
class AllNode:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyNode:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class NotNode:
    child: Node


Node: TypeAlias = TestNode | AllNode | AnyNode | NotNode


@dataclass(frozen=True)
class Rule:
    """One mutually exclusive rule of a branch step: `row` is None for the `else`."""

    condition: Node
    target: str | None
    row: int | None


@dataclass(frozen=True)
class BranchNode:
    name: str
    rows: tuple[Node, ...]
    targets: tuple[str, ...]
    otherwise: str | None
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class ActionNode:
    name: str
    actions: tuple[Action, ...]
    next: str | None


StepNode: TypeAlias = BranchNode | ActionNode


@dataclass(frozen=True)
class CompiledWorkflow:
    id: int
    name: str
    trigger: str
    channels: tuple[str, ...] | None
    priority: int
    audience: Node | None
    start: str
    steps: Mapping[str, StepNode]
    source: Workflow = field(compare=False, repr=False)


IndexKey: TypeAlias = tuple[str, object]


@dataclass(frozen=True)
class AttributeIndex:
    """Workflows whose audience requires `attribute` to equal one of some values."""

    attribute: str
    buckets: Mapping[IndexKey, tuple[int, ...]]  # key -> workflow ids, priority order


@dataclass(frozen=True)
class RangeIndex:
    """Workflows whose audience bounds a number attribute (`gt`, `gte`, `lt`, `lte`).

    `bounds` are the distinct literals in ascending order.  They cut the number line
    into `2 * len(bounds) + 1` slots: slot `2i` holds the values strictly between
    `bounds[i - 1]` and `bounds[i]`, slot `2i + 1` the value `bounds[i]` itself.  Every
    value of one slot satisfies the same bounds, so `slots[s]` lists (in priority order)
    the workflows whose bounds all hold there.
    """

    attribute: str
    bounds: tuple[int | float, ...]
    slots: tuple[tuple[int, ...], ...]  # slot -> workflow ids, priority order

    def slot(self, value: int | float) -> int:
        """The slot of a number (not NaN)."""
        position = bisect_left(self.bounds, value)
        if position < len(self.bounds) and self.bounds[position] == value:
            return 2 * position + 1
        return 2 * position


@dataclass(frozen=True)
class CandidateTable:
    """The workflows that may run for one (trigger, channel), highest priority first.

    `ordered` lists every candidate; `unindexed` those no index can rule out; an indexed
    workflow is a candidate for an event only when the event's value of the index
    attribute falls in one of its buckets (or slots).  `covered` names, per indexed
    workflow, the top-level tests of its audience that falling in the bucket decides.
    """

    trigger: str
    channel: str
    ordered: tuple[int, ...]
    unindexed: tuple[int, ...]
    indexes: tuple[AttributeIndex, ...]
    ranges: tuple[RangeIndex, ...] = ()
    covered: Mapping[int, frozenset[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Network:
    tests: tuple[Test, ...]
    workflows: tuple[CompiledWorkflow, ...]
    tables: Mapping[tuple[str, str], CandidateTable]
    triggers: tuple[str, ...]
    channels: tuple[str, ...]

    def workflow(self, name: str) -> CompiledWorkflow:
        for workflow in self.workflows:
            if workflow.name == name:
                return workflow
        raise KeyError(name)

    def table(self, trigger: str, channel: str) -> CandidateTable | None:
        return self.tables.get((trigger, channel))


def index_key(value: object) -> IndexKey | None:
    """The hashable key under which `equals` finds `value`; None when it never matches.

    Keys carry a kind so that `True` and `1` (equal in Python, not for `equals`) differ;
    NaN has no key because it equals nothing.
    """
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("n", value)
    if isinstance(value, float):
        return None if math.isnan(value) else ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, datetime):
        return ("t", value) if value.tzinfo is not None else None
    return None


def node_tests(node: Node) -> frozenset[int]:
    """The ids of the tests a condition tree reads."""
    if isinstance(node, TestNode):
        return frozenset((node.test,))
    if isinstance(node, NotNode):
        return node_tests(node.child)
    found: set[int] = set()
    for child in node.children:
        found |= node_tests(child)
    return frozenset(found)


Branch = TypeVar("Branch")


def walk(
    workflow: str,
    trigger: str,
    start: str,
    steps: Mapping[str, ActionNode | Branch],
    choose: Callable[[Branch], tuple[BranchVerdict, str | None]],
) -> Run:
    """The run from `start`: action steps add their actions, and `choose` says what each
    branch step decided (its verdict, and the step it leads to, or None to end)."""
    path: list[str] = []
    actions: list[Action] = []
    verdicts: list[BranchVerdict] = []
    current: str | None = start
    while current is not None:
        path.append(current)
        step = steps[current]
        if isinstance(step, ActionNode):
            actions.extend(step.actions)
            current = step.next
            continue
        verdict, current = choose(step)
        verdicts.append(verdict)
    return Run(workflow, trigger, tuple(path), tuple(actions), tuple(verdicts))
