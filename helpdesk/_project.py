"""A help desk's project: the engine's workflows and workspace, plus the channels'
settings from the same workspace file, with every finding of both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from channels import ChannelConfig, channel_config
from rules_engine import Engine, Project, ValidationError, load_project
from rules_engine.findings import sorted_findings


def load_desk_project(
    paths: Sequence[str | Path], workspace_file: str | Path | None = None
) -> tuple[Project, ChannelConfig]:
    """`load_project`, with the channels' settings checked too (findings merged)."""
    project = load_project(paths, workspace_file)
    config = channel_config(project.workspace)
    if config.findings:
        findings = sorted_findings((*project.findings, *config.findings))
        project = replace(project, findings=tuple(findings))
    return project, config


def desk_engine(
    paths: Sequence[str | Path],
    workspace_file: str | Path | None = None,
    executor: str | None = None,
) -> tuple[Engine, ChannelConfig]:
    """Load, validate and compile; raises `ValidationError` when there are errors."""
    project, config = load_desk_project(paths, workspace_file)
    if project.errors:
        raise ValidationError(project.findings)
    return Engine(project.workflows, project.workspace, executor), config
