"""`helpdesk-rules render PATH... --out DIR`: one diagram per workflow, the overview,
and with `--trace FILE` the path an event took."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from rules_engine.loader import Project, load_project
from visualize import (
    FORMATS,
    GraphvizMissingError,
    VisualizeError,
    load_traces,
    overview_diagram,
    trace_diagram,
    workflow_diagram,
    write_diagram,
)
from visualize import Diagram as _Diagram

from . import UsageError
from ._filenames import distinct

DEFAULT_FORMATS = "dot,svg,png"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "render",
        help="draw each workflow, the routing overview, and traces",
        description="Draw one diagram per workflow and the routing overview (DOT always, "
        "SVG and PNG with Graphviz, and a Markdown table twin of each).",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="workflow files or folders")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    add_format_option(parser)
    parser.add_argument(
        "--trace",
        metavar="FILE",
        help="runs from `explain --json` or `simulate --json` to draw on the workflows",
    )
    parser.add_argument("--event", metavar="ID", help="with --trace: draw this event's runs")
    parser.add_argument("--workspace", metavar="FILE", help="the workspace file")
    parser.set_defaults(handler=run)


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        metavar="LIST",
        help=f"comma-separated, from {', '.join(n for n in FORMATS if n != 'md')} "
        f"(default {DEFAULT_FORMATS}; a Markdown twin is always written)",
    )


def parse_formats(value: str | None) -> tuple[list[str], bool]:
    """The formats asked for, and whether they were asked for explicitly."""
    names = [n.strip() for n in (value or DEFAULT_FORMATS).split(",") if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise UsageError(f"unknown format {', '.join(unknown) or '(none)'}: use dot, svg, png")
    return names, value is not None


def load(paths: list[str], workspace: str | None) -> Project:
    try:
        return load_project(paths, workspace)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    if args.event and not args.trace:
        raise UsageError("--event needs --trace FILE")
    formats, explicit = parse_formats(args.format)
    project = load(args.paths, args.workspace)
    names = [w.name for w in project.workflows]
    diagrams = [
        _unique(workflow_diagram(w, project.findings), w.file, names.count(w.name) > 1)
        for w in project.workflows
    ]
    diagrams.append(overview_diagram(project.workflows, project.findings))
    if args.trace:
        diagrams += traces(project, args.trace, args.event)
    return write_all(distinct(diagrams), Path(args.out), formats, explicit)


def _unique(diagram: _Diagram, file: str, duplicate: bool) -> _Diagram:
    """Two workflows with one name (E-duplicate-workflow) still get a file each."""
    return replace(diagram, name=f"{diagram.name}.{Path(file).stem}") if duplicate else diagram


def traces(project: Project, file: str, event: str | None) -> list[_Diagram]:
    drawn = []
    by_name = {w.name: w for w in project.workflows}
    try:
        for trace in load_traces(file, event):
            workflow = by_name.get(trace.workflow)
            if workflow is None:
                raise UsageError(f"{file}: workflow {trace.workflow!r} is not in the given paths")
            drawn.append(trace_diagram(workflow_diagram(workflow, project.findings), trace))
    except VisualizeError as error:
        raise UsageError(str(error)) from None
    return drawn


def write_all(diagrams: list[_Diagram], out: Path, formats: list[str], explicit: bool) -> int:
    """Write every diagram; without Graphviz write DOT and say so."""
    try:
        for diagram in diagrams:
            report(write_diagram(diagram, out, formats))
    except GraphvizMissingError as error:
        for diagram in diagrams:
            report(write_diagram(diagram, out, ["dot"]))
        print(f"helpdesk-rules: {error}", file=sys.stderr)
        return 1 if explicit else 0
    return 0


def report(paths: list[Path]) -> None:
    for path in paths:
        print(f"wrote {path}")
