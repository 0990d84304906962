"""The public surface of `visualize` is locked: change this list on purpose."""

from __future__ import annotations

import visualize


def test_all_is_locked() -> None:
    assert visualize.__all__ == [
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
    for name in visualize.__all__:
        assert hasattr(visualize, name), name
