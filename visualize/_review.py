"""The review report: one self-contained `index.html` (inline SVG and CSS, no network)
and `report.json` with the same content.

The page: a summary line, the findings table, the routing overview, then per changed
workflow the diff picture, the current picture, the branch table and the YAML with
line numbers; unchanged workflows folded; a legend.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from rules_engine.findings import Finding, summary
from rules_engine.loader import Project
from rules_engine.model import Workflow

from ._diff import WorkflowDiff, diff_workflows
from ._dot import DotOptions, line_anchor, to_dot
from ._errors import GraphvizMissingError
from ._extract import belongs, workflow_diagram
from ._model import Diagram
from ._output import graphviz
from ._overview import overview_diagram
from ._page import CSS, SCRIPT
from ._sources import pair_workflows, text_at
from ._style import STATUS, legend
from ._table import TableRow, table_rows
from ._traffic import traffic_html

PAGE = DotOptions(links="page")


@dataclass(frozen=True)
class WorkflowReview:
    name: str
    file: str
    diagram: Diagram | None
    diff: WorkflowDiff | None
    findings: tuple[Finding, ...]
    old_text: str | None = None  # the file at the base revision, for the side-by-side

    @property
    def changed(self) -> bool:
        return self.diff is not None and self.diff.changed


@dataclass(frozen=True)
class Review:
    project: Project
    base: str | None
    workflows: tuple[WorkflowReview, ...]
    overview: Diagram
    traffic: Mapping[str, object] | None = None  # what replaying events showed, as data

    def summary(self) -> str:
        text = summary(self.project.findings, len(self.project.files))
        if self.base is None:
            return f"{text} · {len(self.project.workflows)} workflows"
        changed = sum(1 for w in self.workflows if w.changed)
        return f"{text} · {changed} of {len(self.workflows)} workflows changed since {self.base}"

    def to_dict(self) -> dict[str, object]:
        return {
            "summary": self.summary(),
            "base": self.base,
            "findings": [f.to_dict() for f in self.project.findings],
            "overview": _rows(self.overview),
            "workflows": [_workflow_dict(w) for w in self.workflows],
            "traffic": self.traffic,
            "legend": [entry.__dict__ for entry in legend()],
        }


def build_review(
    project: Project,
    base: Project | None = None,
    rev: str | None = None,
    traffic: Mapping[str, object] | None = None,
) -> Review:
    """Everything the page shows; `base` is the project at revision `rev`; `traffic` is
    what replaying recorded events through both versions showed (plain data: see
    `helpdesk._replay.TrafficChange.to_dict`)."""
    reviews = []
    old = base.workflows if base is not None else ()
    pairs = (
        pair_workflows(old, project.workflows)
        if base is not None
        else [(w.name, None, w) for w in project.workflows]
    )
    for name, before, after in pairs:
        reviews.append(_workflow_review(name, before, after, project, rev))
    overview = overview_diagram(project.workflows, project.findings)
    return Review(project, rev, tuple(reviews), overview, traffic)


def _workflow_review(
    name: str, before: Workflow | None, after: Workflow | None, project: Project, rev: str | None
) -> WorkflowReview:
    findings = tuple(f for f in project.findings if after is not None and belongs(f, after))
    diagram = workflow_diagram(after, findings) if after is not None else None
    diff = None
    old_text = None
    file = after.file if after is not None else (before.file if before else "")
    if rev is not None:
        diff = diff_workflows(before, after, (rev, "working tree"))
        if diff.changed and after is not None:
            old_text = text_at(rev, after.file)
    return WorkflowReview(name, file, diagram, diff, findings, old_text)


def _rows(diagram: Diagram | None) -> list[dict[str, str]]:
    return [row.to_dict() for row in table_rows(diagram)] if diagram is not None else []


def _workflow_dict(review: WorkflowReview) -> dict[str, object]:
    diff = review.diff
    return {
        "name": review.name,
        "file": review.file,
        "changed": review.changed,
        "diff": None
        if diff is None
        else {
            "summary": diff.summary,
            "counts": diff.counts,
            "changes": [change.to_dict() for change in diff.changes],
            "rows": _rows(diff.diagram),
        },
        "rows": _rows(review.diagram),
        "findings": [f.to_dict() for f in review.findings],
    }


def write_review(review: Review, out: Path) -> list[Path]:
    """Write `index.html` and `report.json`; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    page.write_text(_Page(review).html(), encoding="utf-8")
    report = out / "report.json"
    report.write_text(json.dumps(review.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    return [page, report]


def inline_svg(diagram: Diagram) -> str:
    """The diagram as an `<svg>` element for the page (no XML prolog or doctype)."""
    try:
        svg = graphviz(to_dot(diagram, PAGE), "svg").decode()
    except GraphvizMissingError as error:
        return f'<p class="no-picture">{escape(str(error))}</p>'
    svg = svg[svg.index("<svg") :]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)


class _Page:
    def __init__(self, review: Review) -> None:
        self.review = review

    def html(self) -> str:
        parts = [
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
            "<title>Workflow review</title>",
            f"<style>{CSS}</style>\n</head>\n<body>",
            "<h1>Workflow review</h1>",
            f'<p class="summary" id="summary">{escape(self.review.summary())}</p>',
            self._findings(),
            traffic_html(self.review.traffic),
            self._overview(),
            *self._workflows(),
            self._other_sources(),
            self._legend(),
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n",
        ]
        return "\n".join(part for part in parts if part)

    def _findings(self) -> str:
        findings = self.review.project.findings
        if not findings:
            return '<section id="findings"><h2>Findings</h2><p>No findings.</p></section>'
        rows = "".join(_finding_row(f) for f in findings)
        head = (
            "<tr><th>severity</th><th>code</th><th>location</th><th>message</th><th>hint</th></tr>"
        )
        return (
            f'<section id="findings"><h2>Findings</h2><table class="findings">'
            f"<thead>{head}</thead><tbody>{rows}</tbody></table></section>"
        )

    def _overview(self) -> str:
        return (
            '<section id="overview"><h2>Routing overview</h2>'
            f'<div class="picture">{inline_svg(self.review.overview)}</div></section>'
        )

    def _workflows(self) -> list[str]:
        reviews = self.review.workflows
        if self.review.base is None:
            return [
                '<section id="workflows"><h2>Workflows</h2>',
                *(self._folded(w, bool(w.findings)) for w in reviews),
                "</section>",
            ]
        changed = [w for w in reviews if w.changed]
        unchanged = [w for w in reviews if not w.changed]
        return [
            f'<section id="changed"><h2>Changed since {escape(self.review.base)}</h2>',
            *(self._changed(w) for w in changed),
            "<p>No workflow changed.</p>" if not changed else "",
            '</section><section id="unchanged"><h2>Unchanged workflows</h2>',
            *(self._folded(w, False) for w in unchanged),
            "</section>",
        ]

    def _changed(self, review: WorkflowReview) -> str:
        diff = review.diff
        title = f"{review.name} — {diff.summary}" if diff else review.name
        parts = [
            f'<article class="workflow changed" id="wf-{_id(review.name)}">',
            f"<h3>{escape(title)}</h3>",
        ]
        if diff is not None:
            parts += ["<h4>Change</h4>", f'<div class="picture">{inline_svg(diff.diagram)}</div>']
            parts += ["<h4>Every changed field</h4>", _changes(diff)]
        parts += self._body(review)
        return "\n".join([*parts, "</article>"])

    def _folded(self, review: WorkflowReview, open_: bool) -> str:
        marks = f" · {len(review.findings)} findings" if review.findings else ""
        return (
            f'<details class="workflow" id="wf-{_id(review.name)}"{" open" if open_ else ""}>'
            f"<summary><b>{escape(review.name)}</b> <span>{escape(review.file)}{marks}</span>"
            f"</summary>{''.join(self._body(review))}</details>"
        )

    def _body(self, review: WorkflowReview) -> list[str]:
        parts = []
        if review.diagram is not None:
            parts += [
                "<h4>Current</h4>",
                f'<div class="picture">{inline_svg(review.diagram)}</div>',
                "<h4>Branches</h4>",
                _table(table_rows(review.diagram)),
            ]
        if review.file and Path(review.file).is_file():
            findings = self.review.project.findings
            if review.changed:
                base = self.review.base or "base"
                parts += [f"<h4>YAML: {escape(base)} and now</h4>"]
                parts += [side_by_side(review.old_text or "", review.file, findings, base)]
            else:
                parts += ["<h4>YAML</h4>", _source(review.file, findings)]
        return parts

    def _other_sources(self) -> str:
        shown = {w.file for w in self.review.workflows if w.diagram is not None}
        others = [f for f in self.review.project.files if f not in shown and Path(f).is_file()]
        if not others:
            return ""
        items = "".join(
            f"<details><summary>{escape(f)}</summary>{_source(f, self.review.project.findings)}"
            "</details>"
            for f in others
        )
        return f'<section id="sources"><h2>Other files</h2>{items}</section>'

    def _legend(self) -> str:
        rows = "".join(
            f'<tr><td><span class="sample" style="color:{e.colour};border-color:{e.colour};'
            f'border-style:{"solid" if e.line == "bold" else e.line}">{escape(e.sample)}</span>'
            f"</td><td>{escape(e.meaning)}</td></tr>"
            for e in legend()
        )
        return f'<section id="legend"><h2>Legend</h2><table class="legend">{rows}</table></section>'


def _id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def _finding_row(finding: Finding) -> str:
    loc = finding.location
    href = "#" + line_anchor(loc.file, loc.line)
    return (
        f'<tr class="{finding.severity}"><td>{finding.severity}</td>'
        f'<td class="code">{escape(finding.code)}</td>'
        f'<td><a href="{href}">{escape(str(loc))}</a></td>'
        f"<td>{escape(finding.message)}</td><td>{escape(finding.hint or '')}</td></tr>"
    )


def _changes(diff: WorkflowDiff) -> str:
    """The field-by-field changes, texts in full."""
    body = "".join(
        f'<tr class="{c.kind}"><td>{STATUS[c.kind].glyph} {c.kind}</td>'
        f'<td class="code">{escape(c.path)}</td><td>{escape(c.old or "")}</td>'
        f"<td>{escape(c.new or '')}</td></tr>"
        for c in diff.changes
    )
    head = "<tr><th>change</th><th>field</th><th>was</th><th>now</th></tr>"
    return f'<table class="changes"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _table(rows: Sequence[TableRow]) -> str:
    head = "".join(f"<th>{c}</th>" for c in ("step", "row", "when / does", "then", "findings"))
    body = "".join(
        f"<tr><td>{escape(r.step)}</td><td>{escape(r.row)}</td><td>{escape(r.when)}</td>"
        f"<td>{escape(r.then)}</td><td>{escape(r.findings)}</td></tr>"
        for r in rows
    )
    return f'<table class="branches"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def side_by_side(old: str, file: str, findings: Iterable[Finding], base: str) -> str:
    """The file at the base revision and now, lines aligned, changed lines highlighted
    (− on the left, + on the right); the right side keeps the line anchors."""
    flagged = {f.location.line for f in findings if f.location.file == file}
    new_lines = Path(file).read_text(encoding="utf-8", errors="replace").splitlines()
    old_lines = old.splitlines()
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds = [
            _plain_line(n + 1, old_lines[n], "" if tag == "equal" else "del") for n in range(i1, i2)
        ]
        news = [
            _line(file, n + 1, new_lines[n], "" if tag == "equal" else "add", flagged)
            for n in range(j1, j2)
        ]
        pad = max(len(olds), len(news))
        left += olds + ['<span class="gap"> </span>'] * (pad - len(olds))
        right += news + ['<span class="gap"> </span>'] * (pad - len(news))
    return (
        f'<div class="side"><div><h5>{escape(base)}</h5>'
        f'<pre class="yaml old">{"".join(left)}</pre></div>'
        f'<div><h5>now</h5><pre class="yaml">{"".join(right)}</pre></div></div>'
    )


def _plain_line(number: int, text: str, kind: str) -> str:
    mark = f' class="{kind}"' if kind else ""
    return f'<span{mark}><a class="ln">{number}</a>{escape(text)}</span>'


def _line(file: str, number: int, text: str, kind: str, flagged: set[int]) -> str:
    anchor = line_anchor(file, number)
    classes = " ".join(c for c in (kind, "flagged" if number in flagged else "") if c)
    mark = f' class="{classes}"' if classes else ""
    link = f'<a class="ln" href="#{anchor}">{number}</a>'
    return f'<span id="{anchor}"{mark}>{link}{escape(text)}</span>'


def _source(file: str, findings: Iterable[Finding]) -> str:
    flagged = {f.location.line for f in findings if f.location.file == file}
    text = Path(file).read_text(encoding="utf-8", errors="replace")
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        anchor = line_anchor(file, number)
        mark = ' class="flagged"' if number in flagged else ""
        lines.append(
            f'<span id="{anchor}"{mark}><a class="ln" href="#{anchor}">{number}</a>'
            f"{escape(line)}</span>"
        )
    return f'<pre class="yaml">{"".join(lines)}</pre>'
