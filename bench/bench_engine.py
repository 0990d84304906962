"""Engine figures: decisions per second, p99 latency, memory, validate-and-compile time.

    .venv/bin/python bench/bench_engine.py [--events N] [--sizes 10,100,1000]

For 10, 100 and 1,000 workflows of 4 branches each (mixed conditions: equality, `in`,
`contains`, numeric ranges, `exists`, `not`), written as YAML and loaded with
`load_project`, the native executor, the durable executor and the reference interpreter
decide the same events in the same run.  Then each executor takes `--events` events
(default 1,000,000) in a fresh child process, whose peak RSS is printed before and
after.  Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rules_engine.compiler import compile_network
from rules_engine.engine import Engine
from rules_engine.events import ConversationEvent
from rules_engine.loader import load_project
from rules_engine.model import ANY_MESSAGE, FIRST_MESSAGE, Workflow
from rules_engine.workspace import EXECUTOR_NAMES, Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import machine

TRIGGERS = (FIRST_MESSAGE, ANY_MESSAGE)
PLANS = 50
EXECUTORS = EXECUTOR_NAMES
WORKSPACE_YAML = f"""\
workspace: bench
executor: native
channels: [sms, email, chat]
teams: [Team A, Team B, Team C, Team D, Team E]
attributes:
  customer.plan: {{type: enum, values: [{", ".join(f"p{k}" for k in range(PLANS + 10))}]}}
  customer.seats: number
  customer.vip: boolean
  customer.region: string
"""
BODIES = ("where is my refund", "order #12345", "hello", "STOP", "Straße", "help me")
REGIONS = ("us", "eu", "apac", "latam")


def workflow_yaml(k: int) -> str:
    """Workflow k: an indexed audience (most of them), then 4 branches and an else."""
    low = (k * 7) % 200
    audience = (
        f"{{customer.plan: {{equals: p{k % PLANS}}}}}"
        if k % 5
        else f"{{customer.seats: {{gte: {low}}}}}"
    )
    return f"""\
workflow: wf-{k:04d}
trigger: {TRIGGERS[k % 2]}
{"channels: [sms]" if k % 3 == 0 else ""}
priority: {k}
audience: {audience}
start: route
steps:
  route:
    branch:
      - when: {{customer.region: {{equals: {REGIONS[k % 4]}}}}}
        then: a
      - when: {{customer.plan: {{in: [p{(k + 1) % PLANS}, p{(k + 2) % PLANS}]}}}}
        then: b
      - when:
          all:
            - {{message.body: {{contains: refund}}}}
            - {{customer.seats: {{gte: {low}}}}}
            - {{customer.seats: {{lt: {low + 100}}}}}
        then: c
      - when:
          all:
            - {{customer.vip: {{exists: true}}}}
            - not: {{customer.vip: {{equals: true}}}}
        then: d
    else: e
  a:
    assign: {{team: Team A}}
  b:
    assign: {{team: Team B}}
    tag: [b]
  c:
    assign: {{team: Team C}}
  d:
    assign: {{team: Team D}}
  e:
    assign: {{team: Team E}}
