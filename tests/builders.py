"""The tests' one set of builders for workspaces and workflows, as models and as YAML.

    from builders import attribute, tagging, workflow, workspace

    WORKSPACE = workspace(attribute("customer.plan", "enum", "free", "pro"))
    flow = workflow("w", [tagging("go", "w")], priority=3, audience=PRO)

Importable as `builders` from every test folder (`tests/conftest.py` imports it first).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path

from rules_engine.model import (
    FIRST_MESSAGE,
    Action,
    ActionStep,
    BranchRow,
    BranchStep,
    Condition,
    Step,
    Workflow,
)
from rules_engine.workspace import AttributeSpec, AttributeType, Workspace, builtin_attributes

EXAMPLES = Path(__file__).resolve().parents[1] / "workflows"
CHANNELS = ("sms", "email")

# -- models ------------------------------------------------------------------------------


def attribute(name: str, kind: AttributeType, *values: str) -> AttributeSpec:
    """A declared attribute; `values` for an enum."""
    return AttributeSpec(name, kind, values) if values else AttributeSpec(name, kind)


def workspace(*attributes: AttributeSpec, channels: tuple[str, ...] = CHANNELS) -> Workspace:
    """The built-in attributes of `channels`, and `attributes`."""
    declared = {spec.name: spec for spec in attributes}
    return Workspace(attributes={**builtin_attributes(channels), **declared}, channels=channels)


def workflow(
    name: str,
    steps: Iterable[Step] | Mapping[str, Step],
    *,
    priority: int = 1,
    audience: Condition | None = None,
    channels: tuple[str, ...] | None = None,
    start: str | None = None,
    trigger: str = FIRST_MESSAGE,
    file: str | None = None,
) -> Workflow:
    """A workflow of `steps` (in order; `start` is the first unless given), in `name.yaml`."""
    by_name = dict(steps) if isinstance(steps, Mapping) else {s.name: s for s in steps}
    first = start if start is not None else next(iter(by_name))
    return Workflow(
        name, trigger, channels, audience, priority, first, by_name, file or f"{name}.yaml"
    )


def tagging(name: str, *tags: str, next: str | None = None) -> ActionStep:
    """An action step that only tags."""
    return ActionStep(name, (Action("tag", tags),), next)


def branch(
    name: str, rows: Iterable[tuple[Condition, str]], otherwise: str | None = None
) -> BranchStep:
    """A branch step from `(condition, target)` rows."""
    return BranchStep(name, tuple(BranchRow(when, then) for when, then in rows), otherwise)


# -- YAML --------------------------------------------------------------------------------

EXAMPLE_WORKSPACE = (EXAMPLES / "workspace.yaml").read_text()

# A workflow that starts at a step that does not exist.
BROKEN_WORKFLOW = (
    "workflow: broken\ntrigger: customer_sends_first_message\npriority: 1\n"
    "start: nowhere\nsteps:\n  a:\n    tag: [x]\n"
)
# A workflow whose trigger does not exist.
UNKNOWN_TRIGGER_WORKFLOW = "workflow: w\ntrigger: nope\nstart: s\nsteps: {s: {tag: x}}\n"


def write_project(folder: Path, **files: str) -> Path:
    """The examples' workspace and `name.yaml` for each file (dedented) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "workspace.yaml").write_text(EXAMPLE_WORKSPACE)
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip())
    return folder
