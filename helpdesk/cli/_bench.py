"""`helpdesk-rules bench [WORKFLOW_DIR]`: how fast the executors decide on your workflows.

Sample events drawn from the workspace and the workflows' own literals go through
`Engine.decide` with each executor (native, durable where durable_rules can run, and
the reference interpreter), in one run: decisions per second, p50 and p99, and how many
times faster native is.  The repository's `make bench` runs the full benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rules_engine.engine import Engine
from rules_engine.errors import ExecutorUnavailable
from rules_engine.events import ConversationEvent
from rules_engine.loader import Project, load_project
from rules_engine.sample import sample_events
from rules_engine.workspace import EXECUTOR_NAMES

from . import UsageError


@dataclass(frozen=True)
class Figures:
    executor: str
    decisions_per_second: float
    p50_us: float
    p99_us: float


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure how fast each executor decides on your workflows",
        description="Decisions per second, p50 and p99 for the native executor, the durable "
        "executor and the reference interpreter on sample events for your workflows.",
    )
    parser.add_argument("workflows", nargs="?", default="workflows", metavar="WORKFLOW_DIR")
    parser.add_argument("--workspace", metavar="FILE")
    parser.add_argument("--events", type=int, default=20_000, metavar="N")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.events < 100:
        raise UsageError("--events must be at least 100")
    project = _project(args.workflows, args.workspace)
    events = sample_events(project.workflows, project.workspace, args.events)
    figures, skipped = [], []
    for name in EXECUTOR_NAMES:
        try:
            with Engine(project.workflows, project.workspace, name) as engine:
                figures.append(measure(engine, name, events))
        except ExecutorUnavailable as error:
            skipped.append(f"{name}: {error}")
    if args.json:
        report = {"machine": machine(), "events": len(events), "skipped": skipped}
        print(json.dumps({**report, "figures": [asdict(f) for f in figures]}, indent=2))
    else:
        print(render(figures, len(project.workflows), len(events), skipped))
    return 0


def _project(workflows: str, workspace: str | None) -> Project:
    try:
        project = load_project([workflows], workspace)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    if project.errors:
        first = project.errors[0].format()
        raise UsageError(f"the workflows have errors ({first}); run `helpdesk-rules validate`")
    if not project.workflows:
        raise UsageError(f"no workflows in {workflows}")
    return project


def measure(engine: Engine, name: str, events: Sequence[ConversationEvent]) -> Figures:
    for event in events[:200]:  # warm up: caches, branch prediction, lazy imports
        engine.decide(event)
    latencies: list[int] = []
    started = time.perf_counter_ns()
    for event in events:
        before = time.perf_counter_ns()
        engine.decide(event)
        latencies.append(time.perf_counter_ns() - before)
    elapsed = (time.perf_counter_ns() - started) / 1e9
    latencies.sort()
    return Figures(
        name,
        len(events) / elapsed,
        latencies[len(latencies) // 2] / 1000,
        latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] / 1000,
    )


def render(figures: Sequence[Figures], workflows: int, events: int, skipped: list[str]) -> str:
    native = next((f for f in figures if f.executor == "native"), None)
    lines = [
        f"machine: {machine()}",
        f"{workflows} workflows, {events:,} sample events through Engine.decide",
        f"{'executor':<10} {'decisions/s':>12} {'p50 µs':>8} {'p99 µs':>8}  native is",
    ]
    for f in figures:
        ratio = f"{native.decisions_per_second / f.decisions_per_second:5.1f}x" if native else ""
        ratio = "" if f is native else ratio
        rate = f"{f.decisions_per_second:12,.0f}"
        lines.append(f"{f.executor:<10} {rate} {f.p50_us:8.1f} {f.p99_us:8.1f}  {ratio}")
    lines += [f"not measured: {reason}" for reason in skipped]
    return "\n".join(lines)


def machine() -> str:
    return f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