"""


def write_project(directory: Path, count: int) -> None:
    (directory / "workspace.yaml").write_text(WORKSPACE_YAML, encoding="utf-8")
    for k in range(count):
        (directory / f"wf-{k:04d}.yaml").write_text(workflow_yaml(k), encoding="utf-8")


def load(directory: Path) -> tuple[tuple[Workflow, ...], Workspace]:
    project = load_project([directory])
    if project.errors:
        raise SystemExit("bench workflows have errors:\n" + project.errors[0].format())
    return project.workflows, project.workspace


def make_events(count: int, seed: int = 7) -> list[ConversationEvent]:
    rng = random.Random(seed)
    at = datetime(2026, 1, 5, 10, tzinfo=UTC)
    events = []
    for _ in range(count):
        customer: dict[str, object] = {"plan": f"p{rng.randrange(PLANS + 10)}"}
        if rng.random() < 0.8:
            customer["seats"] = rng.choice((rng.randrange(400), rng.random() * 300))
        if rng.random() < 0.5:
            customer["vip"] = rng.random() < 0.5
        if rng.random() < 0.9:
            customer["region"] = rng.choice(REGIONS)
        events.append(
            ConversationEvent(
                trigger=rng.choice(TRIGGERS),
                channel=rng.choice(("sms", "email")),
                at=at,
                customer=customer,
                message={"body": rng.choice(BODIES)},
            )
        )
    return events


# -- measuring ---------------------------------------------------------------------------


def measure(
    decide: Callable[[ConversationEvent], object], events: Sequence[ConversationEvent]
) -> tuple[float, float]:
    """(decisions per second, p99 latency in µs)."""
    for event in events[:200]:
        decide(event)  # warm up
    latencies = []
    clock = time.perf_counter_ns
    start = clock()
    for event in events:
        before = clock()
        decide(event)
        latencies.append(clock() - before)
    elapsed = (clock() - start) / 1e9
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] / 1000
    return len(events) / elapsed, p99


def speed_table(sizes: Sequence[int], samples: int) -> None:
    print("\n## Decisions per second and p99 latency (same events for every executor)")
    print("engine: Engine.decide(event), normalisation included; executor: the executor alone")
    print("on normalised attributes; ratio: how many times faster native is")
    print(
        f"{'workflows':>9}  {'executor':<9} {'engine/s':>10} {'p99 µs':>8} {'ratio':>7}"
        f"  {'executor/s':>10} {'p99 µs':>8} {'ratio':>7}"
    )
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            write_project(Path(tmp), size)
            workflows, workspace = load(Path(tmp))
        events = make_events(samples)
        results: dict[str, tuple[float, float, float, float]] = {}
        for name in EXECUTORS:
            with Engine(workflows, workspace, name) as engine:
                results[name] = (*measure(engine.decide, events), *_executor_only(engine, events))
        _check_agreement(workflows, workspace, events[:500])
        for name in EXECUTORS:
            print(_speed_row(size, name, results[name], results["native"]))


def _executor_only(engine: Engine, events: Sequence[ConversationEvent]) -> tuple[float, float]:
    executor = engine._executor  # the bench looks inside: the executor without the engine
    prepared = {id(event): engine.attributes(event) for event in events}

    def decide(event: ConversationEvent) -> object:
        return executor.decide(event.trigger, event.channel, prepared[id(event)])

    return measure(decide, events)


def _speed_row(size: int, name: str, figures: tuple[float, ...], native: tuple[float, ...]) -> str:
    rate, p99, alone, alone_p99 = figures
    ratio = f"{native[0] / rate:6.1f}x" if name != "native" else ""
    alone_ratio = f"{native[2] / alone:6.1f}x" if name != "native" else ""
    return (
        f"{size:>9}  {name:<9} {rate:>10,.0f} {p99:>8.1f} {ratio:>7}"
        f"  {alone:>10,.0f} {alone_p99:>8.1f} {alone_ratio:>7}"
    )


def _check_agreement(
    workflows: Sequence[Workflow], workspace: Workspace, events: Sequence[ConversationEvent]
) -> None:
    engines = [Engine(workflows, workspace, name) for name in EXECUTORS]
    try:
        for event in events:
            runs = [engine.decide(event) for engine in engines]
            if runs[0] != runs[1] or runs[0] != runs[2]:
                raise SystemExit(f"executors disagree on {event}: {runs}")
    finally:
        for engine in engines:
            engine.close()


def peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM: ru_maxrss would include the parent's, from fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def memory_child(executor: str, size: int, count: int) -> None:
    """Run in a child process: prints 'before after seconds'."""
    with tempfile.TemporaryDirectory() as tmp:
        write_project(Path(tmp), size)
        workflows, workspace = load(Path(tmp))
    events = make_events(1000)
    with Engine(workflows, workspace, executor) as engine:
        for event in events[:100]:
            engine.decide(event)
        before = peak_rss_kib()
        start = time.perf_counter()
        for n in range(count):
            engine.decide(events[n % 1000])
        elapsed = time.perf_counter() - start
        print(before, peak_rss_kib(), f"{elapsed:.1f}")


def memory_table(count: int) -> None:
    print(f"\n## Peak RSS before and after {count:,} events (each executor in a fresh process;")
    print("## 'before' is after loading, validating and compiling the workflows)")
    plan = (("native", 1000), ("reference", 100), ("durable", 10))
    for executor, size in plan:
        command = [sys.executable, __file__, "--memory-child", executor, str(size), str(count)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        before, after, seconds = output.split()
        print(
            f"  {executor:<9} {size:>5} workflows: {int(before) / 1024:7.1f} MiB before, "
            f"{int(after) / 1024:7.1f} MiB after ({seconds} s)"
        )
    print(
        "  (the reference interpreter uses the 100-workflow set and durable the 10-workflow "
        "set: 1,000,000 decisions at 1,000 workflows take too long with them)"
    )


def compile_figures(size: int) -> None:
    print(f"\n## Validate and compile {size:,} workflows (YAML files in a temporary directory)")
    with tempfile.TemporaryDirectory() as tmp:
        write_project(Path(tmp), size)
        start = time.perf_counter()
        workflows, workspace = load(Path(tmp))
        loaded = time.perf_counter()
    network = compile_network(workflows, workspace)
    compiled = time.perf_counter()
    print(f"  load + validate (load_project): {loaded - start:6.2f} s")
    tests = len(network.tests)
    print(f"  compile to the rule network:    {compiled - loaded:6.2f} s ({tests} distinct tests)")
    for executor in ("native", "durable"):
        start = time.perf_counter()
        Engine(workflows, workspace, executor).close()
        label = "with trial compilation" if executor == "durable" else ""
        print(f"  build the {executor} engine:      {time.perf_counter() - start:6.2f} s {label}")


def print_machine() -> None:
    facts = machine()
    print("# helpdesk-rules engine benchmark")
    print(f"platform: {facts.platform}")
    print(f"cpu: {facts.cpu or platform.processor() or 'unknown'}, {facts.cpus} logical CPUs")
    print(f"python: {facts.implementation} {facts.python}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000, help="events for the memory run")
    parser.add_argument("--samples", type=int, default=5_000, help="events per speed figure")
    parser.add_argument("--sizes", default="10,100,1000", help="workflow counts")
    parser.add_argument("--parts", default="speed,compile,memory", help="what to measure")
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        executor, size, count = args.memory_child
        memory_child(executor, int(size), int(count))
        return 0
    print_machine()
    sizes = [int(size) for size in args.sizes.split(",")]
    parts = args.parts.split(",")
    if "speed" in parts:
        speed_table(sizes, args.samples)
    if "compile" in parts:
        compile_figures(max(sizes))
    if "memory" in parts:
        memory_table(args.events)
    return 0


if __name__ == "__main__":
    sys.exit(main())
