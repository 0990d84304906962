"""Traces: the runs the engine printed (`explain --json`, `simulate --json`) drawn on a
workflow's diagram.

One event (`trace_diagram`): numbered edges along the path, a verdict on every branch
row, and the steps that event did not reach greyed out.  Many events
(`traffic_diagram`): on every edge and branch row, how many runs took it and their
share, lines wider for a larger share; only what no run reached is greyed out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import cast

from ._errors import TraceError
from ._extract import FILTER, TRIGGER, step_key
from ._model import Diagram, Edge, Node, Row, Verdict

VERDICTS: tuple[Verdict, ...] = ("matched", "false", "not_evaluated")


@dataclass(frozen=True)
class Trace:
    """One workflow's run for one event, read from the engine's `Run.to_dict()`."""

    event: str
    workflow: str
    path: tuple[str, ...]
    verdicts: tuple[tuple[str, tuple[Verdict, ...], bool], ...]


def load_traces(path: str | Path, event: str | None = None) -> list[Trace]:
    """The traces in a file, one per workflow (the first event that ran it), or the
    traces of `event` only."""
    text = _read(Path(path))
    traces = list(_parse(text, str(path)))
    if event is not None:
        chosen = [trace for trace in traces if trace.event == event]
        if not chosen:
            known = ", ".join(dict.fromkeys(trace.event for trace in traces)) or "none"
            raise TraceError(f"{path}: no event with id {event!r} (events: {known})")
        return chosen
    first: dict[str, Trace] = {}
    for trace in traces:
        first.setdefault(trace.workflow, trace)
    return list(first.values())


def load_runs(path: str | Path) -> dict[str, list[Trace]]:
    """Every run in a file, by workflow name (in the order the workflows first ran)."""
    runs: dict[str, list[Trace]] = {}
    for trace in _parse(_read(Path(path)), str(path)):
        runs.setdefault(trace.workflow, []).append(trace)
    return runs


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TraceError(f"cannot read the trace file {path}: {error}") from None


def _parse(text: str, source: str) -> Iterator[Trace]:
    """`explain --json` (one object with "runs") or `simulate --json` (JSON Lines)."""
    try:
        documents = [json.loads(text)]
    except json.JSONDecodeError:
        documents = [
            _line(line, source, n) for n, line in enumerate(text.splitlines(), 1) if line.strip()
        ]
    for number, document in enumerate(documents, start=1):
        yield from _document(document, source, number)


def _line(line: str, source: str, number: int) -> object:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise TraceError(f"{source}:{number}: not JSON: {error.msg}") from None


def _document(document: object, source: str, number: int) -> Iterator[Trace]:
    if not isinstance(document, dict):
        raise TraceError(f"{source}:{number}: expected a JSON object with runs")
    runs = document.get("runs", document.get("workflows"))
    if not isinstance(runs, list):
        raise TraceError(f'{source}:{number}: expected "runs" (explain) or "workflows" (simulate)')
    event = _event_id(document.get("event"), number)
    for run in runs:
        yield _trace(run, event, f"{source}:{number}")


def _event_id(event: object, number: int) -> str:
    if isinstance(event, dict) and event.get("id") is not None:
        return str(event["id"])
    if isinstance(event, dict) and event.get("trigger"):
        return f"{number} ({event['trigger']} on {event.get('channel', 'any channel')})"
    if isinstance(event, str | int):
        return str(event)
    return f"#{number}"


def _trace(run: object, event: str, where: str) -> Trace:
    if not isinstance(run, dict) or not isinstance(run.get("workflow"), str):
        raise TraceError(f"{where}: a run needs a workflow name")
    path = run.get("path", [])
    if not isinstance(path, list) or not all(isinstance(step, str) for step in path):
        raise TraceError(f"{where}: the path of {run['workflow']} must be a list of step names")
    verdicts = tuple(_verdict(v, where) for v in run.get("verdicts", []))
    return Trace(event, run["workflow"], tuple(path), verdicts)


def _verdict(verdict: object, where: str) -> tuple[str, tuple[Verdict, ...], bool]:
    if not isinstance(verdict, dict) or not isinstance(verdict.get("rows"), list):
        raise TraceError(f"{where}: a verdict needs a step and rows")
    rows = verdict["rows"]
    if not all(row in VERDICTS for row in rows):
        raise TraceError(f"{where}: row verdicts are {', '.join(VERDICTS)}")
    return (
        str(verdict.get("step")),
        tuple(cast(list[Verdict], rows)),
        verdict.get("else") == "taken",
    )


def trace_diagram(diagram: Diagram, trace: Trace) -> Diagram:
    """The workflow's diagram with `trace` drawn on it."""
    verdicts = _verdicts_by_step(diagram, trace)
    taken = _taken_edges(diagram, trace, verdicts)
    on_path = {TRIGGER, FILTER, *(step_key(step) for step in trace.path)}
    nodes = tuple(
        _node(node, node.key in on_path, verdicts.get(node.key)) for node in diagram.nodes
    )
    edges = tuple(_edge(edge, taken) for edge in diagram.edges)
    subtitle = f"{diagram.subtitle} · trace: event {trace.event}"
    return Diagram(f"{diagram.name}.trace", diagram.title, subtitle, nodes, edges, "trace")


