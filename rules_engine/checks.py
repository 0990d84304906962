"""Checks on parsed workflows: the graph, the logic, and workflows against each other.

Each check is a function from the model to findings.  The logic checks (shadowed
branches, unsatisfiable conditions, shadowed workflows) reuse the compiler's
reasoning in `logic`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterator, Sequence
from typing import TypeAlias

import networkx as nx

from ._reader import did_you_mean
from .findings import Finding
from .logic import OverlapCheck, row_reachability, satisfiable
from .model import (
    TRIGGERS,
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
)
from .workspace import Workspace


def check_workflow(workflow: Workflow, workspace: Workspace, logic: bool = True) -> list[Finding]:
    """The graph checks, and with `logic` (every condition was read) the logic checks."""
    findings = graph_findings(workflow)
    if workflow.start in workflow.steps:
        findings += _unreachable(workflow)
    findings += _missing_else(workflow)
    findings += _teamless_assignees(workflow, workspace)
    if logic:
        findings += _rows_of_branches(workflow, workspace)
        findings += _audience(workflow, workspace)
    return findings


def _teamless_assignees(workflow: Workflow, workspace: Workspace) -> Iterator[Finding]:
    """`assign: {teammate: X}` where X is in no team, in a workspace whose teams have
    members: X's limit holds, but no team inbox shares X's conversations out."""
    load = workspace.workload
    if not any(team.members for team in load.teams.values()):
        return
    for step in workflow.steps.values():
        for action in step.actions if isinstance(step, ActionStep) else ():
            name = action.value.get("teammate") if isinstance(action.value, dict) else None
            if action.kind == "assign" and name in load.teammates and not load.teams_of(str(name)):
                message = f"`{name}` is assigned to here but is a member of no team"
                hint = f"add `{name}` to a team's `members`, or assign to a team"
                yield _finding(
                    "W-teamless-assignee", workflow, action.location, message, hint, step.name
                )


def check_together(
    workflows: Sequence[Workflow], workspace: Workspace, readable: Collection[str]
) -> list[Finding]:
    """Ties, duplicate names, and shadowed workflows among those named in `readable`.

    Pairs are visited in the order of `combinations(workflows, 2)`, but only within a
    trigger.  Overlapping audiences at different priorities are the normal way to write
    fallbacks (VIP, then Spanish, then everyone else) and are no finding; a workflow is
    only flagged when higher-priority ones catch every event it could match.
    """
    findings = list(_duplicate_names(workflows))
    names = set(readable)
    for first, second in _same_trigger_pairs(workflows):
        if first.priority == second.priority:
            findings += _tie(first, second)
    findings += _shadowed_workflows(workflows, workspace, names)
    return findings


def _same_trigger_pairs(workflows: Sequence[Workflow]) -> Iterator[tuple[Workflow, Workflow]]:
    """`combinations(workflows, 2)` restricted to pairs with the same known trigger."""
    groups: dict[str, list[int]] = defaultdict(list)
    for position, workflow in enumerate(workflows):
        if workflow.trigger in TRIGGERS:
            groups[workflow.trigger].append(position)
    later: dict[int, list[int]] = {}
    for group in groups.values():
        later.update((position, group[k + 1 :]) for k, position in enumerate(group))
    for position, workflow in enumerate(workflows):
        for other in later.get(position, ()):
            yield workflow, workflows[other]


def _finding(
    code: str,
    workflow: Workflow,
    where: Location,
    message: str,
    hint: str | None = None,
    step: str | None = None,
) -> Finding:
    return Finding(code, where, message, hint, workflow.name, step)


def graph_findings(workflow: Workflow) -> list[Finding]:
    """Steps that do not exist and cycles: the graph problems no executor can walk.

    The one graph check: `check_workflow` reports these, and the compiler refuses a
    workflow that has any.
    """
    return [*_unknown_steps(workflow), *_cycles(workflow)]


def _graph(workflow: Workflow) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(workflow.steps)
    for name, step in workflow.steps.items():
        known = (target for target in step.targets() if target in workflow.steps)
        graph.add_edges_from((name, target) for target in known)
    return graph


def _unknown_steps(workflow: Workflow) -> Iterator[Finding]:
    names = list(workflow.steps)
    references: list[tuple[str, Location, str | None]] = [
        (workflow.start, workflow.where("start"), None)
    ]
    for name, step in workflow.steps.items():
        if isinstance(step, BranchStep):
            references += [(row.then, row.then_location, name) for row in step.rows]
            if step.otherwise is not None:
                references.append((step.otherwise, step.otherwise_location, name))
        elif step.next is not None:
            references.append((step.next, step.next_location, name))
    for target, where, step_name in references:
        if target not in workflow.steps:
            hint = did_you_mean(target, names) or f"the steps are {', '.join(names)}"
            message = f"no step named `{target}` in workflow `{workflow.name}`"
            yield _finding("E-unknown-step", workflow, where, message, hint, step_name)


def _cycles(workflow: Workflow) -> Iterator[Finding]:
    graph = _graph(workflow)
    for component in nx.strongly_connected_components(graph):
        members = [name for name in workflow.steps if name in component]
        if len(members) == 1 and not graph.has_edge(members[0], members[0]):
            continue
        loop = " → ".join([*members, members[0]])
        step = workflow.steps[members[0]]
        hint = "a workflow is a DAG: end one of these steps or lead it elsewhere"
        message = f"the steps form a cycle: {loop}"
        yield _finding("E-cycle", workflow, step.location, message, hint, members[0])


def _unreachable(workflow: Workflow) -> Iterator[Finding]:
    reached = nx.descendants(_graph(workflow), workflow.start) | {workflow.start}
    for name, step in workflow.steps.items():
        if name not in reached:
            message = f"step `{name}` is never reached from `{workflow.start}`"
            hint = "lead a branch or a `next` to it, or remove it"
            yield _finding("W-unreachable", workflow, step.location, message, hint, name)


def _branch_steps(workflow: Workflow) -> Iterator[BranchStep]:
    return (step for step in workflow.steps.values() if isinstance(step, BranchStep))


def _missing_else(workflow: Workflow) -> Iterator[Finding]:
    for step in _branch_steps(workflow):
        if step.otherwise is None:
            message = f"branch `{step.name}` has no `else`: when no row matches, the workflow ends"
            hint = "add `else: <step>` to say what happens then"
            yield _finding("W-missing-else", workflow, step.location, message, hint, step.name)


def _rows_of_branches(workflow: Workflow, workspace: Workspace) -> Iterator[Finding]:
    for step in _branch_steps(workflow):
        yield from _rows(workflow, step, workspace)


def _rows(workflow: Workflow, step: BranchStep, workspace: Workspace) -> Iterator[Finding]:
    verdicts = row_reachability([row.when for row in step.rows], workspace)
    for index, (row, verdict) in enumerate(zip(step.rows, verdicts, strict=True)):
        if verdict == "holds":
            continue
        text = condition_text(row.when)
        if verdict == "never":
            message = f"row {index + 1} of `{step.name}` can never hold: {text}"
            hint = "check the values and operators"
            yield _finding("W-unsatisfiable", workflow, row.location, message, hint, step.name)
        else:
            message = f"row {index + 1} of `{step.name}` is never taken: earlier rows catch {text}"
            hint = "move it above the rows that catch it, or remove it"
            yield _finding("W-shadowed-branch", workflow, row.location, message, hint, step.name)


def _audience(workflow: Workflow, workspace: Workspace) -> Iterator[Finding]:
    if workflow.audience is not None and not satisfiable(workflow.audience, workspace):
        message = f"the audience of `{workflow.name}` can never hold, so it never runs"
        yield _finding("W-unsatisfiable", workflow, workflow.where("audience"), message)


def _duplicate_names(workflows: Sequence[Workflow]) -> Iterator[Finding]:
    seen: dict[str, Workflow] = {}
    for workflow in workflows:
        if workflow.name in seen:
            first = seen[workflow.name]
            message = f"another workflow is named `{workflow.name}` ({first.where('workflow')})"
            yield _finding("E-duplicate-workflow", workflow, workflow.where("workflow"), message)
        seen.setdefault(workflow.name, workflow)


def _tie(first: Workflow, second: Workflow) -> Iterator[Finding]:
    for this, other in ((first, second), (second, first)):
        message = (
            f"`{this.name}` and `{other.name}` both run on `{this.trigger}` with priority "
            f"{this.priority} ({other.where('priority')})"
        )
        hint = "give one of them a higher priority: only one workflow runs per event"
        yield _finding("E-priority-tie", this, this.where("priority"), message, hint)


def _shadowed_workflows(
    workflows: Sequence[Workflow], workspace: Workspace, names: Collection[str]
) -> Iterator[Finding]:
    """W-shadowed-workflow: a workflow that can never run, because on every channel it
    runs on, workflows of higher priority with its trigger catch every event it could
    match.  Only raised when the search is certain (`satisfiable` says yes when unsure).

    Workflows with the same audience (the same conditions and values) are searched
    once: each low workflow is compared with the distinct audiences above it, not with
    every workflow, and the search runs over distinct audiences."""
    groups: dict[str, list[Workflow]] = defaultdict(list)
    for workflow in workflows:
        if workflow.trigger in TRIGGERS and workflow.name in names:
            groups[workflow.trigger].append(workflow)
    overlaps = OverlapCheck(workspace)
    for group in groups.values():
        yield from _Audiences(group, workspace, overlaps).shadowed()


_Key: TypeAlias = Hashable


def _key(condition: Condition | None) -> _Key:
    """Equal for conditions that test the same things (types of values included)."""
    if condition is None:
        return None
    if isinstance(condition, Comparison):
        return ("?", condition.attribute, condition.operator, _typed(condition.value))
    if isinstance(condition, Not):
        return ("not", _key(condition.condition))
    kind = "all" if isinstance(condition, AllOf) else "any"
    return (kind, tuple(_key(child) for child in condition.conditions))


def _typed(value: object) -> _Key:
    if isinstance(value, tuple):
        return tuple(_typed(item) for item in value)
    return (type(value).__name__, value)


class _Audiences:
    """One trigger's workflows, by distinct audience: for each, the highest priority of
    the workflows with it that run on every channel and on each named channel."""

    def __init__(self, group: Sequence[Workflow], workspace: Workspace, overlaps: OverlapCheck):
        self.group = group
        self.workspace = workspace
        self.overlaps = overlaps
        self.keys = [_key(w.audience) for w in group]
        self.audience: dict[_Key, Condition | None] = {}
        self.everywhere: dict[_Key, int] = {}
        self.on: dict[_Key, dict[str, int]] = {}
        for workflow, key in zip(group, self.keys, strict=True):
            self.audience.setdefault(key, workflow.audience)
            if workflow.channels is None:
                best = self.everywhere.get(key)
                if best is None or workflow.priority > best:
                    self.everywhere[key] = workflow.priority
            else:
                on = self.on.setdefault(key, {})
                for channel in workflow.channels:
                    if channel not in on or workflow.priority > on[channel]:
                        on[channel] = workflow.priority
        self.top = {key: self._top(key) for key in self.audience}
        self.satisfiable: dict[_Key, bool] = {}
        self.caught: dict[tuple[_Key, tuple[_Key, ...]], bool] = {}

    def shadowed(self) -> Iterator[Finding]:
        for low, key in zip(self.group, self.keys, strict=True):
            overlapping = self._overlapping(low, key)
            if overlapping and self._shadowed(low, key, overlapping):
                higher = [
                    w
                    for w, k in zip(self.group, self.keys, strict=True)
                    if w.priority > low.priority and k in overlapping
                ]
                yield _shadowed(low, _catchers(low, higher, self.workspace))

    def _overlapping(self, low: Workflow, key: _Key) -> set[_Key]:
        """The distinct audiences of higher workflows that overlap `low`'s."""
        found: set[_Key] = set()
        for other, audience in self.audience.items():
            if self.top[other] > low.priority and self.overlaps.overlap(low.audience, audience):
                found.add(other)
        return found

    def _top(self, key: _Key) -> float:
        tops = [*self.on.get(key, {}).values()]
        if key in self.everywhere:
            tops.append(self.everywhere[key])
        return max(tops, default=-math.inf)

    def _top_on(self, key: _Key, channel: str) -> float:
        tops = [self.everywhere.get(key, -math.inf), self.on.get(key, {}).get(channel, -math.inf)]
        return max(tops)

    def _shadowed(self, low: Workflow, key: _Key, overlapping: set[_Key]) -> bool:
        if key not in self.satisfiable:
            self.satisfiable[key] = satisfiable(low.audience, self.workspace)
        if not self.satisfiable[key]:
            return False  # W-unsatisfiable says so already
        ordered = [k for k in self.audience if k in overlapping]
        for channel in low.channels if low.channels is not None else self.workspace.channels:
            covering = tuple(k for k in ordered if self._top_on(k, channel) > low.priority)
            if not covering:
                return False
            if None in covering or key in covering:
                continue
            memo = (key, covering)
            if memo not in self.caught:
                audiences = [a for k in covering if (a := self.audience[k]) is not None]
                self.caught[memo] = _caught_by(low.audience, audiences, self.workspace)
            if not self.caught[memo]:
                return False
        return True


