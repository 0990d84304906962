"""The routing overview: triggers and channels → workflows in priority order →
assignees, with conflicts (E-priority-tie, W-shadowed-workflow) marked.  With many workflows
each group keeps its highest-priority and conflicting workflows and folds the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rules_engine.findings import Finding
from rules_engine.model import TRIGGERS, ActionStep, Workflow

from ._extract import pretty, wrap
from ._model import Diagram, Edge, Mark, Node

CONFLICTS = ("E-priority-tie", "W-shadowed-workflow")


@dataclass(frozen=True)
class OverviewOptions:
    """Fold when there are more than `fold_at` workflows, keeping `keep` per group."""

    fold_at: int = 30
    keep: int = 5


def overview_diagram(
    workflows: Sequence[Workflow],
    findings: Iterable[Finding] = (),
    options: OverviewOptions = OverviewOptions(),
) -> Diagram:
    conflicts = [f for f in findings if f.code in CONFLICTS and f.workflow is not None]
    fold = len(workflows) > options.fold_at
    nodes: list[Node] = []
    edges: list[Edge] = []
    for trigger in _triggers(workflows):
        nodes.append(Node(f"trigger-{trigger}", "trigger", f"▶ {trigger}"))
        for label, group in _groups([w for w in workflows if w.trigger == trigger]):
            channel = f"channels-{trigger}-{label}"
            nodes.append(Node(channel, "channel", label))
            edges.append(Edge(f"trigger-{trigger}", channel))
            shown, folded = _fold(group, conflicts, options.keep if fold else len(group))
            for workflow in shown:
                nodes.append(_workflow_node(workflow, conflicts))
                edges.append(Edge(channel, f"workflow-{workflow.name}", label=""))
            if folded:
                nodes.append(_fold_node(channel, folded))
                edges.append(Edge(channel, f"fold-{channel}"))
    nodes += _assignees(workflows, {n.key for n in nodes})
    edges += _assignments(workflows, {n.key for n in nodes})
    edges += _conflict_edges(workflows, conflicts, {n.key for n in nodes})
    subtitle = f"{len(workflows)} workflows · highest priority first" + (
        f" · folded to {options.keep} per group" if fold else ""
    )
    return Diagram("overview", "Routing overview", subtitle, tuple(nodes), tuple(edges), "overview")


def _triggers(workflows: Sequence[Workflow]) -> list[str]:
    used = dict.fromkeys(w.trigger for w in workflows)
    return [t for t in TRIGGERS if t in used] + sorted(t for t in used if t not in TRIGGERS)


def _groups(workflows: Sequence[Workflow]) -> Iterator[tuple[str, list[Workflow]]]:
    labels = dict.fromkeys(_channels(w) for w in sorted(workflows, key=_order))
    for label in labels:
        yield label, sorted((w for w in workflows if _channels(w) == label), key=_order)


def _channels(workflow: Workflow) -> str:
    return "any channel" if workflow.channels is None else ", ".join(workflow.channels)


def _order(workflow: Workflow) -> tuple[int, str]:
    return (-workflow.priority, workflow.name)


def _fold(
    group: list[Workflow], conflicts: Sequence[Finding], keep: int
) -> tuple[list[Workflow], list[Workflow]]:
    flagged = {f.workflow for f in conflicts}
    shown = [w for i, w in enumerate(group) if i < keep or w.name in flagged]
    return shown, [w for w in group if w not in shown]


def _workflow_node(workflow: Workflow, conflicts: Sequence[Finding]) -> Node:
    marks = tuple(
        Mark(f.code, f.message, f.location) for f in conflicts if f.workflow == workflow.name
    )
    audience = pretty(workflow.audience) if workflow.audience is not None else "everyone"
    lines = (f"priority {workflow.priority}", *wrap(f"audience: {audience}", 50, 3))
    tooltip = f"{workflow.name}: priority {workflow.priority}, audience {audience}"
    return Node(
        f"workflow-{workflow.name}",
        "workflow",
        workflow.name,
        lines,
        location=workflow.location,
        marks=marks,
        tooltip=tooltip,
    )


def _fold_node(channel: str, folded: list[Workflow]) -> Node:
    low, high = folded[-1].priority, folded[0].priority
    names = ", ".join(w.name for w in folded)
    return Node(
        f"fold-{channel}",
        "fold",
        f"… {len(folded)} more workflows",
        (f"priority {high} to {low}",),
        tooltip=names,
    )


def _assignees_of(workflow: Workflow) -> Iterator[str]:
    for step in workflow.steps.values():
        if isinstance(step, ActionStep):
            for action in step.actions:
                if action.kind == "assign" and isinstance(action.value, dict):
                    yield from (f"{kind}: {name}" for kind, name in action.value.items())


def _assignees(workflows: Sequence[Workflow], shown: set[str]) -> list[Node]:
    names = dict.fromkeys(
        a
        for w in sorted(workflows, key=_order)
        if f"workflow-{w.name}" in shown
        for a in _assignees_of(w)
    )
    return [Node(f"assignee-{name}", "assignee", name) for name in names]


def _assignments(workflows: Sequence[Workflow], shown: set[str]) -> list[Edge]:
    edges: list[Edge] = []
    for workflow in sorted(workflows, key=_order):
        if f"workflow-{workflow.name}" in shown:
            heads = dict.fromkeys(_assignees_of(workflow))
            edges += [Edge(f"workflow-{workflow.name}", f"assignee-{h}") for h in heads]
    return edges


def _conflict_edges(
    workflows: Sequence[Workflow], conflicts: Sequence[Finding], shown: set[str]
) -> list[Edge]:
    edges: dict[tuple[str, frozenset[str]], Edge] = {}
    for finding in conflicts:
        for other in workflows:
            pair = (f"workflow-{finding.workflow}", f"workflow-{other.name}")
            named = other.name != finding.workflow and f"`{other.name}`" in finding.message
            if named and set(pair) <= shown:
                edge = Edge(
                    *pair, label=f"⚠ {finding.code}", constraint=False, tooltip=finding.message
                )
                edges.setdefault((finding.code, frozenset(pair)), edge)
    return list(edges.values())
