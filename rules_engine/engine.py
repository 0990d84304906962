"""The engine: workflows compiled once, then a decision per conversation event.

    >>> engine = Engine.from_paths(["workflows"])             # doctest: +SKIP
    >>> run = engine.decide(event)                            # doctest: +SKIP
    >>> run.workflow, run.path, [a.to_dict() for a in run.actions]  # doctest: +SKIP

`decide` has no side effects (applying actions belongs to the channel adapter and the
store) and keeps nothing per event, so memory stays flat however many events pass.
`explain` adds what a person needs to see why: every workflow of the event's trigger in
priority order, whether its channels and audience matched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol

from .compiler import compile_network
from .errors import EventError, ExecutorUnavailable, ValidationError
from .events import ConversationEvent, Run
from .model import TRIGGERS, Workflow
from .network import Network
from .semantics import evaluate, normalise_attributes, normalise_value
from .workspace import EXECUTOR_NAMES, AttributeSpec, Workspace, default_workspace

AudienceVerdict = Literal["matched", "false", "none", "not_evaluated"]


class Executor(Protocol):
    """What the engine needs from an executor."""

    name: str

    def decide(
        self, trigger: str, channel: str, attributes: Mapping[str, object]
    ) -> Run | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Candidate:
    """A workflow of the event's trigger, as the engine considered it.

    `audience` is "none" when the workflow has no audience, "not_evaluated" when a
    higher-priority workflow already runs or the channel does not match.
    """

    workflow: str
    priority: int
    file: str
    channel_match: bool
    audience: AudienceVerdict
    chosen: bool

    @property
    def reason(self) -> str:
        if self.chosen:
            return "runs: channels and audience match"
        if not self.channel_match:
            return "skipped: does not run on this channel"
        if self.audience == "false":
            return "skipped: audience does not match"
        return "not tried: a higher-priority workflow runs"

    def to_dict(self) -> dict[str, object]:
        return {
            "workflow": self.workflow,
            "priority": self.priority,
            "file": self.file,
            "channel_match": self.channel_match,
            "audience": self.audience,
            "chosen": self.chosen,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Explanation:
    """A decision with the reasons behind it."""

    event: ConversationEvent
    attributes: Mapping[str, object]  # normalised
    candidates: tuple[Candidate, ...]
    run: Run | None
    executor: str


class Engine:
    """Compiled workflows and the executor that runs them."""

    def __init__(
        self,
        workflows: Sequence[Workflow],
        workspace: Workspace | None = None,
        executor: str | None = None,
    ) -> None:
        self.workspace = workspace if workspace is not None else default_workspace()
        self.workflows = tuple(workflows)
        self.network: Network = compile_network(self.workflows, self.workspace)
        self.executor_name = executor or self.workspace.executor
        self._executor = _make_executor(self.executor_name, self)
        self._by_priority = tuple(sorted(self.workflows, key=lambda wf: -wf.priority))
        self._triggers = frozenset((*TRIGGERS, *(wf.trigger for wf in self.workflows)))
        named = (c for wf in self.workflows for c in (wf.channels or ()))
        self._channels = frozenset((*self.workspace.channels, *named))
        attributes = self.workspace.attributes.values()
        self._numbers = tuple(spec.name for spec in attributes if spec.type == "number")
        self._scopes = _scope_tables(self.workspace)

    @classmethod
    def from_paths(
        cls,
        paths: Sequence[str | Path],
        workspace_file: str | Path | None = None,
        executor: str | None = None,
    ) -> Engine:
        """Load, validate and compile; raises `ValidationError` when there are errors."""
        from .loader import load_project  # the loader imports the checks: load it late

        project = load_project(paths, workspace_file)
        if project.errors:
            raise ValidationError(project.findings)
        return cls(project.workflows, project.workspace, executor)

    def decide(self, event: ConversationEvent) -> Run | None:
        """The run of the workflow that handles `event`, or None when none does."""
        attributes = self.attributes(event)
        return self._executor.decide(event.trigger, event.channel, attributes)

    def attributes(self, event: ConversationEvent) -> dict[str, object]:
        """The event's attributes as conditions see them; raises `EventError`."""
        if event.trigger not in self._triggers:
            known = ", ".join(sorted(self._triggers))
            raise EventError(f"unknown trigger {event.trigger!r} (known: {known})")
        if event.channel not in self._channels:
            known = ", ".join(sorted(self._channels))
            raise EventError(f"unknown channel {event.channel!r} (known: {known})")
        normalised = _normalise(self._scopes, event)
        if normalised is None:
            attributes = normalise_attributes(self.workspace, event.attributes())
        elif normalised[1]:
            return normalised[0]  # every number already finite
        else:
            attributes = normalised[0]
        for name in self._numbers:
            value = attributes.get(name)
            if isinstance(value, float) and not math.isfinite(value):
                raise EventError(f"{name}: expected a finite number, got {value!r}")
        return attributes

    def explain(self, event: ConversationEvent) -> Explanation:
        """The decision, with every workflow of the trigger and why it ran or not."""
        attributes = self.attributes(event)
        run = self._executor.decide(event.trigger, event.channel, attributes)
        chosen = run.workflow if run is not None else None
        candidates = tuple(
            _candidate(wf, event.channel, attributes, chosen, decided)
            for wf, decided in self._considered(event.trigger, chosen)
        )
        return Explanation(event, attributes, candidates, run, self.executor_name)

    def _considered(self, trigger: str, chosen: str | None) -> list[tuple[Workflow, bool]]:
        """The trigger's workflows, each with whether a higher one was already chosen."""
        considered: list[tuple[Workflow, bool]] = []
        decided = False
        for workflow in self._by_priority:
            if workflow.trigger == trigger:
                considered.append((workflow, decided))
                decided = decided or workflow.name == chosen
        return considered

    def close(self) -> None:
        """Release the executor's resources (the durable executor's rulesets)."""
        self._executor.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _candidate(
    workflow: Workflow,
    channel: str,
    attributes: Mapping[str, object],
    chosen: str | None,
    decided: bool,
) -> Candidate:
    channel_match = workflow.runs_on(channel)
    audience: AudienceVerdict
    if decided or not channel_match:
        audience = "not_evaluated"
    elif workflow.audience is None:
        audience = "none"
    else:
        audience = "matched" if evaluate(workflow.audience, attributes) else "false"
    is_chosen = workflow.name == chosen and not decided
    return Candidate(
        workflow.name, workflow.priority, workflow.file, channel_match, audience, is_chosen
    )