def _catchers(low: Workflow, higher: Sequence[Workflow], workspace: Workspace) -> list[Workflow]:
    """The higher workflows that catch `low`'s events on its channels (its shadowing
    found already), by priority, highest first."""
    found: dict[str, Workflow] = {}
    for channel in low.channels if low.channels is not None else workspace.channels:
        found.update((w.name, w) for w in higher if w.runs_on(channel))
    return sorted(found.values(), key=lambda w: -w.priority)


def _caught_by(
    audience: Condition | None, covering: Sequence[Condition], workspace: Workspace
) -> bool:
    """Whether every event `audience` matches is matched by one of `covering`."""
    others = AnyOf(tuple(covering))
    escape = Not(others) if audience is None else AllOf((audience, Not(others)))
    return not satisfiable(escape, workspace)


def _shadowed(low: Workflow, catchers: Sequence[Workflow]) -> Finding:
    named = ", ".join(f"`{w.name}` (priority {w.priority})" for w in catchers)
    channels = "every channel" if low.channels is None else ", ".join(low.channels)
    message = (
        f"`{low.name}` can never run: {named} catch every event it could match "
        f"on `{low.trigger}` ({channels})"
    )
    hint = "remove it, raise its priority above theirs, or narrow their audiences"
    return _finding("W-shadowed-workflow", low, low.where("priority"), message, hint)
