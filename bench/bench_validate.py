"""Validation figures: how loading, validating and compiling grow with a project.

    .venv/bin/python bench/bench_validate.py [--scales 1,10,100]

Three projects, each at 1x, 10x and 100x of 10 workflows or 6 rows (so 10, 100, 1,000
workflows and 6, 60, 600 rows) in one run: ordinary workflows (the 4-branch workflows of
bench_engine.py), the same workflows with `not` audiences (no audience is indexed, so
every pair is searched for an overlap), and one branch step of many rows on a number
(each row a range after the earlier ones: the shadowing check's worst case).
Each is written as YAML, loaded and validated with `load_project` (the time spent
composing YAML shown apart), and compiled into the network.  "growth" is the time over
the previous size's: 10 is linear, about 13 is n log n, 100 quadratic.  Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script

from bench._common import machine_line
from bench.bench_engine import WORKSPACE_YAML, workflow_yaml
from rules_engine import _yaml_limits, loader
from rules_engine.compiler import compile_network


def not_audience_yaml(k: int) -> str:
    return workflow_yaml(k).replace("audience: ", "audience:\n  not: ", 1)


def rows_yaml(count: int) -> str:
    rows = "".join(
        f"      - when: {{customer.seats: {{gt: {count - k}}}}}\n        then: {'ab'[k % 2]}\n"
        for k in range(count)
    )
    return (
        "workflow: rows\ntrigger: customer_sends_first_message\npriority: 1\nstart: route\n"
        f"steps:\n  route:\n    branch:\n{rows}    else: a\n"
        "  a:\n    assign: {team: Team A}\n  b:\n    assign: {team: Team B}\n"
    )


def write(directory: Path, files: dict[str, str]) -> None:
    (directory / "workspace.yaml").write_text(WORKSPACE_YAML, encoding="utf-8")
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")


def measure(files: dict[str, str]) -> tuple[float, float, float, int]:
    """(seconds composing YAML, seconds loading and validating in all, compiling, findings)."""
    composing = 0.0
    compose = _yaml_limits.compose

    def timed(text: str, file: str) -> object:
        nonlocal composing
        started = time.perf_counter()
        try:
            return compose(text, file)
        finally:
            composing += time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        write(Path(folder), files)
        _yaml_limits.compose = timed  # type: ignore[assignment]
        try:
            started = time.perf_counter()
            project = loader.load_project([folder])
            loaded = time.perf_counter()
        finally:
            _yaml_limits.compose = compose
        if project.errors:
            raise SystemExit(project.errors[0].format())
        compile_network(project.workflows, project.workspace)
        compiled = time.perf_counter()
    return composing, loaded - started, compiled - loaded, len(project.findings)


PROJECTS: dict[str, tuple[str, Callable[[int], dict[str, str]], int]] = {
    "workflows": (
        "workflows",
        lambda n: {f"wf-{k:04d}.yaml": workflow_yaml(k) for k in range(n)},
        10,
    ),
    "not": (
        "workflows, `not` audiences",
        lambda n: {f"wf-{k:04d}.yaml": not_audience_yaml(k) for k in range(n)},
        10,
    ),
    "rows": ("rows in one branch", lambda n: {"rows.yaml": rows_yaml(n)}, 6),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--only", choices=sorted(PROJECTS), action="append")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    print(machine_line())
    print(
        f"{'project':<28}{'size':>6}{'yaml s':>9}{'validate s':>12}{'compile s':>11}"
        f"{'total s':>9}{'growth':>8}{'findings':>10}"
    )
    for key in args.only or list(PROJECTS):
        title, make, base = PROJECTS[key]
        previous = None
        for scale in scales:
            size = base * scale
            composing, loading, compiling, findings = measure(make(size))
            total = loading + compiling
            growth = f"{total / previous:7.1f}x" if previous else ""
            print(
                f"{title:<28}{size:>6}{composing:>9.2f}{loading - composing:>12.2f}"
                f"{compiling:>11.2f}{total:>9.2f}{growth:>8}{findings:>10}"
            )
            previous = total
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