# -- normalising an event's attributes --------------------------------------------------
#
# `semantics.normalise_attributes(workspace, event.attributes())`, without building the
# flat map first: per scope, each declared key maps to its full name, the types whose
# values are already in normal form (for an enum: the allowed values too), and its spec;
# every other case (conversions, errors) is left to `semantics.normalise_value`, and the
# rare events the fast path does not take to `semantics.normalise_attributes`.

Entry = tuple[str, tuple[type, ...], frozenset[str] | None, AttributeSpec]
ScopeTable = Mapping[str, Entry]
_SCOPES = ("customer", "conversation", "message")
_CHANNEL = "conversation.channel"
_NORMAL_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "enum": (str,),
    "number": (int, float),
    "boolean": (bool,),
}


def _scope_tables(workspace: Workspace) -> tuple[ScopeTable, ...]:
    """Per scope (customer, conversation, message): key -> entry."""
    tables: dict[str, dict[str, Entry]] = {scope: {} for scope in _SCOPES}
    for name, spec in workspace.attributes.items():
        scope, _, key = name.partition(".")
        if scope in tables:
            allowed = frozenset(spec.values) if spec.type == "enum" else None
            tables[scope][key] = (name, _NORMAL_TYPES.get(spec.type, ()), allowed, spec)
    return tuple(tables[scope] for scope in _SCOPES)


def _normalise(
    tables: Sequence[ScopeTable], event: ConversationEvent
) -> tuple[dict[str, object], bool] | None:
    """`normalise_attributes(workspace, event.attributes())`, in the same order, and
    whether every value was a plain one of its type, numbers finite.

    None for the rare events this fast path leaves to the plain one: a `channel` in the
    conversation attributes (the event's channel replaces it in place) or a key that is
    not text.
    """
    plain = True
    customer, conversation, message = tables
    if event.conversation.get("channel") is not None:
        return None
    normal: dict[str, object] = {}
    scopes = (
        (customer, event.customer),
        (conversation, event.conversation),
        (message, event.message),
    )
    for table, values in scopes:
        for key, value in values.items():
            found = table.get(key)
            if found is None:
                if type(key) is not str:
                    return None
                continue
            if value is None:
                continue
            name, kinds, allowed, spec = found
            if type(value) in kinds and (allowed is None or value in allowed):
                normal[name] = value
                if type(value) is float and value - value != 0:  # infinite or NaN
                    plain = False
            else:
                normal[name] = normalise_value(spec, value)
                plain = False
    found = conversation.get("channel")
    if found is not None:
        allowed = found[2]
        channel = event.channel
        is_normal = allowed is not None and channel in allowed
        normal[_CHANNEL] = channel if is_normal else normalise_value(found[3], channel)
    return normal, plain


def _make_executor(name: str, engine: Engine) -> Executor:
    if name == "native":
        from ._native import NativeExecutor

        return NativeExecutor(engine.network)
    if name == "durable":
        from ._durable import DurableExecutor

        return DurableExecutor(engine.network, engine.workspace)
    if name == "reference":
        from .reference import ReferenceInterpreter

        return ReferenceInterpreter(engine.workflows)
    choices = ", ".join(EXECUTOR_NAMES)
    raise ExecutorUnavailable(f"unknown executor {name!r}: choose one of {choices}")
