"""Findings: what validation says about a set of workflows.

A finding is data: a stable code, a severity, a location, a sentence and a hint.  The
CLI, the JSON output, the diagrams and the review report all render the same object.

Codes (see the README's YAML reference for examples):

    E-syntax             the file is not valid YAML, or a value has the wrong shape
    E-schema             a key is missing, unknown, or its value is not allowed
    E-cycle              the steps form a cycle
    E-unknown-step       a branch or action leads to a step that does not exist
    E-unknown-attribute  an attribute the workspace does not declare
    E-type-mismatch      a comparison that cannot hold for the attribute's type
    E-unknown-assignee   an assignment to a team or teammate the workspace does not declare
    E-priority-tie       two workflows with the same trigger and the same priority
    E-duplicate-workflow two workflows with the same name
    E-unknown-member     a team lists someone who is not a teammate
    E-bad-limit          a team or teammate limit of zero or less
    E-empty-team         a balanced team with no members
    W-unreachable        a step no path reaches
    W-shadowed-branch    a branch that earlier branches always catch
    W-unsatisfiable      a condition that can never hold
    W-missing-else       a branch step with no `else`
    W-shadowed-workflow  higher-priority workflows catch every event of this one
    W-yaml-bool          an unquoted yes/no/on/off, kept as a string
    W-teamless-assignee  a workflow assigns to a teammate who is in no team
    W-limit-ignored      a limit that a round-robin team never applies
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from .model import Location

Severity = Literal["error", "warning"]

CODES: dict[str, str] = {
    "E-syntax": "the file is not valid YAML, or a value has the wrong shape",
    "E-schema": "a key is missing, unknown, or its value is not allowed",
    "E-cycle": "the steps form a cycle",
    "E-unknown-step": "a branch or action leads to a step that does not exist",
    "E-unknown-attribute": "an attribute that the workspace does not declare",
    "E-type-mismatch": "a comparison that cannot hold for the attribute's type",
    "E-unknown-assignee": "a team or teammate that the workspace does not declare",
    "E-priority-tie": "two workflows with the same trigger and the same priority",
    "E-duplicate-workflow": "two workflows with the same name",
    "E-unknown-member": "a team lists someone who is not a teammate",
    "E-bad-limit": "a team or teammate limit of zero or less",
    "E-empty-team": "a balanced team with no members",
    "W-unreachable": "a step no path reaches",
    "W-shadowed-branch": "a branch that earlier branches always catch",
    "W-unsatisfiable": "a condition that can never hold",
    "W-missing-else": "a branch step with no else",
    "W-shadowed-workflow": "a workflow that never runs: higher-priority ones with its trigger "
    "catch every event it could match",
    "W-yaml-bool": "an unquoted yes/no/on/off read as a boolean by other tools",
    "W-teamless-assignee": "a workflow assigns to a teammate who is in no team",
    "W-limit-ignored": "a limit that a round-robin team never applies",
}


@dataclass(frozen=True)
class Finding:
    code: str
    location: Location
    message: str
    hint: str | None = None
    workflow: str | None = None
    step: str | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown finding code {self.code!r}")

    @property
    def severity(self) -> Severity:
        return "error" if self.code.startswith("E-") else "warning"

    def format(self) -> str:
        """`file:line:col: CODE message (hint)`."""
        text = f"{self.location}: {self.code} {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "message": self.message,
            "hint": self.hint,
            "workflow": self.workflow,
            "step": self.step,
        }

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    unique = {(f.code, f.location, f.message): f for f in findings}
    return sorted(unique.values(), key=Finding.sort_key)


def has_errors(findings: Iterable[Finding], strict: bool = False) -> bool:
    return any(f.severity == "error" or strict for f in findings)


def summary(findings: Iterable[Finding], files: int) -> str:
    items = list(findings)
    errors = sum(1 for f in items if f.severity == "error")
    warnings = len(items) - errors
    return (
        f"{files} file{'s' if files != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
