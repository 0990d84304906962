"""Diagrams for reviewers: workflow pictures, traces, diffs, the overview and the
review report.

    workflow model + findings ──extract──▶ Diagram ──trace / diff──▶ Diagram
                                                   └─renderers─▶ dot, svg, png, md

Errors derive from `VisualizeError` (see `visualize._errors`).
"""

from __future__ import annotations

from ._diff import WorkflowDiff, diff_workflows
from ._dot import DotOptions, to_dot
from ._errors import GraphvizMissingError, RevisionError, TraceError, VisualizeError
from ._extract import workflow_diagram
from ._markdown import review_markdown
from ._model import Diagram
from ._output import FORMATS, file_stem, render, write_diagram
from ._overview import OverviewOptions, overview_diagram
from ._review import Review, build_review, write_review
from ._sources import load_revision, pair_workflows
from ._table import to_markdown
from ._trace import Trace, load_runs, load_traces, trace_diagram, traffic_diagram

__all__ = [
    "FORMATS",
    "Diagram",
    "DotOptions",
    "GraphvizMissingError",
    "OverviewOptions",
    "Review",
    "RevisionError",
    "Trace",
    "TraceError",
    "VisualizeError",
    "WorkflowDiff",
    "build_review",
    "diff_workflows",
    "file_stem",
    "load_revision",
    "load_runs",
    "load_traces",
    "overview_diagram",
    "pair_workflows",
    "render",
    "review_markdown",
    "to_dot",
    "to_markdown",
    "trace_diagram",
    "traffic_diagram",
    "workflow_diagram",
    "write_diagram",
    "write_review",
]
