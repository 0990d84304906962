"""The typed workflow model: what a workflow file means, once parsed.

Everything downstream (checks, the compiler, the executors, the diagrams) reads these
frozen dataclasses, never raw YAML.  Every node keeps the `Location` it came from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias, get_args

# The triggers, the one place their names are spelled (docs/workflows.md describes them).
FIRST_MESSAGE = "customer_sends_first_message"
ANY_MESSAGE = "customer_sends_any_message"
REOPENED = "conversation_reopened"
TEAMMATE_STARTS = "teammate_starts_conversation"
TRIGGERS: tuple[str, ...] = (FIRST_MESSAGE, ANY_MESSAGE, REOPENED, TEAMMATE_STARTS)

OPERATORS: tuple[str, ...] = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "contains",
    "starts_with",
    "matches",
    "exists",
    "missing",
    "gt",
    "gte",
    "lt",
    "lte",
)

# The one table of action kinds: the workflow parser accepts these keys, the help desk
# applies each (exhaustively, checked by mypy), the diagrams draw each, and
# docs/workflows.md lists them in this order (a test holds the two together).
ActionKind = Literal["assign", "unassign", "tag", "remove_tag", "note", "reply", "set", "close"]
ACTION_KINDS: tuple[ActionKind, ...] = get_args(ActionKind)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Location("<unknown>", 0, 0)

Scalar: TypeAlias = str | int | float | bool | datetime
Value: TypeAlias = Scalar | tuple[Scalar, ...] | None


@dataclass(frozen=True)
class Comparison:
    """`attribute operator value`, e.g. `customer.plan in (enterprise, premium)`.

    `value` is None for `exists` and `missing`, a tuple for `in` and `not_in`.
    """

    attribute: str
    operator: str
    value: Value
    location: Location = field(default=NOWHERE, compare=False)

    def __str__(self) -> str:
        if self.operator in ("exists", "missing"):
            return f"{self.attribute} {self.operator}"
        return f"{self.attribute} {self.operator} {format_value(self.value)}"


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]
    location: Location = field(default=NOWHERE, compare=False)

    def __str__(self) -> str:
        return "all(" + ", ".join(str(c) for c in self.conditions) + ")"


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]
    location: Location = field(default=NOWHERE, compare=False)

    def __str__(self) -> str:
        return "any(" + ", ".join(str(c) for c in self.conditions) + ")"


@dataclass(frozen=True)
class Not:
    condition: Condition
    location: Location = field(default=NOWHERE, compare=False)

    def __str__(self) -> str:
        return f"not({self.condition})"


Condition: TypeAlias = Comparison | AllOf | AnyOf | Not


def format_value(value: Value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        plain = value and value == value.strip() and " " not in value and '"' not in value
        return value if plain else json.dumps(value, ensure_ascii=False)
    return str(value)


def condition_text(condition: Condition) -> str:
    """The condition as one readable line (used in diagrams, findings and explain)."""
    if isinstance(condition, AllOf):
        return " and ".join(_parenthesised(c) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return " or ".join(_parenthesised(c) for c in condition.conditions)
    if isinstance(condition, Not):
        return "not " + _parenthesised(condition.condition)
    return str(condition)


def _parenthesised(condition: Condition) -> str:
    text = condition_text(condition)
    return f"({text})" if isinstance(condition, AllOf | AnyOf) else text


@dataclass(frozen=True)
class Action:
    """One thing an action step does.

    kind   value
    assign {"team": name} or {"teammate": name}
    unassign True (out of every inbox)
    tag    tuple of tag names
    remove_tag tuple of tag names
    note   text
    reply  text (an SMS reply to the customer)
    set    {"conversation.attribute": value}
    close  True
    """

    kind: ActionKind
    value: object
    location: Location = field(default=NOWHERE, compare=False)

    def to_dict(self) -> dict[str, object]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {self.kind: value}


@dataclass(frozen=True)
class BranchRow:
    when: Condition
    then: str
    location: Location = field(default=NOWHERE, compare=False)
    then_location: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class BranchStep:
    """Ordered rows: the first whose condition holds is taken, else `otherwise`."""

    name: str
    rows: tuple[BranchRow, ...]
    otherwise: str | None
    location: Location = field(default=NOWHERE, compare=False)
    otherwise_location: Location = field(default=NOWHERE, compare=False)

    def targets(self) -> tuple[str, ...]:
        rows = tuple(row.then for row in self.rows)
        return rows + ((self.otherwise,) if self.otherwise is not None else ())


@dataclass(frozen=True)
class ActionStep:
    """Does its actions in order, then goes to `next` (or ends)."""

    name: str
    actions: tuple[Action, ...]
    next: str | None
    location: Location = field(default=NOWHERE, compare=False)
    next_location: Location = field(default=NOWHERE, compare=False)

    def targets(self) -> tuple[str, ...]:
        return (self.next,) if self.next is not None else ()


Step: TypeAlias = BranchStep | ActionStep


@dataclass(frozen=True)
class Workflow:
    name: str
    trigger: str
    channels: tuple[str, ...] | None  # None: every channel
    audience: Condition | None
    priority: int
    start: str
    steps: Mapping[str, Step]  # in YAML order
    file: str
    location: Location = field(default=NOWHERE, compare=False)
    # Where each top-level key sits, for findings: "trigger", "priority", "start", ...
    key_locations: Mapping[str, Location] = field(default_factory=dict, compare=False)

    def where(self, key: str) -> Location:
        return self.key_locations.get(key, self.location)

    def runs_on(self, channel: str) -> bool:
        return self.channels is None or channel in self.channels
