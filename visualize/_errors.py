"""The errors of `visualize`, one tree:

VisualizeError            anything this package reports to a person
├── GraphvizMissingError  the `dot` program is not installed (or failed)
├── TraceError            a trace file that cannot be read or does not fit
└── RevisionError         a git revision or path that cannot be read
"""

from __future__ import annotations


class VisualizeError(Exception):
    """A problem with the input of a diagram, worded for the person who gave it."""


class GraphvizMissingError(VisualizeError):
    """`dot` is needed for SVG and PNG."""


class TraceError(VisualizeError):
    """The trace file is not engine output, or it does not fit the workflow."""


class RevisionError(VisualizeError):
    """`git show REV:path` failed."""
