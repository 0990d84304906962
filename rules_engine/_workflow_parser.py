"""Reading a workflow file into a `Workflow`, reporting every problem as a finding.

Shape problems (wrong keys, wrong kinds of value, unknown attributes and assignees,
type mismatches) are found here, where the YAML position is at hand; problems of the
graph and of the logic are found by `checks` on the model.
"""

from __future__ import annotations

from collections.abc import Mapping

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import _yaml
from ._condition_parser import ConditionParser
from ._reader import Reader, did_you_mean, one_of
from ._yaml_limits import MAX_STEPS
from .model import (
    TRIGGERS,
    Action,
    ActionKind,
    ActionStep,
    BranchRow,
    BranchStep,
    Comparison,
    Condition,
    Location,
    Step,
    Workflow,
)
from .workspace import Workspace

WORKFLOW_KEYS = (
    "workflow",
    "description",
    "trigger",
    "channels",
    "audience",
    "priority",
    "start",
    "steps",
)
ACTION_KEYS: tuple[ActionKind, ...] = ("assign", "tag", "note", "reply", "set", "close")
STEP_KEYS = ("branch", "else", "next", "description", *ACTION_KEYS)


# Stands for a condition that could not be read, so that the graph can still be checked.
UNREADABLE = Comparison("<unreadable>", "exists", None)