def _verdicts_by_step(
    diagram: Diagram, trace: Trace
) -> dict[str, tuple[tuple[Verdict, ...], bool]]:
    found: dict[str, tuple[tuple[Verdict, ...], bool]] = {}
    for step, rows, otherwise in trace.verdicts:
        node = diagram.node(step_key(step))
        if node is None or node.kind != "branch" or len(node.rows) - 1 != len(rows):
            raise TraceError(
                f"the trace of event {trace.event} does not fit workflow {trace.workflow}: "
                f"step {step!r} has a different number of rows (was it edited since?)"
            )
        found[node.key] = (rows, otherwise)
    return found


def _taken_edges(
    diagram: Diagram, trace: Trace, verdicts: Mapping[str, tuple[tuple[Verdict, ...], bool]]
) -> dict[tuple[str, str | None, str], int]:
    keys = [step_key(step) for step in trace.path]
    hops: list[tuple[str, str | None, str]] = [(TRIGGER, None, FILTER)]
    hops += [(FILTER, None, keys[0])] if keys else []
    for tail, head in pairwise(keys):
        hops.append((tail, _port(diagram.node(tail), verdicts.get(tail)), head))
    return {hop: number for number, hop in enumerate(hops, start=1)}


def _port(node: Node | None, verdict: tuple[Sequence[Verdict], bool] | None) -> str | None:
    if node is None or node.kind != "branch" or verdict is None:
        return None
    rows, otherwise = verdict
    if otherwise:
        return "else"
    matched = [index for index, row in enumerate(rows, start=1) if row == "matched"]
    return f"r{matched[0]}" if matched else None


def _node(node: Node, reached: bool, verdict: tuple[tuple[Verdict, ...], bool] | None) -> Node:
    if not reached:
        return replace(node, status="muted")
    if verdict is None:
        return replace(node, status="trace")
    rows, otherwise = verdict
    else_verdict: Verdict = (
        "matched" if otherwise else ("not_evaluated" if "matched" in rows else "false")
    )
    marked = [*rows, else_verdict]
    return replace(
        node, status="trace", rows=tuple(_row(r, v) for r, v in zip(node.rows, marked, strict=True))
    )


def _row(row: Row, verdict: Verdict) -> Row:
    return replace(row, verdict=verdict, status="trace" if verdict == "matched" else "plain")


def _edge(edge: Edge, taken: Mapping[tuple[str, str | None, str], int]) -> Edge:
    number = taken.get((edge.tail, edge.port, edge.head))
    if number is None:
        return replace(edge, status="muted")
    return replace(edge, status="trace", label=str(number))


WIDEST = 8.0  # the pen width of an edge every run took


def traffic_diagram(diagram: Diagram, traces: Sequence[Trace]) -> Diagram:
    """The workflow's diagram with many runs drawn on it: counts and shares."""
    total = len(traces)
    hops: Counter[tuple[str, str | None, str]] = Counter()
    rows: Counter[tuple[str, str]] = Counter()
    for trace in traces:
        verdicts = _verdicts_by_step(diagram, trace)
        hops.update(_taken_edges(diagram, trace, verdicts).keys())
        for key, verdict in verdicts.items():
            port = _port(diagram.node(key), verdict)
            rows[(key, port or "")] += 1
    reached = {key for hop in hops for key in (hop[0], hop[2])}
    nodes = tuple(_counted_node(node, node.key in reached, rows, total) for node in diagram.nodes)
    edges = tuple(_counted_edge(edge, hops, total) for edge in diagram.edges)
    events = len({trace.event for trace in traces})
    subtitle = f"{diagram.subtitle} · traffic: {total} runs of {events} events"
    return Diagram(f"{diagram.name}.trace", diagram.title, subtitle, nodes, edges, "trace")


def share(count: int, total: int) -> str:
    """`412 · 41%` (`<1%` for a handful among many)."""
    percent = 100 * count / total if total else 0
    shown = "<1" if 0 < percent < 1 else f"{percent:.0f}"
    return f"{count} · {shown}%"


def _counted_node(
    node: Node, reached: bool, rows: Mapping[tuple[str, str], int], total: int
) -> Node:
    if not reached:
        return replace(node, status="muted")
    if node.kind != "branch":
        return replace(node, status="trace")
    counted = tuple(
        _counted_row(row, rows.get((node.key, row.port), 0), total) for row in node.rows
    )
    return replace(node, status="trace", rows=counted)


def _counted_row(row: Row, count: int, total: int) -> Row:
    return replace(row, status="trace" if count else "plain", note=share(count, total))


def _counted_edge(edge: Edge, hops: Mapping[tuple[str, str | None, str], int], total: int) -> Edge:
    count = hops.get((edge.tail, edge.port, edge.head), 0)
    if not count:
        return replace(edge, status="muted")
    width = 1.0 + (WIDEST - 1.0) * count / total
    tooltip = f"{edge.tooltip or edge.tail + ' → ' + edge.head}: {share(count, total)} of runs"
    return replace(
        edge, status="trace", label=share(count, total), penwidth=round(width, 1), tooltip=tooltip
    )
