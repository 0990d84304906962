"""Reading a workspace file into a `Workspace`, reporting every problem as a finding."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import _yaml
from ._reader import Reader, did_you_mean, one_of
from ._workload_parser import parse_workload
from .sections import Setting
from .workspace import (
    ATTRIBUTE_TYPES,
    DEFAULT_CHANNELS,
    EXECUTORS,
    SCOPES,
    WORKSPACE_KEYS,
    AttributeSpec,
    AttributeType,
    Workspace,
    builtin_attributes,
)


def parse_workspace(root: Node, reader: Reader) -> Workspace:
    entries = reader.mapping(root, "the workspace")
    workspace = Workspace(attributes={}, file=reader.file)
    fields: dict[str, object] = {}
    if "executor" in entries:
        fields["executor"] = _choice(entries["executor"][1], EXECUTORS, "executor", reader)
    if "channels" in entries:
        fields["channels"] = reader.texts(entries["channels"][1], "`channels`")
    workload = parse_workload(
        entries["teams"][1] if "teams" in entries else None,
        entries["teammates"][1] if "teammates" in entries else None,
        reader,
    )
    fields["teams"], fields["teammates"] = tuple(workload.teams), tuple(workload.teammates)
    channels = fields.get("channels") or DEFAULT_CHANNELS
    assert isinstance(channels, tuple)
    attributes = builtin_attributes(channels)
    if "attributes" in entries:
        attributes.update(_attributes(entries["attributes"][1], attributes, reader))
    fields = {key: value for key, value in fields.items() if value is not None}
    return Workspace(
        attributes=attributes,
        teams=_tuple(fields.get("teams", workspace.teams)),
        teammates=_tuple(fields.get("teammates", workspace.teammates)),
        channels=channels,
        executor=str(fields.get("executor", workspace.executor)),
        file=reader.file,
        workload=workload,
        sections={
            key: setting_of(value, reader, key_node)
            for key, (key_node, value) in entries.items()
            if key not in WORKSPACE_KEYS
        },
    )


def _tuple(value: object) -> tuple[str, ...]:
    assert isinstance(value, tuple)
    return value


def _choice(node: Node, choices: tuple[str, ...], what: str, reader: Reader) -> str | None:
    value = reader.text(node, f"`{what}`")
    if value is None or value in choices:
        return value
    hint = did_you_mean(value, choices) or f"expected {one_of(choices)}"
    reader.report("E-schema", node, f"unknown {what} `{value}`", hint)
    return None


def setting_of(node: Node, reader: Reader, key_node: Node | None = None) -> Setting:
    """The plain value of `node`, every part with its location."""
    key_location = reader.at(key_node if key_node is not None else node)
    if isinstance(node, MappingNode):
        value: object = {
            str(key.value): setting_of(item, reader, key)
            for key, item in node.value
            if isinstance(key, ScalarNode)
        }
    elif isinstance(node, SequenceNode):
        value = tuple(setting_of(item, reader) for item in node.value)
    elif isinstance(node, ScalarNode):
        value = _yaml.scalar(node)
    else:
        value = None
    return Setting(value, reader.at(node), key_location)


def _attributes(
    node: Node, known: dict[str, AttributeSpec], reader: Reader
) -> dict[str, AttributeSpec]:
    declared: dict[str, AttributeSpec] = {}
    for name, key_node, value in reader.items(node, "`attributes`"):
        spec = _attribute(name, key_node, value, reader)
        if spec is None:
            continue
        if name in known:
            reader.report("E-schema", key_node, f"`{name}` is built in and cannot be redeclared")
            continue
        declared[name] = spec
    return declared


def _attribute(name: str, key_node: Node, node: Node, reader: Reader) -> AttributeSpec | None:
    scope = name.split(".", 1)[0]
    if "." not in name or scope not in SCOPES:
        hint = (
            f"name it with its scope: `customer.{name}`, `conversation.{name}` or `message.{name}`"
        )
        reader.report("E-schema", key_node, f"attribute `{name}` has no scope", hint)
        return None
    if isinstance(node, ScalarNode):
        kind = _choice(node, ATTRIBUTE_TYPES, f"type of `{name}`", reader)
        values: tuple[str, ...] | None = ()
    else:
        entries = reader.mapping(node, f"attribute `{name}`")
        reader.unknown_keys(entries, ("type", "values", "description"), f"attribute `{name}`")
        if "type" not in entries:
            reader.report("E-schema", node, f"attribute `{name}` needs a `type`")
            return None
        kind = _choice(entries["type"][1], ATTRIBUTE_TYPES, f"type of `{name}`", reader)
        values = reader.texts(entries["values"][1], "`values`") if "values" in entries else ()
    if kind is None or values is None:
        return None
    if kind == "enum" and not values:
        reader.report("E-schema", node, f"enum attribute `{name}` needs its `values`")
        return None
    return AttributeSpec(name, _attribute_type(kind), values, location=reader.at(key_node))


def _attribute_type(kind: str) -> AttributeType:
    for known in ATTRIBUTE_TYPES:
        if known == kind:
            return known
    raise ValueError(kind)
