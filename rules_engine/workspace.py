"""The workspace: what workflows may refer to.

A workspace file declares the customer, conversation and message attributes with their
types, the teams and teammates that can be assigned, the channels and the executor.
Its other top-level keys (a channel's settings) are kept as `sections` for the layers
that read them.  Some attributes are always there (built in):
the engine and the SMS adapter fill them in for every event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from .model import NOWHERE, Location
from .sections import Setting
from .workload import Workload

AttributeType: TypeAlias = Literal["string", "number", "boolean", "enum", "list", "timestamp"]
ATTRIBUTE_TYPES: tuple[AttributeType, ...] = (
    "string",
    "number",
    "boolean",
    "enum",
    "list",
    "timestamp",
)
SCOPES: tuple[str, ...] = ("customer", "conversation", "message")
# The executors a workspace's `executor` (and the CLI's `--engine`) may choose; `Engine`
# and the benchmarks also take the reference interpreter (docs/engine.md).
EXECUTORS: tuple[str, ...] = ("native", "durable")
EXECUTOR_NAMES: tuple[str, ...] = (*EXECUTORS, "reference")
DEFAULT_CHANNELS: tuple[str, ...] = ("sms", "email", "chat", "whatsapp")
STARTED_BY: tuple[str, ...] = ("customer", "outbound_reply", "teammate")
# The top-level keys of a workspace file the engine reads; any other key is kept as a
# section (`sections.py`) for the layer that owns it, which checks it.
WORKSPACE_KEYS: tuple[str, ...] = (
    "workspace",
    "description",
    "executor",
    "channels",
    "teams",
    "teammates",
    "attributes",
)


@dataclass(frozen=True)
class AttributeSpec:
    """A declared attribute, named with its scope: `customer.plan`."""

    name: str
    type: AttributeType
    values: tuple[str, ...] = ()  # the allowed values of an enum
    builtin: bool = False
    location: Location = field(default=NOWHERE, compare=False)

    @property
    def scope(self) -> str:
        return self.name.split(".", 1)[0]


@dataclass(frozen=True)
class Workspace:
    attributes: Mapping[str, AttributeSpec]
    teams: tuple[str, ...] = ()
    teammates: tuple[str, ...] = ()
    channels: tuple[str, ...] = DEFAULT_CHANNELS
    executor: str = "native"
    file: str = "<default>"
    # Top-level keys the engine does not read (channel settings), for the layers above.
    sections: Mapping[str, Setting] = field(default_factory=dict)
    # Members, assignment methods and limits of the teams and teammates (`workload.py`).
    workload: Workload = field(default_factory=Workload)

    def attribute(self, name: str) -> AttributeSpec | None:
        return self.attributes.get(name)

    def settable(self) -> tuple[str, ...]:
        """Conversation attributes an action may set (declared, not built in)."""
        return tuple(
            name
            for name, spec in self.attributes.items()
            if spec.scope == "conversation" and not spec.builtin
        )


def builtin_attributes(channels: tuple[str, ...]) -> dict[str, AttributeSpec]:
    """Attributes every event carries, whatever the workspace declares."""
    specs = [
        AttributeSpec("customer.phone", "string", builtin=True),
        AttributeSpec("customer.country", "string", builtin=True),
        AttributeSpec("customer.opted_out", "boolean", builtin=True),
        AttributeSpec("conversation.channel", "enum", channels, builtin=True),
        AttributeSpec("conversation.started_by", "enum", STARTED_BY, builtin=True),
        AttributeSpec("conversation.tags", "list", builtin=True),
        AttributeSpec("conversation.assignee", "string", builtin=True),
        AttributeSpec("conversation.subject", "string", builtin=True),
        AttributeSpec("message.body", "string", builtin=True),
        AttributeSpec("message.has_media", "boolean", builtin=True),
        AttributeSpec("message.segments", "number", builtin=True),
        AttributeSpec("message.media_types", "list", builtin=True),
    ]
    return {spec.name: spec for spec in specs}


def default_workspace() -> Workspace:
    """A workspace with only the built-in attributes (used when no file is given)."""
    return Workspace(attributes=builtin_attributes(DEFAULT_CHANNELS))
