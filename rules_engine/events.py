"""The conversation events the engine decides on, and what it decides.

A `ConversationEvent` is what a channel adapter produces ("customer sent the first
message of a new SMS conversation"); a `Run` is what one workflow did with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .model import Action

Verdict = Literal["matched", "false", "not_evaluated"]


@dataclass(frozen=True)
class ConversationEvent:
    """One event for the engine.

    The attribute maps hold plain values keyed without their scope: `customer["plan"]`
    is what workflows call `customer.plan`.  `conversation.channel` is `channel`.
    """

    trigger: str
    channel: str
    at: datetime
    customer: Mapping[str, object] = field(default_factory=dict)
    conversation: Mapping[str, object] = field(default_factory=dict)
    message: Mapping[str, object] = field(default_factory=dict)
    id: str | None = None

    def attributes(self) -> dict[str, object]:
        """Every attribute, keyed by its full name (`customer.plan`)."""
        flat: dict[str, object] = {}
        for scope, values in (
            ("customer", self.customer),
            ("conversation", self.conversation),
            ("message", self.message),
        ):
            for key, value in values.items():
                if value is not None:
                    flat[f"{scope}.{key}"] = value
        flat["conversation.channel"] = self.channel
        return flat


@dataclass(frozen=True)
class BranchVerdict:
    """What one branch step decided: a verdict per row, and whether `else` was taken."""

    step: str
    rows: tuple[Verdict, ...]
    otherwise_taken: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "step": self.step,
            "rows": list(self.rows),
            "else": "taken" if self.otherwise_taken else "not_taken",
        }


@dataclass(frozen=True)
class Run:
    """One workflow's run for one event: the steps it took, in order, and its actions."""

    workflow: str
    trigger: str
    path: tuple[str, ...]
    actions: tuple[Action, ...]
    verdicts: tuple[BranchVerdict, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "workflow": self.workflow,
            "trigger": self.trigger,
            "path": list(self.path),
            "actions": [action.to_dict() for action in self.actions],
            "verdicts": [verdict.to_dict() for verdict in self.verdicts],
        }
