"""Reading a workspace file into a `Workspace`, reporting every problem as a finding."""

from __future__ import annotations

import re
from datetime import timedelta

from yaml.nodes import Node, ScalarNode

from . import _yaml
from ._reader import Reader, did_you_mean, one_of
from .workspace import (
    ATTRIBUTE_TYPES,
    DEFAULT_CHANNELS,
    EXECUTORS,
    SCOPES,
    AttributeSpec,
    AttributeType,
    Workspace,
    builtin_attributes,
)

WORKSPACE_KEYS = (
    "workspace",
    "description",
    "executor",
    "channels",
    "sms_countries",
    "threading",
    "help_text",
    "teams",
    "teammates",
    "attributes",
)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|h|m|days?|hours?|minutes?)\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_workspace(root: Node, reader: Reader) -> Workspace:
    entries = reader.mapping(root, "the workspace")
    reader.unknown_keys(entries, WORKSPACE_KEYS, "the workspace")
    workspace = Workspace(attributes={}, file=reader.file)
    fields: dict[str, object] = {}
    if "executor" in entries:
        fields["executor"] = _choice(entries["executor"][1], EXECUTORS, "executor", reader)
    for key in ("channels", "teams", "teammates", "sms_countries"):
        if key in entries:
            fields[key] = reader.texts(entries[key][1], f"`{key}`")
    if "help_text" in entries:
        fields["help_text"] = reader.text(entries["help_text"][1], "`help_text`")
    if "threading" in entries:
        fields.update(_threading(entries["threading"][1], reader))
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
        sms_countries=_tuple(fields.get("sms_countries", workspace.sms_countries)),
        reopen_window=_delta(fields.get("reopen_window", workspace.reopen_window)),
        reply_window=_delta(fields.get("reply_window", workspace.reply_window)),
        executor=str(fields.get("executor", workspace.executor)),
        help_text=str(fields.get("help_text", workspace.help_text)),
        file=reader.file,
    )


def _tuple(value: object) -> tuple[str, ...]:
    assert isinstance(value, tuple)
    return value


def _delta(value: object) -> timedelta:
    assert isinstance(value, timedelta)
    return value


def _choice(node: Node, choices: tuple[str, ...], what: str, reader: Reader) -> str | None:
    value = reader.text(node, f"`{what}`")
    if value is None or value in choices:
        return value
    hint = did_you_mean(value, choices) or f"expected {one_of(choices)}"
    reader.report("E-schema", node, f"unknown {what} `{value}`", hint)
    return None


def _threading(node: Node, reader: Reader) -> dict[str, object]:
    entries = reader.mapping(node, "`threading`")
    reader.unknown_keys(entries, ("reopen_window", "reply_window"), "`threading`")
    windows: dict[str, object] = {}
    for key, (_, value) in entries.items():
        window = duration(value, reader, f"`threading.{key}`")
        if window is not None:
            windows[key] = window
    return windows


def duration(node: Node, reader: Reader, what: str) -> timedelta | None:
    """`5d`, `12h`, `30m`, or a number of days."""
    value = _yaml.scalar(node) if isinstance(node, ScalarNode) else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return timedelta(days=value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match and float(match.group(1)) > 0:
        unit = _UNITS[match.group(2)[0]]
        return timedelta(**{unit: float(match.group(1))})
    reader.report(
        "E-schema", node, f"{what} must be a positive duration", "write it as `5d`, `12h` or `30m`"
    )
    return None


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
