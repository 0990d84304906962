"""Loading a project: the workspace file and the workflow files, with every finding.

`load_project` never raises for a user's mistake: it returns what it could read and
the findings, all of them, in one pass.  A path that does not exist raises
`FileNotFoundError` (a usage problem, not a finding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode, Node

from . import _yaml, _yaml_limits
from ._reader import Reader
from ._workflow_parser import WorkflowParser
from ._workspace_parser import parse_workspace
from .checks import check_together, check_workflow
from .findings import Finding, sorted_findings
from .model import Location, Workflow
from .workspace import Workspace, default_workspace

WORKSPACE_NAMES = ("workspace.yaml", "workspace.yml")


@dataclass(frozen=True)
class Project:
    workspace: Workspace
    workflows: tuple[Workflow, ...]
    findings: tuple[Finding, ...]
    files: tuple[str, ...]

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")


def load_project(paths: Sequence[str | Path], workspace_file: str | Path | None = None) -> Project:
    """Read, parse and check workflows; `paths` are files or directories of `*.yaml`."""
    files = workflow_files(paths)
    workspace_path = _workspace_path(files, workspace_file)
    findings: list[Finding] = []
    workspace = default_workspace()
    if workspace_path is not None:
        workspace = _load_workspace(workspace_path, findings)
    workflows: list[Workflow] = []
    readable: list[str] = []
    for file in files:
        if file == workspace_path:
            continue
        workflow, complete = _load_workflow(file, workspace, findings)
        if workflow is not None:
            workflows.append(workflow)
            findings += check_workflow(workflow, workspace, logic=complete)
            readable += [workflow.name] if complete else []
    findings += check_together(workflows, workspace, readable)
    checked = [str(f) for f in files]
    if workspace_path is not None and workspace_path not in files:
        checked.insert(0, str(workspace_path))
    return Project(workspace, tuple(workflows), tuple(sorted_findings(findings)), tuple(checked))


def load_workspace(path: str | Path) -> tuple[Workspace, tuple[Finding, ...]]:
    findings: list[Finding] = []
    workspace = _load_workspace(Path(path), findings)
    return workspace, tuple(sorted_findings(findings))


def workflow_files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"no such file or directory: {raw}")
    return files


def _workspace_path(files: list[Path], explicit: str | Path | None) -> Path | None:
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"no such workspace file: {explicit}")
        return path
    named = [f for f in files if f.name in WORKSPACE_NAMES]
    return named[0] if named else None


def _read(path: Path, reader: Reader) -> Node | None:
    text = _text(path, reader)
    if text is None:
        return None
    try:
        root = _yaml_limits.compose(text, reader.file)
    except _yaml.YamlSyntaxError as error:
        reader.report("E-syntax", error.location, error.message)
        return None
    except _yaml_limits.YamlLimitError as error:
        reader.report(error.code, error.location, error.message, error.hint)
        return None
    if root is None:
        reader.report("E-syntax", reader_location(reader), "the file is empty")
        return None
    for node in _yaml.yaml_bool_words(root):
        word = str(node.value)
        message = f"`{word}` is read as the text '{word}', not as a boolean"
        hint = f"write `true`/`false` for a boolean, or quote it: '{word}'"
        reader.report("W-yaml-bool", node, message, hint)
    return root


def _text(path: Path, reader: Reader) -> str | None:
    """The file's text, or None (and a finding) when it is too big, unreadable or not UTF-8."""
    limit = _yaml_limits.MAX_FILE_BYTES
    try:
        with path.open("rb") as file:
            data = file.read(limit + 1)
    except OSError as error:
        reader.report(
            "E-syntax", reader_location(reader), f"the file cannot be read: {error.strerror}"
        )
        return None
    if len(data) > limit:
        message = f"the file is over {limit:,} bytes"
        hint = "split the workflows into several files"
        reader.report("E-too-large", reader_location(reader), message, hint)
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        message = f"the file is not UTF-8 text (byte {error.start + 1})"
        reader.report("E-syntax", reader_location(reader), message, "save it as UTF-8")
        return None


def reader_location(reader: Reader) -> Location:
    return Location(reader.file, 1, 1)


def _load_workspace(path: Path, findings: list[Finding]) -> Workspace:
    reader = Reader(str(path))
    root = _read(path, reader)
    workspace = parse_workspace(root, reader) if root is not None else default_workspace()
    findings += reader.findings
    return workspace


def _load_workflow(
    path: Path, workspace: Workspace, findings: list[Finding]
) -> tuple[Workflow | None, bool]:
    """The workflow (None if unreadable), and whether all of its conditions were read."""
    reader = Reader(str(path))
    root = _read(path, reader)
    workflow, complete = None, False
    if isinstance(root, MappingNode):
        parser = WorkflowParser(reader, workspace)
        workflow, complete = parser.parse(root), parser.complete
    elif root is not None:
        reader.report("E-syntax", root, "a workflow file must hold a mapping")
    findings += reader.findings
    return workflow, complete
