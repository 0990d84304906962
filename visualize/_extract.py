"""Extract: the validated workflow model and its findings → a diagram.

Keys are stable names taken from the YAML (`step:<name>`), nodes come in YAML order,
and findings are attached to the step (or branch row) they point at; findings about
the whole workflow go on the trigger node.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from typing import assert_never

from rules_engine.findings import Finding
from rules_engine.model import (
    Action,
    ActionStep,
    AllOf,
    AnyOf,
    BranchStep,
    Comparison,
    Condition,
    Location,
    Not,
    Workflow,
    condition_text,
    format_value,
)
from rules_engine.workload import Workload

from ._model import Diagram, Edge, Mark, Node, Row

TRIGGER = "trigger"
FILTER = "filter"
TEXT_LIMIT = 60
WRAP_WIDTH = 56  # characters of one line in a box or a branch row
WRAP_LINES = 6  # lines a box shows of one text; the rest is in its tooltip
SYMBOLS = {
    "equals": "==",
    "not_equals": "≠",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "in": "∈",
    "not_in": "∉",
}


def step_key(name: str) -> str:
    return f"step-{name}"


def missing_key(name: str) -> str:
    return f"missing-{name}"


def key_name(key: str) -> str:
    """The step name in a key (`step-vip` → `vip`)."""
    return key.partition("-")[2] if key.startswith(("step-", "missing-")) else key


def shorten(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def wrap(text: str, width: int = WRAP_WIDTH, most: int = WRAP_LINES) -> tuple[str, ...]:
    """`text` on lines of at most `width` characters; past `most` lines the last one
    ends with `…` (never cut without a mark; the full text goes in the tooltip)."""
    lines = textwrap.wrap(text, width, break_on_hyphens=False, drop_whitespace=True) or [""]
    if len(lines) <= most:
        return tuple(lines)
    return (*lines[: most - 1], shorten(lines[most - 1] + " …", width))


def pretty(condition: Condition) -> str:
    """A condition as one line with symbols: `customer.plan ∈ [enterprise, premium]`."""
    if isinstance(condition, AllOf | AnyOf):
        joiner = " and " if isinstance(condition, AllOf) else " or "
        return joiner.join(_grouped(part) for part in condition.conditions)
    if isinstance(condition, Not):
        return "not " + _grouped(condition.condition)
    return _comparison(condition)


def _grouped(condition: Condition) -> str:
    text = pretty(condition)
    return f"({text})" if isinstance(condition, AllOf | AnyOf) else text


def _comparison(comparison: Comparison) -> str:
    if comparison.operator in ("exists", "missing"):
        return f"{comparison.attribute} {comparison.operator}"
    value = comparison.value
    shown = f'"{value}"' if isinstance(value, str) else format_value(value)
    operator = SYMBOLS.get(comparison.operator, comparison.operator)
    return f"{comparison.attribute} {operator} {shown}"


def where(location: Location | None) -> str:
    return f"{location.file}:{location.line}" if location is not None else ""


def workflow_diagram(
    workflow: Workflow, findings: Iterable[Finding] = (), workload: Workload | None = None
) -> Diagram:
    """The picture of one workflow, with its findings marked where they point; with the
    workspace's `workload`, assign nodes show the team's method and the limits."""
    marks = _Marks(workflow, [f for f in findings if belongs(f, workflow)])
    nodes = [_trigger(workflow, marks.of_workflow()), _filter(workflow)]
    nodes += [_step(workflow, step, marks, workload) for step in workflow.steps.values()]
    nodes += _missing_steps(workflow)
    subtitle = f"{workflow.file} · priority {workflow.priority}"
    return Diagram(workflow.name, workflow.name, subtitle, tuple(nodes), tuple(edges_of(nodes)))


def belongs(finding: Finding, workflow: Workflow) -> bool:
    if finding.workflow is not None:
        return finding.workflow == workflow.name and finding.location.file == workflow.file
    return finding.location.file == workflow.file


def edges_of(nodes: Sequence[Node]) -> list[Edge]:
    """The arrows the nodes imply: trigger → filter → start → …, in node order."""
    edges: list[Edge] = []
    for node in nodes:
        if node.kind == "branch":
            edges += [_row_edge(node, row, row.target) for row in node.rows if row.target]
        elif node.target is not None:
            edges.append(Edge(node.key, node.target, status=node.status))
    return edges


def _row_edge(node: Node, row: Row, target: str) -> Edge:
    tooltip = f"{node.title}: {row.text} → {key_name(target)}"
    return Edge(node.key, target, row.port, row.status, tooltip=tooltip)


def _target(workflow: Workflow, name: str | None) -> str | None:
    if name is None:
        return None
    return step_key(name) if name in workflow.steps else missing_key(name)


def _trigger(workflow: Workflow, marks: tuple[Mark, ...]) -> Node:
    where_ = workflow.where("trigger")
    tooltip = f"trigger {workflow.trigger} ({where(where_)})"
    return Node(
        TRIGGER,
        "trigger",
        f"▶ {workflow.trigger}",
        (),
        (),
        where_,
        marks=marks,
        target=FILTER,
        tooltip=tooltip,
    )


def _filter(workflow: Workflow) -> Node:
    channels = (
        "any channel"
        if workflow.channels is None
        else "channel ∈ {" + ", ".join(workflow.channels) + "}"
    )
    lines: tuple[str, ...] = ()
    full = ""
    if workflow.audience is not None:
        full = pretty(workflow.audience)
        lines = wrap(full)
    audience = condition_text(workflow.audience) if workflow.audience else "everyone"
    tooltip = f"{channels}; audience: {audience} ({where(workflow.where('channels'))})"
    start = _target(workflow, workflow.start)
    return Node(
        FILTER,
        "filter",
        channels,
        lines,
        (),
        workflow.where("channels"),
        target=start,
        tooltip=tooltip,
        full=full,
    )


def _step(
    workflow: Workflow, step: BranchStep | ActionStep, marks: _Marks, workload: Workload | None
) -> Node:
    if isinstance(step, BranchStep):
        return _branch(workflow, step, marks)
    lines = tuple(line for action in step.actions for line in _wrapped(action, workload))
    full = "; ".join(action_text(action, None, workload) for action in step.actions)
    tooltip = f"{step.name}: {full} ({where(step.location)})"
    return Node(
        step_key(step.name),
        "action",
        step.name,
        lines,
        (),
        step.location,
        marks=marks.of_step(step.name),
        target=_target(workflow, step.next),
        tooltip=tooltip,
        full=full,
    )


def _branch(workflow: Workflow, step: BranchStep, marks: _Marks) -> Node:
    rows = [
        Row(
            f"r{index}",
            str(index),
            pretty(row.when),
            _target(workflow, row.then),
            row.location,
            marks=marks.of_row(step.name, index),
            detail=condition_text(row.when),
        )
        for index, row in enumerate(step.rows, start=1)
    ]
    else_location = step.otherwise_location if step.otherwise is not None else step.location
    rows.append(
        Row(
            "else",
            "↳",
            "else",
            _target(workflow, step.otherwise),
            else_location,
            marks=marks.of_row(step.name, 0),
        )
    )
    tooltip = f"{step.name}: first matching row wins ({where(step.location)})"
    return Node(
        step_key(step.name),
        "branch",
        step.name,
        ("first match",),
        tuple(rows),
        step.location,
        marks=marks.of_step(step.name),
        tooltip=tooltip,
    )


def _missing_steps(workflow: Workflow) -> list[Node]:
    names = [workflow.start, *(t for s in workflow.steps.values() for t in s.targets())]
    missing = dict.fromkeys(name for name in names if name not in workflow.steps)
    return [
        Node(
            missing_key(name),
            "missing",
            name,
            ("⚠ E-unknown-step", "no step by this name"),
            tooltip=f"no step named {name} in {workflow.name}",
        )
        for name in missing
    ]


def _wrapped(action: Action, workload: Workload | None = None) -> tuple[str, ...]:
    first, *rest = wrap(action_text(action, None, workload))
    return (first, *(f"   {line}" for line in rest))


def action_text(action: Action, limit: int | None = 40, workload: Workload | None = None) -> str:
    """`assign → team:Billing`, `tag + sms, vip`, `reply “Thanks…”` (None: in full); with
    a workload, `assign → team:Orders (balanced, limit 6, 3 members)`."""
    value = action.value
    kind = action.kind
    match kind:
        case "assign" if isinstance(value, dict):
            text = "assign → " + ", ".join(f"{k}:{v}" for k, v in value.items())
            return text + _workload_text(value, workload)
        case "tag" if isinstance(value, tuple):
            return "tag + " + ", ".join(str(v) for v in value)
        case "remove_tag" if isinstance(value, tuple):
            return "tag − " + ", ".join(str(v) for v in value)
        case "set" if isinstance(value, dict):
            return "set " + ", ".join(f"{k} = {v}" for k, v in value.items())
        case "note" | "reply":
            text = str(value) if limit is None else shorten(str(value), limit)
            return f"{kind} “{text}”"
        case "assign" | "unassign" | "tag" | "remove_tag" | "set" | "close":
            return kind
        case _:
            assert_never(kind)


def _workload_text(value: dict[object, object], workload: Workload | None) -> str:
    team, teammate = value.get("team"), value.get("teammate")
    if workload is not None and isinstance(team, str) and team in workload.teams:
        spec = workload.teams[team]
        return f" ({spec.describe()})" if spec.members or spec.method != "manual" else ""
    if workload is not None and isinstance(teammate, str):
        own = workload.teammate(teammate).limit
        return f" (limit {own})" if own is not None else ""
    return ""


class _Marks:
    """Findings of one workflow, sorted onto its steps, rows (0 = else) and itself."""

    def __init__(self, workflow: Workflow, findings: Sequence[Finding]) -> None:
        self._workflow = workflow
        self._by_place: dict[tuple[str | None, int | None], list[Mark]] = {}
        for finding in findings:
            place = self._place(finding)
            mark = Mark(finding.code, finding.message, finding.location)
            self._by_place.setdefault(place, []).append(mark)

    def of_workflow(self) -> tuple[Mark, ...]:
        return tuple(self._by_place.get((None, None), ()))

    def of_step(self, step: str) -> tuple[Mark, ...]:
        return tuple(self._by_place.get((step, None), ()))

    def of_row(self, step: str, row: int) -> tuple[Mark, ...]:
        return tuple(self._by_place.get((step, row), ()))

    def _place(self, finding: Finding) -> tuple[str | None, int | None]:
        step = finding.step or self._step_at(finding.location.line)
        if step is None or step not in self._workflow.steps:
            return (None, None)
        target = self._workflow.steps[step]
        if isinstance(target, BranchStep):
            if finding.code == "W-missing-else":
                return (step, 0)
            return (step, _row_at(target, finding.location.line))
        return (step, None)

    def _step_at(self, line: int) -> str | None:
        if line < self._workflow.where("steps").line or self._workflow.where("steps").line == 0:
            return None
        earlier = [s for s in self._workflow.steps.values() if 0 < s.location.line <= line]
        return max(earlier, key=lambda s: s.location.line).name if earlier else None


def _row_at(step: BranchStep, line: int) -> int | None:
    starts = [(row.location.line, index) for index, row in enumerate(step.rows, start=1)]
    if step.otherwise is not None:
        starts.append((step.otherwise_location.line, 0))
    earlier = [(start, index) for start, index in starts if 0 < start <= line]
    return max(earlier)[1] if earlier else None
