"""Diffs: two versions of a workflow as one union picture.

Steps and branch rows are matched by name and by condition; what only the new version
has is *added*, what only the old one has is *removed*, a row whose condition or target
changed (or a step whose actions changed) is *changed* with a "was …" note, and rows
that kept their condition but moved are *reordered*.  The counts make the one-line
summary: `1 added, 1 removed, 1 changed, 1 reordered`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from rules_engine.findings import Finding
from rules_engine.model import Workflow

from ._changes import FieldChange, workflow_changes
from ._extract import key_name, workflow_diagram
from ._model import Diagram, Edge, Node, Row, Status

KINDS: tuple[Status, ...] = ("added", "removed", "changed", "reordered")
_Same = Callable[[Row, Row], bool]


@dataclass
class Tally:
    """How many things of each kind changed."""

    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    def add(self, status: Status, count: int = 1) -> None:
        if status in self.counts:
            self.counts[status] += count

    def text(self) -> str:
        parts = [f"{n} {status}" for status, n in self.counts.items() if n]
        return ", ".join(parts) if parts else "no changes"

    @property
    def changed(self) -> bool:
        return any(self.counts.values())


@dataclass(frozen=True)
class WorkflowDiff:
    """The union picture of one workflow, its summary line and every changed field.

    `changed` comes from the field-by-field comparison (`changes`), never from the
    picture, whose boxes are wrapped and may be shortened.
    """

    name: str
    summary: str
    counts: dict[str, int]
    diagram: Diagram
    changed: bool
    changes: tuple[FieldChange, ...] = ()


def diff_workflows(
    old: Workflow | None,
    new: Workflow | None,
    labels: tuple[str, str] = ("old", "new"),
    findings: Iterable[Finding] = (),
) -> WorkflowDiff:
    """Compare two versions (None: the workflow does not exist on that side)."""
    tally = Tally()
    if old is None or new is None:
        nodes, edges = _one_sided(old, new, findings, tally)
        either = new if new is not None else old
        name = either.name if either is not None else "workflow"
    else:
        nodes, edges = _Union(workflow_diagram(old), workflow_diagram(new, findings), tally).build()
        if old.priority != new.priority:
            tally.add("changed")
        name = new.name
    changes = workflow_changes(old, new)
    text = _summary(tally, changes)
    subtitle = f"{labels[0]} → {labels[1]} · {_priority(old, new)} · {text}"
    diagram = Diagram(f"{name}.diff", name, subtitle, nodes, edges, "diff")
    counts = {str(k): v for k, v in tally.counts.items()}
    return WorkflowDiff(name, text, counts, diagram, bool(changes), changes)


def _summary(tally: Tally, changes: tuple[FieldChange, ...]) -> str:
    if not changes:
        return "no changes"
    fields = f"{len(changes)} field{'s' if len(changes) != 1 else ''}"
    return tally.text() if tally.changed else f"{fields} changed"


def _priority(old: Workflow | None, new: Workflow | None) -> str:
    if old is not None and new is not None and old.priority != new.priority:
        return f"priority {new.priority} (was {old.priority})"
    either = new if new is not None else old
    return f"priority {either.priority}" if either is not None else ""


def _one_sided(
    old: Workflow | None, new: Workflow | None, findings: Iterable[Finding], tally: Tally
) -> tuple[tuple[Node, ...], tuple[Edge, ...]]:
    status: Status = "added" if new is not None else "removed"
    workflow = new if new is not None else old
    if workflow is None:
        return (), ()
    diagram = workflow_diagram(workflow, findings if new is not None else ())
    tally.add(status)
    nodes = tuple(_all(node, status) for node in diagram.nodes)
    edges = tuple(replace(edge, status=status) for edge in diagram.edges)
    return nodes, edges


def _all(node: Node, status: Status) -> Node:
    return replace(node, status=status, rows=tuple(replace(r, status=status) for r in node.rows))


class _Union:
    """Merges the old and the new diagram of one workflow, counting into `tally`."""

    def __init__(self, old: Diagram, new: Diagram, tally: Tally) -> None:
        self.old = {node.key: node for node in old.nodes}
        self.new = new
        self.tally = tally
        self.edges: list[Edge] = []

    def build(self) -> tuple[tuple[Node, ...], tuple[Edge, ...]]:
        nodes = [
            self._both(node, self.old[node.key]) if node.key in self.old else self._added(node)
            for node in self.new.nodes
        ]
        keys = {node.key for node in self.new.nodes}
        nodes += [self._removed(node) for key, node in self.old.items() if key not in keys]
        return tuple(nodes), tuple(self.edges)

    def _added(self, node: Node) -> Node:
        if node.kind != "missing":
            self.tally.add("added")
        node = _all(node, "added")
        self._edges(node, None)
        return node

    def _removed(self, node: Node) -> Node:
        if node.kind != "missing":
            self.tally.add("removed")
        node = _all(node, "removed")
        self._edges(node, None)
        return node

    def _both(self, new: Node, old: Node) -> Node:
        if new.kind == "branch" and old.kind == "branch":
            node = replace(new, rows=self._rows(old.rows, new.rows))
        elif _shown(new) != _shown(old):
            self.tally.add("changed")
            node = replace(new, status="changed", was=_was_box(old))
        elif new.target != old.target:
            self.tally.add("changed")
            node = replace(new, status="changed", was=f"was → {key_name(old.target or 'end')}")
        else:
            node = new
        self._edges(node, old)
        return node

    def _edges(self, node: Node, old: Node | None) -> None:
        if node.kind == "branch":
            self.edges += [
                _edge(node, row.port, row.target, row.status)
                for row in node.rows
                if row.target is not None
            ]
            self.edges += [
                _edge(node, row.port, row.old_target, "removed")
                for row in node.rows
                if row.old_target is not None
            ]
            return
        status: Status = node.status if node.status in ("added", "removed") else "plain"
        moved = old is not None and old.target != node.target
        if node.target is not None:
            self.edges.append(_edge(node, None, node.target, "changed" if moved else status))
        if moved and old is not None and old.target is not None:
            self.edges.append(_edge(node, None, old.target, "removed"))

    def _rows(self, old: Sequence[Row], new: Sequence[Row]) -> tuple[Row, ...]:
        merged = _RowMerge(old[:-1], new[:-1]).rows()
        for row in merged:
            self.tally.add(row.status)
        return (*_renumber(merged), self._else(old[-1], new[-1]))

    def _else(self, old: Row, new: Row) -> Row:
        if old.target == new.target:
            return new
        self.tally.add("changed")
        was = f"was → {key_name(old.target) if old.target else 'end'}"
        return replace(new, status="changed", was=was, old_target=old.target)


def _shown(node: Node) -> tuple[str, str | tuple[str, ...], str]:
    """What a box says, in full (its lines may be wrapped and shortened)."""
    return (node.title, node.full or node.lines, node.kind)


def _was_box(old: Node) -> str:
    said = old.full or "; ".join(old.lines)
    if old.kind != "action":
        return f"was: {old.title}" + (f" · {said}" if said else "")
    return "was: " + said


def _edge(node: Node, port: str | None, target: str | None, status: Status) -> Edge:
    head = target or ""
    tooltip = f"{node.title} → {key_name(head)} ({status})"
    return Edge(node.key, head, port, status, tooltip=tooltip)


def _renumber(rows: Sequence[Row]) -> list[Row]:
    numbered: list[Row] = []
    position = 0
    for index, row in enumerate(rows, start=1):
        position += row.status != "removed"
        number = str(position) if row.status != "removed" else "−"
        numbered.append(replace(row, port=f"r{index}", number=number))
    return numbered


class _RowMerge:
    """Rows matched by condition, then by target; the rest added or removed."""

    def __init__(self, old: Sequence[Row], new: Sequence[Row]) -> None:
        self.old = list(old)
        self.new = list(new)
        self.pairs: dict[int, int] = {}  # new index → old index
        self._match(lambda o, n: o.text == n.text)
        self._match(lambda o, n: o.target == n.target)

    def _match(self, same: _Same) -> None:
        used = set(self.pairs.values())
        for n, row in enumerate(self.new):
            if n in self.pairs:
                continue
            for o, candidate in enumerate(self.old):
                if o not in used and same(candidate, row):
                    self.pairs[n] = o
                    used.add(o)
                    break

    def rows(self) -> list[Row]:
        moved = _moved([self.pairs[n] for n in sorted(self.pairs)])
        merged = [self._row(n, row, moved) for n, row in enumerate(self.new)]
        for o in sorted(set(range(len(self.old))) - set(self.pairs.values()), reverse=True):
            merged.insert(self._slot(o), replace(self.old[o], status="removed"))
        return merged

    def _slot(self, old_index: int) -> int:
        earlier = [n for n, o in self.pairs.items() if o < old_index]
        return max(earlier) + 1 if earlier else 0

    def _row(self, n: int, row: Row, moved: set[int]) -> Row:
        if n not in self.pairs:
            return replace(row, status="added")
        old = self.old[self.pairs[n]]
        if old.text != row.text:
            return replace(row, status="changed", was=f"was {old.text}")
        if old.target != row.target:
            was = f"was → {key_name(old.target or 'end')}"
            return replace(row, status="changed", was=was, old_target=old.target)
        if self.pairs[n] in moved:
            return replace(row, status="reordered", was=f"was row {self.pairs[n] + 1}")
        return row


def _moved(order: Sequence[int]) -> set[int]:
    """The old indices not on a longest increasing run of `order` (they moved)."""
    best: list[list[int]] = []
    for value in order:
        chains = [chain for chain in best if chain[-1] < value]
        best.append([*_longest(chains), value])
    return set(order) - set(_longest(best))


def _longest(chains: list[list[int]]) -> list[int]:
    longest: list[int] = []
    for chain in chains:
        longest = chain if len(chain) > len(longest) else longest
    return longest
