"""Time to render every example workflow and a 150-step workflow to DOT and to SVG.

Run: .venv/bin/python bench/bench_render.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from rules_engine.loader import load_project
from visualize import Diagram, render, workflow_diagram

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import ROOT, machine_line

sys.path.insert(0, str(ROOT / "tests" / "visualize"))
from bench_workflow import big_workflow  # type: ignore[import-not-found]


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of `repeats` runs, in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def render_all(diagrams: list[Diagram], fmt: str) -> None:
    for diagram in diagrams:
        render(diagram, fmt)


def main() -> None:
    print(machine_line())
    project = load_project([ROOT / "workflows"])
    examples = [workflow_diagram(w, project.findings) for w in project.workflows]
    with tempfile.TemporaryDirectory() as tmp:
        big_project = load_project([big_workflow(Path(tmp), 150)])
    big = [workflow_diagram(big_project.workflows[0], big_project.findings)]
    print(f"{'case':<34}{'DOT ms':>10}{'SVG ms':>10}")
    for label, diagrams in (
        (f"{len(examples)} example workflows", examples),
        ("150-step workflow", big),
    ):
        dot = best_of(5, partial(render_all, diagrams, "dot"))
        svg = best_of(3, partial(render_all, diagrams, "svg"))
        print(f"{label:<34}{dot:>10.1f}{svg:>10.1f}")


if __name__ == "__main__":
    main()
