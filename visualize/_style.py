"""The look: Okabe–Ito status colours, each paired with a glyph or a line style.

Shared by the DOT renderer, the Markdown twin, the review page and its legend.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._model import NodeKind, Status, Verdict

FONT = "DejaVu Sans"
TEXT = "#1A1A1A"
MUTED_TEXT = "#767676"
MUTED_LINE = "#949494"
WARNING_FILL = "#F0E442"


@dataclass(frozen=True)
class StatusStyle:
    colour: str
    glyph: str
    line: str
    penwidth: float
    tint: str
    meaning: str


STATUS: dict[Status, StatusStyle] = {
    "plain": StatusStyle(TEXT, "", "solid", 1.2, "", "unchanged"),
    "trace": StatusStyle("#009E73", "", "bold", 3.0, "#D5EFE6", "the path the event took"),
    "muted": StatusStyle(MUTED_LINE, "", "solid", 1.0, "", "not reached by the runs drawn"),
    "added": StatusStyle("#0072B2", "+", "bold", 2.5, "#DCEAF5", "added"),
    "removed": StatusStyle("#D55E00", "−", "dashed", 1.5, "", "removed (struck through)"),
    "changed": StatusStyle("#CC79A7", "~", "solid", 2.5, "#F5E1EE", "changed: new, “was …” old"),
    "reordered": StatusStyle("#56B4E9", "↕", "solid", 2.0, "#E3F2FB", "moved to another row"),
}

VERDICT_GLYPH: dict[Verdict, str] = {"matched": "✓", "false": "✗", "not_evaluated": "·"}
VERDICT_MEANING: dict[Verdict, str] = {
    "matched": "row matched: its step was taken",
    "false": "row tested, did not hold",
    "not_evaluated": "row not tested (an earlier row matched)",
}

KIND: dict[NodeKind, tuple[str, str]] = {
    "trigger": ("▶", "trigger (oval): the event that starts the workflow"),
    "filter": ("▽", "channel and audience filter (inverted trapezium)"),
    "branch": ("◆", "branch (table): rows tried in order, first match wins; ↳ else"),
    "action": ("▭", "action (rounded box, double border): does its actions, then next"),
    "missing": ("⚠", "a step that is referred to but does not exist"),
    "channel": ("▽", "channels a group of workflows runs on"),
    "workflow": ("▣", "workflow, highest priority first"),
    "assignee": ("➜", "team or teammate a workflow assigns to"),
    "fold": ("…", "workflows folded away to keep the overview readable"),
}

WARNING_MEANING = "finding: yellow fill, dashed dark border, ⚠ CODE"


@dataclass(frozen=True)
class LegendEntry:
    sample: str
    colour: str
    line: str
    meaning: str


def legend() -> list[LegendEntry]:
    """What every shape, glyph and colour means (the review page and report.json)."""
    entries = [LegendEntry(glyph, TEXT, "solid", meaning) for glyph, meaning in KIND.values()]
    entries.append(
        LegendEntry("1 2 3", STATUS["trace"].colour, "bold", "trace: steps taken, in order")
    )
    entries += [
        LegendEntry(glyph, STATUS["trace"].colour, "solid", meaning)
        for glyph, meaning in zip(VERDICT_GLYPH.values(), VERDICT_MEANING.values(), strict=True)
    ]
    entries.append(
        LegendEntry(
            "grey",
            MUTED_TEXT,
            "solid",
            "trace: not reached by the event drawn (another event may reach it); "
            "traffic: no run reached it",
        )
    )
    entries.append(
        LegendEntry(
            "41 · 41%",
            STATUS["trace"].colour,
            "bold",
            "traffic: runs that took this edge or row and their share; wider lines, more runs",
        )
    )
    for status in ("added", "removed", "changed", "reordered"):
        style = STATUS[status]
        entries.append(LegendEntry(style.glyph, style.colour, style.line, style.meaning))
    entries.append(LegendEntry("⚠ CODE", TEXT, "dashed", WARNING_MEANING))
    return entries
