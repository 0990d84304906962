"""DOT renderer: a diagram → Graphviz source, byte-stable.

Names and ids come from the diagram name and node keys (YAML names), nodes and edges
are written in the diagram's order, and nothing depends on hashing or object ids, so
the same diagram gives the same bytes under any `PYTHONHASHSEED`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from rules_engine.model import Location

from ._extract import wrap
from ._model import Diagram, Edge, Mark, Node, Row, Status
from ._style import FONT, MUTED_TEXT, STATUS, TEXT, VERDICT_GLYPH, WARNING_FILL

LinkStyle = Literal["source", "page"]
WAS_TEXT = "#8F3F71"  # the changed colour, darkened so "was …" reads on its tint


# Past this many steps a workflow is drawn top to bottom (and without `ordering=out`,
# which would stretch the chain of branches sideways).
TALL_AFTER_STEPS = 40


@dataclass(frozen=True)
class DotOptions:
    """How links are written: `source` → `file#L12`, `page` → `#L-<file>-12` (review page)."""

    links: LinkStyle = "source"


def slug(text: str) -> str:
    """An id-safe spelling: `[A-Za-z0-9_-]` kept, anything else `_xx` (its code point)."""
    return re.sub(r"[^A-Za-z0-9_-]", lambda m: "_" + format(ord(m.group()), "x"), text)


def line_anchor(file: str, line: int) -> str:
    return f"L-{slug(file)}-{line}"


def link(location: Location | None, options: DotOptions) -> str:
    if location is None or location.line <= 0:
        return ""
    if options.links == "page":
        return "#" + line_anchor(location.file, location.line)
    return f"{location.file}#L{location.line}"


def to_dot(diagram: Diagram, options: DotOptions = DotOptions()) -> str:
    """The Graphviz source of one diagram."""
    return "\n".join(_DotWriter(diagram, options).lines()) + "\n"


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def attributes(pairs: dict[str, str]) -> str:
    """`[a="x", label=<...>]`; values starting with `<` are HTML labels."""
    items = (f"{k}={v}" if v.startswith("<") else f"{k}={quote(v)}" for k, v in pairs.items())
    return "[" + ", ".join(items) + "]"


class _DotWriter:
    def __init__(self, diagram: Diagram, options: DotOptions) -> None:
        self.diagram = diagram
        self.options = options
        self.prefix = slug(diagram.name) if diagram.name else "diagram"
        self.edge_ids: set[str] = set()

    def lines(self) -> Iterator[str]:
        yield f"digraph {quote(self.diagram.name)} {{"
        yield "  graph " + attributes(self._graph())
        yield "  node " + attributes(
            {
                "fontname": FONT,
                "fontsize": "11",
                "color": TEXT,
                "fontcolor": TEXT,
                "margin": "0.15,0.06",
            }
        )
        yield "  edge " + attributes(
            {"fontname": FONT, "fontsize": "10", "color": TEXT, "arrowsize": "0.7"}
        )
        for node in self.diagram.nodes:
            yield f"  {self.name(node.key)} {attributes(self._node(node))}"
        yield from self._trigger_column()
        for edge in self.diagram.edges:
            arrow = f"{self.name(edge.tail)} -> {self.name(edge.head)}"
            yield f"  {arrow} {attributes(self._edge(edge))}"
        yield "}"

    def _trigger_column(self) -> Iterator[str]:
        """Several triggers (the overview): one column, top to bottom in the given order."""
        triggers = [self.name(n.key) for n in self.diagram.nodes if n.kind == "trigger"]
        if len(triggers) > 1:
            yield "  { rank=same; " + " -> ".join(triggers) + " [style=invis] }"

    def name(self, key: str) -> str:
        return quote(f"{self.diagram.name}/{key}")

    def node_id(self, key: str) -> str:
        return f"{self.prefix}--{slug(key)}"

    def _tall(self) -> bool:
        """A big workflow reads top to bottom: left to right it would be metres wide."""
        steps = sum(node.kind not in ("trigger", "filter") for node in self.diagram.nodes)
        return self.diagram.kind != "overview" and steps > TALL_AFTER_STEPS

    def _graph(self) -> dict[str, str]:
        title = f"<b>{html(self.diagram.title)}</b>  {html(self.diagram.subtitle)}"
        layout = {"rankdir": "TB"} if self._tall() else {"rankdir": "LR", "ordering": "out"}
        return {
            **layout,
            "newrank": "true",
            "fontname": FONT,
            "fontsize": "13",
            "fontcolor": TEXT,
            "labelloc": "t",
            "labeljust": "l",
            "label": f"<{title}>",
            "id": f"{self.prefix}--graph",
            "class": f"diagram {self.diagram.kind}",
            "bgcolor": "white",
            "pad": "0.25",
            "nodesep": "0.35",
            "ranksep": "0.7",
            "tooltip": self.diagram.title,
        }

    def _node(self, node: Node) -> dict[str, str]:
        pairs = {
            "id": self.node_id(node.key),
            "class": _classes(node.kind, node.status, node.marks),
        }
        pairs |= _shape(node)
        pairs |= _colours(node.status, bool(node.marks), node.kind)
        pairs["label"] = f"<{self._label(node)}>"
        pairs["tooltip"] = _tooltip(node.tooltip or node.title, node.marks)
        url = link(node.location, self.options)
        if url:
            pairs["URL"] = url
        if node.kind == "branch":
            pairs = {k: v for k, v in pairs.items() if k not in ("color", "penwidth", "style")}
        return pairs

    def _label(self, node: Node) -> str:
        if node.kind == "branch":
            return _BranchTable(self, node).html()
        return _box_label(node)

    def _edge(self, edge: Edge) -> dict[str, str]:
        style = STATUS[edge.status]
        base = f"{self.node_id(edge.tail)}--{edge.port or 'next'}--{slug(edge.head)}"
        edge_id = base
        while edge_id in self.edge_ids:
            edge_id += "-again"
        self.edge_ids.add(edge_id)
        pairs = {
            "id": edge_id,
            "class": edge.status,
            "color": style.colour,
            "penwidth": str(edge.penwidth or style.penwidth),
        }
        if style.line == "dashed":
            pairs["style"] = "dashed"
        if edge.port is not None:
            pairs["tailport"] = f"{edge.port}:e"
        if edge.label:
            pairs["label"] = f"<<b>{html(edge.label)}</b>>"
            pairs["fontcolor"] = style.colour if edge.status != "plain" else TEXT
        if edge.tooltip:
            pairs["tooltip"] = edge.tooltip
        if not edge.constraint:
            pairs |= {"constraint": "false", "style": "dashed", "arrowhead": "none"}
        return pairs


def _classes(kind: str, status: Status, marks: tuple[Mark, ...]) -> str:
    codes = " ".join(dict.fromkeys(mark.code for mark in marks))
    return " ".join(part for part in (kind, status, "warning" if marks else "", codes) if part)


def _tooltip(text: str, marks: tuple[Mark, ...]) -> str:
    notes = [f"⚠ {mark.code}: {mark.message} ({mark.location})" for mark in marks]
    return "\n".join([text, *notes])


def _shape(node: Node) -> dict[str, str]:
    shapes = {
        "trigger": {"shape": "oval"},
        "filter": {"shape": "invtrapezium"},
        "branch": {"shape": "plain"},
        "action": {"shape": "box", "peripheries": "2"},
        "missing": {"shape": "box"},
        "channel": {"shape": "invtrapezium"},
        "workflow": {"shape": "box"},
        "assignee": {"shape": "box", "peripheries": "2"},
        "fold": {"shape": "box"},
    }
    return dict(shapes[node.kind])


def _colours(status: Status, warned: bool, kind: str) -> dict[str, str]:
    style = STATUS[status]
    styles = ["rounded"] if kind in ("action", "workflow", "assignee", "fold", "missing") else []
    pairs = {"color": style.colour, "penwidth": str(style.penwidth)}
    if status == "muted":
        pairs["fontcolor"] = MUTED_TEXT
    if warned or kind == "missing":
        styles += ["filled", "dashed"]
        pairs |= {"fillcolor": WARNING_FILL, "color": TEXT}
    elif style.line == "dashed" or kind == "fold":
        styles.append("dashed")
    elif style.tint:
        styles.append("filled")
        pairs["fillcolor"] = style.tint
    if styles:
        pairs["style"] = ",".join(styles)
    return pairs


def _box_label(node: Node) -> str:
    glyph = STATUS[node.status].glyph if node.status not in ("plain", "muted", "trace") else ""
    bold = node.kind in ("action", "workflow")
    head = f"<b>{html(node.title)}</b>" if bold else html(node.title)
    parts = [_struck(f"{glyph} {head}".strip(), node.status)]
    parts += [_struck(html(line), node.status) for line in node.lines]
    if node.was:
        parts.append(_was(node.was))
    parts += [f"⚠ {html(mark.code)}" for mark in node.marks]
    if node.kind not in ("action", "workflow", "assignee"):
        return "<br/>".join(parts)
    return '<br align="left"/>'.join(parts) + ('<br align="left"/>' if len(parts) > 1 else "")


def _struck(text: str, status: Status) -> str:
    return f"<s>{text}</s>" if status == "removed" else text


def _was(text: str) -> str:
    return f'<font point-size="9" color="{WAS_TEXT}"><i>{html(text)}</i></font>'


class _BranchTable:
    """A branch step as an HTML table: a header, then one row per exit with its port."""

    def __init__(self, writer: _DotWriter, node: Node) -> None:
        self.writer = writer
        self.node = node
        self.muted = node.status == "muted"

    def html(self) -> str:
        style = STATUS[self.node.status]
        dashed = ' style="dashed"' if self.node.status == "removed" or self.node.marks else ""
        colour = TEXT if self.node.marks else style.colour
        rows = [self._header(), *self._step_marks(), *(self._row(row) for row in self.node.rows)]
        return (
            f'<table border="{2 if style.penwidth > 2 else 1}" cellborder="0" cellspacing="0" '
            f'cellpadding="4" color="{colour}" bgcolor="white"{dashed}>'
            + "".join(rows)
            + "</table>"
        )

    def _header(self) -> str:
        glyph = STATUS[self.node.status].glyph
        title = _struck(f"{glyph} ◆ <b>{html(self.node.title)}</b>".strip(), self.node.status)
        note = "  ".join(html(line) for line in self.node.lines)
        was = f"  {_was(self.node.was)}" if self.node.was else ""
        text = f'{title}  <font point-size="9">{note}</font>{was}'
        tooltip = f"{self.node.title}: first matching row wins"
        attrs = self._cell_attrs(tooltip, self.node.location, "head")
        return f'<tr><td align="left" colspan="3"{attrs}>{self._muted(text)}</td></tr>'

    def _step_marks(self) -> Iterator[str]:
        for mark in self.node.marks:
            text = f"⚠ {html(mark.code)}  {html(_short(mark.message))}"
            attrs = f' bgcolor="{WARNING_FILL}"' + self._cell_attrs(
                f"{mark.code}: {mark.message}", mark.location, f"mark-{slug(mark.code.lower())}"
            )
            yield f'<tr><td align="left" colspan="3"{attrs}>{text}</td></tr>'

    def _row(self, row: Row) -> str:
        bg = self._row_fill(row)
        fill = f' bgcolor="{bg}"' if bg else ""
        text = self._row_text(row)
        number = f"row {row.number}: " if row.number.isdigit() else ""
        tooltip = _tooltip(f"{number}{row.detail or row.text}", row.marks)
        attrs = self._cell_attrs(tooltip, row.location, row.port)
        verdict = VERDICT_GLYPH[row.verdict] if row.verdict else ""
        number = self._number(row)
        return (
            f'<tr><td align="left"{fill}>{number}</td>'
            f'<td align="left" balign="left"{fill}{attrs}>{text}</td>'
            f'<td align="right" port="{row.port}"{fill}>{verdict}</td></tr>'
        )

    def _number(self, row: Row) -> str:
        style = STATUS[row.status]
        if row.status in ("added", "removed", "changed", "reordered"):
            return f'<font color="{style.colour}"><b>{html(style.glyph)}</b></font>'
        return self._muted(html(row.number), row.verdict == "not_evaluated")

    def _row_text(self, row: Row) -> str:
        text = '<br align="left"/>'.join(html(line) for line in wrap(row.text))
        text = f"<i>{text}</i>" if row.is_else and row.target else text
        if row.is_else and row.target is None and not row.marks:
            text = "<i>else: end</i>"
        text = _struck(text, row.status)
        if row.was:
            text += "  " + '<br align="left"/>'.join(_was(line) for line in wrap(row.was))
        if row.note:
            colour = STATUS["trace"].colour
            text += f'  <font point-size="9" color="{colour}"><b>{html(row.note)}</b></font>'

        text += "".join(f"  ⚠ {html(mark.code)}" for mark in row.marks)
        dim = row.verdict == "not_evaluated" or (row.verdict == "false" and row.is_else)
        return self._muted(text, dim)

    def _row_fill(self, row: Row) -> str:
        if row.marks:
            return WARNING_FILL
        if row.verdict == "matched" or (row.is_else and row.status == "trace"):
            return STATUS["trace"].tint
        return STATUS[row.status].tint

    def _muted(self, text: str, dim: bool = False) -> str:
        return f'<font color="{MUTED_TEXT}">{text}</font>' if (self.muted or dim) else text

    def _cell_attrs(self, tooltip: str, location: Location | None, part: str) -> str:
        cell_id = f"{self.writer.node_id(self.node.key)}--{part}"
        url = link(location, self.writer.options)
        place = f" ({location.file}:{location.line})" if location and location.line else ""
        attrs = f' id="{html(cell_id)}" tooltip="{html(tooltip + place)}"'
        return attrs + (f' href="{html(url)}"' if url else "")


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["DotOptions", "line_anchor", "slug", "to_dot"]
