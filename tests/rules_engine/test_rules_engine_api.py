"""The public surface of `rules_engine` is small and locked: a change here is deliberate."""

from __future__ import annotations

import rules_engine

EXPECTED = [
    "Action",
    "BranchVerdict",
    "ConversationEvent",
    "Engine",
    "EventError",
    "ExecutorUnavailable",
    "Finding",
    "Location",
    "Project",
    "Run",
    "ValidationError",
    "Workflow",
    "WorkflowError",
    "Workspace",
    "load_project",
]


def test_all_is_locked() -> None:
    assert rules_engine.__all__ == EXPECTED


def test_every_exported_name_exists_and_belongs_to_the_package() -> None:
    for name in EXPECTED:
        value = getattr(rules_engine, name)
        assert value.__module__.startswith("rules_engine."), name


def test_errors_share_one_root() -> None:
    for error in ("EventError", "ExecutorUnavailable", "ValidationError"):
        assert issubclass(getattr(rules_engine, error), rules_engine.WorkflowError)
