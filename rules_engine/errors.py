"""The rules engine's exceptions: one root, so callers catch `WorkflowError`.

WorkflowError
├── ValidationError     workflows with errors (carries the findings)
├── EventError          an event the engine cannot take (wrong type, unknown trigger)
└── ExecutorUnavailable the selected executor cannot run here (durable_rules missing)
"""

from __future__ import annotations

from collections.abc import Sequence

from .findings import Finding


class WorkflowError(Exception):
    """Root of every error the rules engine raises on purpose."""


class ValidationError(WorkflowError):
    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = [f for f in self.findings if f.severity == "error"]
        first = errors[0].format() if errors else "no errors"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"workflows have errors: {first}{more}")


class EventError(WorkflowError):
    """An event that does not fit the workspace: says which field and why."""


class ExecutorUnavailable(WorkflowError):
    """The selected executor cannot run on this machine."""
