"""Field-by-field comparison of two parsed workflows: every change, texts in full.

The diff picture is drawn from shortened, wrapped boxes; what decides whether a
workflow changed is this walk over the typed model instead.  It compares every field
that takes part in equality (locations and the file name do not), so a field added to
the model later (timers, waits) is compared without a change here:

    steps.route.rows[2].when: customer.seats > 5000 → customer.seats > 50000

Paths name the field: `trigger`, `channels`, `audience`, `priority`, `start`,
`steps.NAME` (a step added or removed), `steps.NAME.rows[N].when|then`,
`steps.NAME.otherwise`, `steps.NAME.actions[N].KIND` (or `.KIND[KEY]` for one key of
an `assign` or a `set`), `steps.NAME.next`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from typing import Literal

from rules_engine.model import (
    Action,
    ActionStep,
    AllOf,
    AnyOf,
    BranchRow,
    BranchStep,
    Comparison,
    Not,
    Workflow,
    format_value,
)

from ._extract import pretty

ChangeKind = Literal["added", "removed", "changed"]
_SKIPPED = frozenset({"file"})  # where a version was read from is not a change
_CONDITIONS = (Comparison, AllOf, AnyOf, Not)


@dataclass(frozen=True)
class FieldChange:
    """One field that differs; `old`/`new` are full texts (None: absent on that side)."""

    path: str
    old: str | None
    new: str | None

    @property
    def kind(self) -> ChangeKind:
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "changed"

    def text(self) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {self.new}"
        if self.kind == "removed":
            return f"− {self.path}: {self.old}"
        return f"~ {self.path}: {self.old} → {self.new}"

    def to_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "kind": self.kind, "old": self.old, "new": self.new}


def workflow_changes(old: Workflow | None, new: Workflow | None) -> tuple[FieldChange, ...]:
    """Every field that differs between two versions, in the order of the model."""
    if old is None or new is None:
        either = new if new is not None else old
        if either is None:
            return ()
        text = f"workflow {either.name} ({either.trigger}, priority {either.priority})"
        return (FieldChange("workflow", text if old else None, text if new else None),)
    found: list[FieldChange] = []
    _walk("", old, new, found)
    return tuple(found)


def _walk(path: str, old: object, new: object, found: list[FieldChange]) -> None:
    if old == new:
        return
    if _is_record(old) and type(old) is type(new) and not isinstance(old, _CONDITIONS):
        if isinstance(old, Action) and isinstance(new, Action) and old.kind == new.kind:
            _walk(f"{path}.{old.kind}", old.value, new.value, found)
            return
        if not isinstance(old, Action):
            for item in fields(old):  # type: ignore[arg-type]
                if item.compare and item.name not in _SKIPPED:
                    where = _join(path, item.name)
                    _walk(where, getattr(old, item.name), getattr(new, item.name), found)
            return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        _mapping(path, old, new, found)
        return
    if _records(old) and _records(new):
        _sequence(path, old, new, found)  # type: ignore[arg-type]
        return
    found.append(FieldChange(path or "workflow", describe(old), describe(new)))


def _mapping(
    path: str, old: Mapping[object, object], new: Mapping[object, object], found: list[FieldChange]
) -> None:
    steps = path == "steps"
    for key in [*old, *(k for k in new if k not in old)]:
        where = f"{path}.{key}" if steps else f"{path}[{key}]"
        if key not in new:
            found.append(FieldChange(where, describe(old[key]), None))
        elif key not in old:
            found.append(FieldChange(where, None, describe(new[key])))
        else:
            _walk(where, old[key], new[key], found)


def _sequence(
    path: str, old: tuple[object, ...], new: tuple[object, ...], found: list[FieldChange]
) -> None:
    for index in range(max(len(old), len(new))):
        where = f"{path}[{index + 1}]"
        if index >= len(new):
            found.append(FieldChange(where, describe(old[index]), None))
        elif index >= len(old):
            found.append(FieldChange(where, None, describe(new[index])))
        else:
            _walk(where, old[index], new[index], found)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_record(value: object) -> bool:
    return is_dataclass(value) and not isinstance(value, type)


def _records(value: object) -> bool:
    return isinstance(value, tuple) and any(_is_record(item) for item in value)


def describe(value: object) -> str:
    """A value in full, on one line: conditions with symbols, texts quoted."""
    if isinstance(value, _CONDITIONS):
        return pretty(value)
    if isinstance(value, Action):
        return f"{value.kind} {describe(value.value)}"
    if isinstance(value, BranchRow):
        return f"when {pretty(value.when)} → {value.then}"
    if isinstance(value, BranchStep):
        rows = "; ".join(f"{pretty(r.when)} → {r.then}" for r in value.rows)
        return f"branch [{rows}; else → {value.otherwise or 'end'}]"
    if isinstance(value, ActionStep):
        actions = "; ".join(describe(action) for action in value.actions)
        return f"[{actions}] → {value.next or 'end'}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {describe(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        return "[" + ", ".join(describe(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "none"
    if isinstance(value, bool | int | float | datetime):
        return format_value(value)
    if _is_record(value):
        return repr(value)
    return str(value)
