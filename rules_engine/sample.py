"""Sample events for a project's own workflows: what `helpdesk-rules bench` decides on.

Values are drawn from the workspace's declared attributes, and mostly from the literals
the workflows compare them with, so that the events take every kind of path: branches
that match, branches that do not, attributes that are missing.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from .events import ConversationEvent
from .model import AllOf, AnyOf, BranchStep, Comparison, Condition, Not, Workflow
from .workspace import AttributeSpec, Workspace

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
WORDS = ("hello", "refund", "order 12345", "thanks", "STOP", "où est ma commande ?")


def sample_events(
    workflows: Sequence[Workflow], workspace: Workspace, count: int, seed: int = 7
) -> list[ConversationEvent]:
    """`count` events on the triggers and channels the workflows run on."""
    rng = random.Random(seed)
    literals = _literals(workflows)
    routes = sorted({(wf.trigger, ch) for wf in workflows for ch in _channels(wf, workspace)})
    if not routes:
        return []
    specs = [
        spec for spec in workspace.attributes.values() if spec.name in literals or not spec.builtin
    ]
    return [_event(rng, rng.choice(routes), specs, literals, i) for i in range(count)]


def _channels(workflow: Workflow, workspace: Workspace) -> tuple[str, ...]:
    return workflow.channels if workflow.channels is not None else workspace.channels


def _event(
    rng: random.Random,
    route: tuple[str, str],
    specs: Sequence[AttributeSpec],
    literals: dict[str, list[object]],
    index: int,
) -> ConversationEvent:
    scopes: dict[str, dict[str, object]] = {"customer": {}, "conversation": {}, "message": {}}
    for spec in specs:
        if spec.name == "conversation.channel" or rng.random() < 0.15:
            continue  # missing attributes are part of the picture
        scope, key = spec.name.split(".", 1)
        scopes[scope][key] = _value(rng, spec, literals.get(spec.name, []))
    return ConversationEvent(
        trigger=route[0],
        channel=route[1],
        at=START + timedelta(minutes=index),
        customer=scopes["customer"],
        conversation=scopes["conversation"],
        message=scopes["message"],
        id=f"sample-{index}",
    )


def _value(rng: random.Random, spec: AttributeSpec, seen: list[object]) -> object:
    if spec.type == "enum":
        return rng.choice(spec.values)
    if spec.type == "boolean":
        return rng.random() < 0.5
    if spec.type == "number":
        numbers = [v for v in seen if isinstance(v, int | float) and not isinstance(v, bool)]
        base = rng.choice(numbers) if numbers and rng.random() < 0.7 else rng.randint(0, 100)
        return base + rng.choice((-1, 0, 0, 1))
    if spec.type == "timestamp":
        return (START - timedelta(days=rng.randint(-30, 400))).isoformat()
    texts = [v for v in seen if isinstance(v, str)]
    if spec.type == "list":
        return rng.sample(texts, k=min(len(texts), rng.randint(0, 2)))
    return rng.choice(texts) if texts and rng.random() < 0.6 else rng.choice(WORDS)


def _literals(workflows: Sequence[Workflow]) -> dict[str, list[object]]:
    """Every literal each attribute is compared with."""
    found: dict[str, list[object]] = {}
    for comparison in (c for wf in workflows for c in _comparisons(wf)):
        values = comparison.value if isinstance(comparison.value, tuple) else (comparison.value,)
        found.setdefault(comparison.attribute, []).extend(v for v in values if v is not None)
    return found


def _comparisons(workflow: Workflow) -> Iterator[Comparison]:
    conditions: list[Condition] = [workflow.audience] if workflow.audience else []
    for step in workflow.steps.values():
        if isinstance(step, BranchStep):
            conditions += [row.when for row in step.rows]
    for condition in conditions:
        yield from _leaves(condition)


def _leaves(condition: Condition) -> Iterator[Comparison]:
    if isinstance(condition, Comparison):
        yield condition
    elif isinstance(condition, Not):
        yield from _leaves(condition.condition)
    elif isinstance(condition, AllOf | AnyOf):
        for child in condition.conditions:
            yield from _leaves(child)
