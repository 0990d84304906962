"""The text twin of every picture: its rows as data, and as a Markdown table.

For readers who cannot see the picture, for text diffs in review, and for the
report's branch table and `report.json`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ._extract import key_name
from ._model import Diagram, Mark, Node, Row, Status
from ._style import KIND, STATUS, VERDICT_GLYPH


@dataclass(frozen=True)
class TableRow:
    step: str
    kind: str
    row: str
    when: str
    then: str
    status: str
    verdict: str
    findings: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def table_rows(diagram: Diagram) -> list[TableRow]:
    """One line per branch row and per other box, in the picture's order."""
    heads = _heads(diagram)
    rows: list[TableRow] = []
    for node in diagram.nodes:
        if node.kind == "branch":
            rows += [_branch_row(node, row) for row in node.rows]
        else:
            rows.append(_box_row(node, heads.get(node.key, "")))
    return rows


def _heads(diagram: Diagram) -> dict[str, str]:
    heads: dict[str, list[str]] = {}
    titles = {node.key: node.title for node in diagram.nodes}
    for edge in diagram.edges:
        if edge.port is None and edge.constraint:
            heads.setdefault(edge.tail, []).append(titles.get(edge.head, key_name(edge.head)))
    return {key: ", ".join(names) for key, names in heads.items()}


def _status(status: Status, was: str | None) -> str:
    if status in ("plain", "muted", "trace"):
        return "not reached by the runs drawn" if status == "muted" else ""
    glyph = STATUS[status].glyph
    return f"{glyph} {status}" + (f" ({was})" if was else "")


def _branch_row(node: Node, row: Row) -> TableRow:
    then = key_name(row.target) if row.target else "end"
    verdict = f"{VERDICT_GLYPH[row.verdict]} {row.verdict.replace('_', ' ')}" if row.verdict else ""
    verdict = row.note or verdict
    findings = " ".join(f"⚠ {mark.code}" for mark in (*row.marks, *_first(node, row)))
    when = row.detail or row.text
    return TableRow(
        f"◆ {node.title}",
        "branch",
        row.number,
        when,
        then,
        _status(row.status, row.was) or _status(node.status, node.was),
        verdict,
        findings,
    )


def _first(node: Node, row: Row) -> tuple[Mark, ...]:
    return node.marks if node.rows and row is node.rows[0] else ()


def _box_row(node: Node, then: str) -> TableRow:
    glyph = "" if node.title.startswith(KIND[node.kind][0]) else KIND[node.kind][0] + " "
    findings = " ".join(f"⚠ {mark.code}" for mark in node.marks)
    return TableRow(
        f"{glyph}{node.title}",
        node.kind,
        "",
        node.full or "; ".join(node.lines),
        then,
        _status(node.status, node.was),
        "",
        findings,
    )


def to_markdown(diagram: Diagram) -> str:
    """A Markdown heading and table with the same content as the picture."""
    rows = table_rows(diagram)
    columns = ["step", "row", "when / does", "then", "findings"]
    if diagram.kind == "diff":
        columns.insert(4, "change")
    if diagram.kind == "trace":
        columns.insert(4, "verdict")
    lines = [f"## {diagram.title}", "", diagram.subtitle, "", _line(columns)]
    lines.append(_line(["---"] * len(columns)))
    lines += [_line(_cells(row, diagram.kind)) for row in rows]
    return "\n".join(lines) + "\n"


def _cells(row: TableRow, kind: str) -> list[str]:
    cells = [row.step, row.row, row.when, row.then, row.findings]
    if kind == "diff":
        cells.insert(4, row.status)
    if kind == "trace":
        cells.insert(4, row.verdict or row.status)
    return cells


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"
