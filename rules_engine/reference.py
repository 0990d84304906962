"""The reference interpreter: the workflows walked as written, with `semantics.evaluate`.

It is the oracle the executors are tested against, so it stays as plain as it can:
no network, no index, no memo.  For an event it tries the workflows of the event's
trigger from the highest priority down and runs the first whose channels and audience
match.  In a branch step the rows are tried in order: rows before the matched one are
"false", the matched row "matched", later rows "not_evaluated"; when no row holds every
row is "false" and `else` is taken (when there is no `else`, the path ends there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .errors import WorkflowError
from .events import BranchVerdict, Run, Verdict
from .model import Action, ActionStep, BranchStep, Workflow
from .semantics import evaluate


class ReferenceInterpreter:
    """Decides by walking the workflow graphs directly."""

    name = "reference"

    def __init__(self, workflows: Sequence[Workflow]) -> None:
        self._workflows = tuple(sorted(workflows, key=lambda wf: -wf.priority))

    def decide(self, trigger: str, channel: str, attributes: Mapping[str, object]) -> Run | None:
        """The run of the highest-priority matching workflow, or None."""
        for workflow in self._workflows:
            if workflow.trigger != trigger or not workflow.runs_on(channel):
                continue
            if workflow.audience is None or evaluate(workflow.audience, attributes):
                return run_workflow(workflow, attributes)
        return None

    def close(self) -> None:
        """Nothing to release."""


def run_workflow(workflow: Workflow, attributes: Mapping[str, object]) -> Run:
    """Walk one workflow from its start step."""
    path: list[str] = []
    actions: list[Action] = []
    verdicts: list[BranchVerdict] = []
    current: str | None = workflow.start
    while current is not None:
        if current not in workflow.steps or len(path) > len(workflow.steps):
            raise WorkflowError(f"workflow {workflow.name!r} cannot be walked at {current!r}")
        path.append(current)
        step = workflow.steps[current]
        if isinstance(step, ActionStep):
            actions.extend(step.actions)
            current = step.next
        else:
            verdict, current = _branch(step, attributes)
            verdicts.append(verdict)
    return Run(workflow.name, workflow.trigger, tuple(path), tuple(actions), tuple(verdicts))


def _branch(step: BranchStep, attributes: Mapping[str, object]) -> tuple[BranchVerdict, str | None]:
    for index, row in enumerate(step.rows):
        if evaluate(row.when, attributes):
            return verdict_for(step.name, len(step.rows), index, step.otherwise), row.then
    return verdict_for(step.name, len(step.rows), None, step.otherwise), step.otherwise


def verdict_for(step: str, rows: int, matched: int | None, otherwise: str | None) -> BranchVerdict:
    """The verdict of a branch step whose row `matched` (None: no row) was taken."""
    false: tuple[Verdict, ...] = ("false",)
    if matched is None:
        return BranchVerdict(step, false * rows, otherwise is not None)
    later: tuple[Verdict, ...] = ("not_evaluated",)
    verdicts = false * matched + ("matched",) + later * (rows - matched - 1)
    return BranchVerdict(step, verdicts, False)
