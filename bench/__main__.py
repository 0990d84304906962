"""`python -m bench` (`make bench`): run every benchmark, write one report.

Each `bench/bench_*.py` runs in its own process (so one benchmark's memory and
threads cannot skew the next); the report gathers their output under a description
of the machine, in `out/bench/report.md`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._common import machine

HERE = Path(__file__).parent
REPORT = Path("out/bench/report.md")


def machine_description() -> str:
    facts = machine()
    memory = "" if facts.memory_gib is None else f", {facts.memory_gib:.1f} GiB memory"
    return (
        f"{facts.platform}; {facts.cpu or 'unknown CPU'}, {facts.cpus} CPUs{memory}; "
        f"Python {facts.python}"
    )


def run(script: Path) -> str:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    status = "" if done.returncode == 0 else f" (exit {done.returncode}: {done.stderr.strip()})"
    return f"## {script.stem}\n\n```\n{done.stdout.rstrip()}\n```\n\n{seconds:.0f} s{status}\n"


def main() -> None:
    scripts = sorted(HERE.glob("bench_*.py"))
    sections = [
        f"# Benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n",
        f"Machine: {machine_description()}\n",
    ]
    for script in scripts:
        print(f"running {script.name} ...", flush=True)
        section = run(script)
        print(section, flush=True)
        sections.append(section)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(sections))
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
