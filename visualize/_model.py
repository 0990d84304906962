"""The diagram model: what a picture shows, independent of how it is drawn.

Extractors build it from the validated workflow model (`_extract`, `_overview`), the
trace and diff passes annotate it (`_trace`, `_diff`), and the renderers (`_dot`,
`_table`) read it.  Nothing here knows about YAML or Graphviz.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rules_engine.model import Location

Status = Literal["plain", "trace", "muted", "added", "removed", "changed", "reordered"]
NodeKind = Literal[
    "trigger", "filter", "branch", "action", "missing", "channel", "workflow", "assignee", "fold"
]
Verdict = Literal["matched", "false", "not_evaluated"]


@dataclass(frozen=True)
class Mark:
    """A finding shown on the picture: `⚠ CODE` and its message."""

    code: str
    message: str
    location: Location


@dataclass(frozen=True)
class Row:
    """One exit of a branch step: a condition row, or the `else` row (`port == "else"`)."""

    port: str
    number: str
    text: str
    target: str | None
    location: Location | None
    status: Status = "plain"
    verdict: Verdict | None = None
    was: str | None = None
    marks: tuple[Mark, ...] = ()
    detail: str = ""
    old_target: str | None = None
    note: str = ""  # traffic: how many runs took this row, e.g. `412 · 41%`

    @property
    def is_else(self) -> bool:
        return self.port == "else"


@dataclass(frozen=True)
class Node:
    """A box on the picture.

    `key` is the stable name edges use; `rows` only for branches; `target` is the key of
    the node an action (or the trigger, or the filter) leads to.  `lines` may be wrapped
    and shortened (with `…`); `full` is what they say in full, when it differs.
    """

    key: str
    kind: NodeKind
    title: str
    lines: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    location: Location | None = None
    status: Status = "plain"
    marks: tuple[Mark, ...] = ()
    was: str | None = None
    target: str | None = None
    tooltip: str = ""
    full: str = ""


@dataclass(frozen=True)
class Edge:
    """An arrow; `port` is the branch row it leaves from (None: the node itself)."""

    tail: str
    head: str
    port: str | None = None
    status: Status = "plain"
    label: str = ""
    tooltip: str = ""
    constraint: bool = True
    penwidth: float = 0.0  # 0: the status's width; traffic: wider for a larger share


@dataclass(frozen=True)
class Diagram:
    """One picture.  `name` is unique among the pictures of one page (an id prefix)."""

    name: str
    title: str
    subtitle: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    kind: Literal["workflow", "trace", "diff", "overview"] = "workflow"

    def node(self, key: str) -> Node | None:
        return next((node for node in self.nodes if node.key == key), None)
