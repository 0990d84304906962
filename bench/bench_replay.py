"""Time to replay 100,000 realistic events through two versions of the example workflows
(`review --traffic`): each version in its own process and throwaway SQLite store.

Run: .venv/bin/python bench/bench_replay.py [EVENTS]
"""

from __future__ import annotations

import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

from helpdesk import generate_traffic
from helpdesk._replay import replay
from rules_engine.loader import Project, load_project
from rules_engine.model import Action, ActionStep

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import ROOT, machine_line

EVENTS = 100_000
CUSTOMERS_PER_EVENT = 2000 / 10_939  # what `traffic` gives over its default 21 days


def changed(project: Project) -> Project:
    """The examples with one reply changed, as a pull request would."""
    workflows = []
    for workflow in project.workflows:
        steps = dict(workflow.steps)
        for name, step in steps.items():
            if isinstance(step, ActionStep) and any(a.kind == "reply" for a in step.actions):
                actions = tuple(
                    Action(a.kind, f"{a.value} (changed)") if a.kind == "reply" else a
                    for a in step.actions
                )
                steps[name] = replace(step, actions=actions)
        workflows.append(replace(workflow, steps=steps))
    return replace(project, workflows=tuple(workflows))


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS
    customers = int(count * CUSTOMERS_PER_EVENT * 1.05) + 1
    started = time.perf_counter()
    events = list(generate_traffic(customers, seed=7))[:count]
    generated = time.perf_counter() - started
    base = load_project([ROOT / "workflows"])
    result = replay(base, changed(base), events)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(machine_line(sqlite=True))
    print(f"load average after: {os.getloadavg()[0]:.1f} (1 min; other work slows the wall time)")
    print(f"events: {result.events:,} ({generated:.1f} s to generate)")
    print(f"replay on both versions: {result.seconds:.1f} s")
    print(f"  {result.events / result.seconds:,.0f} events/s for the pair")
    print(f"  CPU time of the two replay processes: {cpu.ru_utime + cpu.ru_stime:.1f} s")
    print(f"rerouted: {result.rerouted:,} of {result.routed:,} routed events")
    sent = sum(count for _, count, _ in result.now_sent)
    print(f"replies now sent: {sent:,}")


if __name__ == "__main__":
    main()