class WorkflowParser:
    """Reads one workflow; `complete` is False when some condition could not be read."""

    def __init__(self, reader: Reader, workspace: Workspace) -> None:
        self.reader = reader
        self.workspace = workspace
        self.complete = True

    def parse(self, root: Node) -> Workflow | None:
        entries = self.reader.mapping(root, "a workflow")
        self.reader.unknown_keys(entries, WORKFLOW_KEYS, "a workflow")
        name = self._name(entries, root)
        self.reader.workflow = name
        trigger = self._required(entries, "trigger", root)
        start = self._required(entries, "start", root)
        if trigger is not None and not self._trigger(trigger, entries["trigger"][1]):
            self.complete = False
        channels = self._channels(entries["channels"][1]) if "channels" in entries else None
        audience = self._audience(entries)
        priority = self._priority(entries)
        steps = self._steps(entries["steps"][1]) if "steps" in entries else None
        if "steps" not in entries:
            self.reader.report("E-schema", root, "a workflow needs `steps`")
        if name is None or start is None or not steps:
            return None
        if trigger is None or priority is None:
            self.complete = False
        return Workflow(
            name=name,
            trigger=trigger or "<unknown>",
            channels=channels,
            audience=audience,
            priority=priority if priority is not None else 0,
            start=start,
            steps=steps,
            file=self.reader.file,
            location=self.reader.at(root),
            key_locations={key: self.reader.at(key_node) for key, (key_node, _) in entries.items()},
        )

    def _required(
        self, entries: Mapping[str, tuple[Node, Node]], key: str, root: Node
    ) -> str | None:
        if key not in entries:
            self.reader.report("E-schema", root, f"a workflow needs `{key}`")
            return None
        return self.reader.text(entries[key][1], f"`{key}`")

    def _name(self, entries: Mapping[str, tuple[Node, Node]], root: Node) -> str | None:
        if "workflow" not in entries:
            hint = "start the file with `workflow: <name>`"
            self.reader.report("E-schema", root, "a workflow needs a name", hint)
            return None
        return self.reader.text(entries["workflow"][1], "the workflow's name")

    def _trigger(self, trigger: str, node: Node) -> bool:
        if trigger in TRIGGERS:
            return True
        hint = did_you_mean(trigger, TRIGGERS) or f"expected {one_of(TRIGGERS)}"
        self.reader.report("E-schema", node, f"unknown trigger `{trigger}`", hint)
        return False

    def _channels(self, node: Node) -> tuple[str, ...] | None:
        channels = self.reader.texts(node, "`channels`")
        for index, channel in enumerate(channels or ()):
            if channel not in self.workspace.channels:
                where = node.value[index] if isinstance(node, SequenceNode) else node
                hint = did_you_mean(channel, self.workspace.channels)
                hint = hint or f"the workspace has {one_of(self.workspace.channels)}"
                self.reader.report("E-schema", where, f"unknown channel `{channel}`", hint)
        return channels

    def _audience(self, entries: Mapping[str, tuple[Node, Node]]) -> Condition | None:
        if "audience" not in entries:
            return None
        return self._condition(entries["audience"][1], None)

    def _condition(self, node: Node, step: str | None) -> Condition:
        condition = ConditionParser(self.reader, self.workspace, step).parse(node)
        if condition is None:
            self.complete = False
            return UNREADABLE
        return condition

    def _priority(self, entries: Mapping[str, tuple[Node, Node]]) -> int | None:
        if "priority" not in entries:
            return 0
        return self.reader.integer(entries["priority"][1], "`priority`")

    def _steps(self, node: Node) -> dict[str, Step] | None:
        if isinstance(node, MappingNode) and len(node.value) > MAX_STEPS:
            message = f"the workflow has {len(node.value):,} steps, over the limit of {MAX_STEPS:,}"
            self.reader.report("E-too-large", node, message, "split it into several workflows")
            return None
        steps: dict[str, Step] = {}
        for name, key_node, value in self.reader.items(node, "`steps`"):
            steps[name] = self._step(name, key_node, value)
        if not steps and not self.reader.findings:
            self.reader.report("E-schema", node, "a workflow needs at least one step")
        return steps

    def _step(self, name: str, key_node: Node, node: Node) -> Step:
        """The step; a step with problems is still returned, so references to it hold."""
        entries = self.reader.mapping(node, f"step `{name}`")
        where = self.reader.at(key_node)
        if not isinstance(node, MappingNode):
            self.complete = False
            return ActionStep(name, (), None, where)
        self.reader.unknown_keys(entries, STEP_KEYS, f"step `{name}`")
        if "branch" in entries:
            return self._branch_step(name, entries, where)
        if "else" in entries:
            self.reader.report("E-schema", entries["else"][0], "`else` belongs to a branch step")
        actions = tuple(self._actions(name, entries))
        if not any(key in entries for key in ACTION_KEYS):
            hint = "give it `branch:` rows or actions: " + one_of(ACTION_KEYS)
            self.reader.report("E-schema", key_node, f"step `{name}` does nothing", hint)
        if len(actions) != sum(key in entries for key in ACTION_KEYS):
            self.complete = False  # kept, so that steps leading here are not reported
        next_step, next_where = self._target(entries, "next")
        return ActionStep(name, actions, next_step, where, next_where)

    def _target(
        self, entries: Mapping[str, tuple[Node, Node]], key: str
    ) -> tuple[str | None, Location]:
        if key not in entries:
            return None, Location(self.reader.file, 0, 0)
        value = entries[key][1]
        return self.reader.text(value, f"`{key}`"), self.reader.at(value)

    def _branch_step(
        self, name: str, entries: Mapping[str, tuple[Node, Node]], where: Location
    ) -> BranchStep:
        for key, (key_node, _) in entries.items():
            if key in ACTION_KEYS or key == "next":
                message = f"step `{name}` is a branch: `{key}` belongs in the step it leads to"
                self.reader.report("E-schema", key_node, message)
        node = entries["branch"][1]
        if not isinstance(node, SequenceNode) or not node.value:
            self.reader.report("E-syntax", node, "`branch` takes a list of `when`/`then` rows")
        items = node.value if isinstance(node, SequenceNode) else []
        rows = [self._row(name, row) for row in items]
        otherwise, otherwise_where = self._target(entries, "else")
        found = tuple(row for row in rows if row is not None)
        if len(found) != len(rows) or not found:
            self.complete = False
        return BranchStep(name, found, otherwise, where, otherwise_where)

    def _row(self, step: str, node: Node) -> BranchRow | None:
        entries = self.reader.mapping(node, f"a row of branch `{step}`")
        self.reader.unknown_keys(entries, ("when", "then"), f"a row of branch `{step}`")
        missing = [key for key in ("when", "then") if key not in entries]
        for key in missing:
            self.reader.report("E-schema", node, f"a branch row needs `{key}`", step=step)
        if missing:
            return None
        when = self._condition(entries["when"][1], step)
        then = self.reader.text(entries["then"][1], "`then`")
        if then is None:
            return None
        return BranchRow(when, then, self.reader.at(node), self.reader.at(entries["then"][1]))

    def _actions(self, step: str, entries: Mapping[str, tuple[Node, Node]]) -> list[Action]:
        actions: list[Action] = []
        for key, (key_node, value) in entries.items():
            kind = next((k for k in ACTION_KEYS if k == key), None)
            if kind is None:
                continue
            parsed = self._action_value(step, kind, value)
            if parsed is not None:
                actions.append(Action(kind, parsed, self.reader.at(key_node)))
        return actions

    def _action_value(self, step: str, kind: ActionKind, node: Node) -> object:
        if kind == "assign":
            return self._assign(step, node)
        if kind == "tag":
            return self.reader.texts(node, "`tag`")
        if kind in ("note", "reply"):
            return self.reader.text(node, f"`{kind}`")
        if kind == "set":
            return self._set(step, node)
        value = _yaml.scalar(node) if isinstance(node, ScalarNode) else None
        if value is not True:
            self.reader.report("E-syntax", node, "`close` takes `true`", step=step)
            return None
        return True

    def _assign(self, step: str, node: Node) -> dict[str, str] | None:
        entries = self.reader.mapping(node, "`assign`")
        self.reader.unknown_keys(entries, ("team", "teammate"), "`assign`")
        kinds = [key for key in ("team", "teammate") if key in entries]
        if len(kinds) != 1:
            message = "`assign` takes exactly one of `team` or `teammate`"
            self.reader.report("E-schema", node, message, step=step)
            return None
        kind = kinds[0]
        value_node = entries[kind][1]
        name = self.reader.text(value_node, f"`assign.{kind}`")
        if name is None:
            return None
        known = self.workspace.teams if kind == "team" else self.workspace.teammates
        if name not in known:
            hint = did_you_mean(name, known) or f"the workspace has {one_of(known) or 'none'}"
            message = f"the workspace has no {kind} `{name}`"
            self.reader.report("E-unknown-assignee", value_node, message, hint, step)
        return {kind: name}

    def _set(self, step: str, node: Node) -> dict[str, object] | None:
        values: dict[str, object] = {}
        settable = self.workspace.settable()
        for name, key_node, value in self.reader.items(node, "`set`"):
            if name not in settable:
                hint = did_you_mean(name, settable) or (
                    f"declare it under `attributes` as `conversation.{name.split('.')[-1]}`"
                )
                message = f"`{name}` is not a conversation attribute that can be set"
                self.reader.report("E-unknown-attribute", key_node, message, hint, step)
                continue
            parser = ConditionParser(self.reader, self.workspace, step)
            spec = self.workspace.attributes[name]
            literal = parser.scalar(value)
            typed = parser.typed(spec, "equals", literal, value) if literal is not None else None
            if typed is not None:
                values[name] = typed
        return values or None
