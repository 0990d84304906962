"""Every change is seen: a generated workflow and one random single-field mutation of it,
for every kind of field; the diff must report exactly that field, and the picture too."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules_engine.model import (
    TRIGGERS,
    Action,
    ActionStep,
    AllOf,
    AnyOf,
    BranchRow,
    BranchStep,
    Comparison,
    Condition,
    Not,
    Step,
    Value,
    Workflow,
)
from tests.rules_engine.strategies import comparisons, conditions, workflows, workspaces
from visualize import diff_workflows
from visualize._changes import workflow_changes

LONG = "Thanks for reaching out to us today. A senior specialist will text you back shortly."
EXTRA_ACTIONS = (
    Action("assign", {"team": "VIP Support"}),
    Action("tag", ("sms", "vip")),
    Action("note", "Replied to a campaign with fifty or more seats: a sales lead."),
    Action("reply", LONG),
    Action("set", {"conversation.priority": "high", "conversation.topic": "billing"}),
)
Mutation = Callable[[st.DataObject, Workflow], tuple[Workflow, str]]


@st.composite
def workflows_to_mutate(draw: st.DrawFn) -> Workflow:
    """A generated workflow, plus a branch step and an action step with every action kind
    (a `set` of two attributes, long texts), so every mutation has somewhere to land."""
    workspace = draw(workspaces())
    workflow = draw(workflows(workspace))[0]
    rows = draw(st.lists(st.builds(BranchRow, conditions(workspace), st.just("zz")), min_size=1))
    steps: dict[str, Step] = dict(workflow.steps)
    steps["zb"] = BranchStep("zb", tuple(rows), draw(st.sampled_from(("zz", None))))
    steps["zz"] = ActionStep("zz", EXTRA_ACTIONS, None)
    audience = draw(st.one_of(st.none(), conditions(workspace), comparisons(workspace)))
    return dataclasses.replace(workflow, steps=steps, audience=audience)


def other_value(value: Value) -> Value:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value * 10 + 1
    if isinstance(value, str):
        return value + " changed"
    if isinstance(value, datetime):
        return value + timedelta(days=1)
    if isinstance(value, tuple):
        return (*value, "changed")
    return "changed"


def deep_mutation(condition: Condition) -> Condition:
    """The same condition with one comparison, the deepest last one, changed."""
    if isinstance(condition, AllOf | AnyOf):
        *head, last = condition.conditions
        return dataclasses.replace(condition, conditions=(*head, deep_mutation(last)))
    if isinstance(condition, Not):
        return Not(deep_mutation(condition.condition))
    if condition.operator in ("exists", "missing"):
        flipped = "missing" if condition.operator == "exists" else "exists"
        return dataclasses.replace(condition, operator=flipped)
    return dataclasses.replace(condition, value=other_value(condition.value))


def with_step(workflow: Workflow, step: Step) -> Workflow:
    return dataclasses.replace(workflow, steps={**workflow.steps, step.name: step})


def pick(data: st.DataObject, workflow: Workflow, kind: type[Step]) -> Step:
    found = [s for s in workflow.steps.values() if isinstance(s, kind)]
    return data.draw(st.sampled_from(found))


def trigger(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    new = data.draw(st.sampled_from([t for t in TRIGGERS if t != w.trigger]))
    return dataclasses.replace(w, trigger=new), "trigger"


def channels(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    if w.channels is None:
        return dataclasses.replace(w, channels=("sms",)), "channels"
    others = [c for c in ("sms", "email", "chat", "whatsapp") if c not in w.channels]
    return dataclasses.replace(w, channels=(*w.channels, others[0])), "channels"


def audience(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    if w.audience is None:
        vip = Comparison("customer.vip", "equals", True)
        return dataclasses.replace(w, audience=vip), "audience"
    return dataclasses.replace(w, audience=deep_mutation(w.audience)), "audience"


def priority(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    return dataclasses.replace(w, priority=w.priority + data.draw(st.integers(1, 50))), "priority"


def start(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    return dataclasses.replace(w, start=w.start + "_other"), "start"


def row_when(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    step = pick(data, w, BranchStep)
    assert isinstance(step, BranchStep)
    index = data.draw(st.integers(0, len(step.rows) - 1))
    rows = list(step.rows)
    rows[index] = dataclasses.replace(rows[index], when=deep_mutation(rows[index].when))
    path = f"steps.{step.name}.rows[{index + 1}].when"
    return with_step(w, dataclasses.replace(step, rows=tuple(rows))), path


def row_then(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    step = pick(data, w, BranchStep)
    assert isinstance(step, BranchStep)
    index = data.draw(st.integers(0, len(step.rows) - 1))
    rows = list(step.rows)
    rows[index] = dataclasses.replace(rows[index], then=rows[index].then + "_other")
    path = f"steps.{step.name}.rows[{index + 1}].then"
    return with_step(w, dataclasses.replace(step, rows=tuple(rows))), path


def otherwise(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    step = pick(data, w, BranchStep)
    assert isinstance(step, BranchStep)
    new = None if step.otherwise is not None else "zz"
    return with_step(w, dataclasses.replace(step, otherwise=new)), f"steps.{step.name}.otherwise"


def step_next(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    step = pick(data, w, ActionStep)
    assert isinstance(step, ActionStep)
    new = (step.next or "end") + "_other"
    return with_step(w, dataclasses.replace(step, next=new)), f"steps.{step.name}.next"


def action_value(kind: str) -> Mutation:
    def mutate(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
        step = w.steps["zz"]
        assert isinstance(step, ActionStep)
        index = next(i for i, a in enumerate(step.actions) if a.kind == kind)
        action = step.actions[index]
        path = f"steps.zz.actions[{index + 1}].{kind}"
        value: object
        if isinstance(action.value, dict):
            key = data.draw(st.sampled_from(sorted(action.value)))
            value = {**action.value, key: str(action.value[key]) + "-changed"}
            path += f"[{key}]"
        elif isinstance(action.value, tuple):
            value = (*action.value, "changed")
        else:
            value = str(action.value)[:-1] + "!"  # the last character, past any cut
        actions = list(step.actions)
        actions[index] = dataclasses.replace(action, value=value)
        return with_step(w, dataclasses.replace(step, actions=tuple(actions))), path

    return mutate


def row_added(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    step = w.steps["zb"]
    assert isinstance(step, BranchStep)
    row = BranchRow(Comparison("customer.vip", "exists", None), "zz")
    path = f"steps.zb.rows[{len(step.rows) + 1}]"
    return with_step(w, dataclasses.replace(step, rows=(*step.rows, row))), path


def action_removed(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    step = w.steps["zz"]
    assert isinstance(step, ActionStep)
    path = f"steps.zz.actions[{len(step.actions)}]"
    return with_step(w, dataclasses.replace(step, actions=step.actions[:-1])), path


def step_added(data: st.DataObject, w: Workflow) -> tuple[Workflow, str]:
    return with_step(w, ActionStep("zextra", (Action("close", True),), None)), "steps.zextra"


MUTATIONS: dict[str, Mutation] = {
    "trigger": trigger,
    "channels": channels,
    "audience": audience,
    "priority": priority,
    "start": start,
    "row when": row_when,
    "row then": row_then,
    "else": otherwise,
    "next": step_next,
    "assign": action_value("assign"),
    "tag": action_value("tag"),
    "note": action_value("note"),
    "reply": action_value("reply"),
    "set": action_value("set"),
    "row added": row_added,
    "action removed": action_removed,
    "step added": step_added,
}
EXAMPLES = 40


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_a_single_field_mutation_is_reported_exactly(kind: str) -> None:
    seen: list[str] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(workflow=workflows_to_mutate(), data=st.data())
    def check(workflow: Workflow, data: st.DataObject) -> None:
        mutated, path = MUTATIONS[kind](data, workflow)
        assert workflow_changes(workflow, dataclasses.replace(workflow, file="other.yaml")) == ()
        diff = diff_workflows(workflow, mutated)
        assert [change.path for change in diff.changes] == [path]
        assert diff.changes[0].old != diff.changes[0].new
        assert diff.changed and sum(diff.counts.values()) >= 1, "the picture shows it too"
        seen.append(path)

    check()
    print(f"{kind}: {len(seen)} mutations reported exactly")
    assert len(seen) >= EXAMPLES // 2


def test_changes_name_texts_in_full() -> None:
    step = ActionStep("s", EXTRA_ACTIONS, None)
    old = Workflow("w", TRIGGERS[0], None, None, 1, "s", {"s": step}, "w.yaml")
    new_reply = Action("reply", LONG.replace("shortly", "soon"))
    actions = (*EXTRA_ACTIONS[:3], new_reply, EXTRA_ACTIONS[4])
    new = with_step(old, dataclasses.replace(step, actions=actions))
    (change,) = workflow_changes(old, new)
    assert change.text() == f'~ steps.s.actions[4].reply: "{LONG}" → "{new_reply.value}"'
    assert workflow_changes(None, old)[0].kind == "added"
    assert workflow_changes(old, None)[0].kind == "removed"
