"""Balanced assignment: events per second and p99 latency with 1, 2 and 4 worker
processes, on PostgreSQL and on SQLite, against the same help desk with the workload
step turned off, in the same run.

Run: `.venv/bin/python bench/bench_workload.py` (a few minutes).  The project: one
balanced team of eight members, each with a limit, and a workflow that assigns every
new conversation to it.  The events: each customer texts (a new conversation, assigned
under the team lock) and later has it closed (a slot frees, the team drains), so every
event takes the team lock and every team lock is the same one: the worst case for
several workers.  "without" runs the same help desk, the same workflow and the same
events with the workload step off (the team is only a name in `assignee`).  Each run
gets a fresh database (or SQLite file); each worker owns a share of the customers; the
figure is all events over the wall time of the run, the latency per event.  On a shared
machine the load changes from one run to the next: each pair runs `ROUNDS` times,
alternating which goes first, and the best run of each is kept.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import T0, Event, latency_summary, machine_line, timed
from bench.bench_postgres import load_pg_server
from helpdesk import HelpDesk, PostgresStore, SqliteStore
from rules_engine.engine import Engine
from rules_engine.workload import Workload

CUSTOMERS = 400
ROUNDS = 2
WORKERS = (1, 2, 4)
MEMBERS = tuple(f"agent{n}" for n in range(8))
WORKSPACE = f"""workspace: bench
channels: [sms]
sms_countries: [US]
teams:
  Support: {{members: [{", ".join(MEMBERS)}], assignment: balanced, limit: 40}}
teammates:
{"".join(f"  {m}: {{limit: 30}}{chr(10)}" for m in MEMBERS)}"""
WORKFLOW = """workflow: route
trigger: customer_sends_first_message
start: assign
steps:
  assign:
    assign: {team: Support}
"""


def project(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "workspace.yaml").write_text(WORKSPACE)
    (folder / "route.yaml").write_text(WORKFLOW)
    return folder


def events(customers: int) -> list[list[Event]]:
    """Per customer: a first message, then the close of its conversation."""
    out = []
    for n in range(customers):
        phone, at = f"+1415556{n:04d}", T0 + timedelta(minutes=n)
        text = {"type": "inbound_sms", "id": f"SM{n}", "at": at.isoformat(), "from": phone}
        close = {"type": "close_conversation", "id": f"c{n}", "customer": phone}
        later = (at + timedelta(minutes=30)).isoformat()
        out.append([{**text, "body": "hello"}, {**close, "at": later}])
    return out


def share(workers: int, worker: int) -> list[Event]:
    """Worker w's customers, their texts first and the closes interleaved a bit later."""
    mine = events(CUSTOMERS)[worker::workers]
    order: list[Event] = []
    for index, (text, _) in enumerate(mine):
        order.append(text)
        if index >= 10:
            order.append(mine[index - 10][1])
    order += [close for _, close in mine[-10:]]
    return order


def worker(
    folder: str, database: str, assign: bool, items: list[Event], barrier: Any, results: Any
) -> None:
    store = SqliteStore(database) if not database.startswith("postgresql") else None
    desk = HelpDesk(Engine.from_paths([folder]), store or PostgresStore(database))
    if not assign:
        desk.workload.config = Workload()  # the same transaction, no workload step
    barrier.wait()
    start = time.perf_counter()
    latencies = [timed(desk.handle, item) for item in items]
    results.put((start, time.perf_counter(), latencies))
    desk.close()


def run(folder: Path, database: str, assign: bool, workers: int) -> dict[str, float]:
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers), context.Queue()
    processes = [
        context.Process(
            target=worker,
            args=(str(folder), database, assign, share(workers, w), barrier, results),
        )
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    start, end = min(r[0] for r in reports), max(r[1] for r in reports)
    return latency_summary((x for r in reports for x in r[2]), end - start)


def main() -> None:
    server = load_pg_server().server(durable=True)
    names = iter(range(1, 1000))
    try:
        print(machine_line(f"PostgreSQL {server.version}", sqlite=True))
        print(
            f"workload: {CUSTOMERS} new conversations and {CUSTOMERS} closes per run, one "
            f"balanced team of {len(MEMBERS)}; PostgreSQL fsync on, SQLite synchronous=FULL"
        )
        print(f"{'workers':>7}  {'':<30}{'events/s':>9}{'p50 ms':>9}{'p99 ms':>9}  ratio")
        with tempfile.TemporaryDirectory() as tmp:
            folder = project(Path(tmp) / "project")
            for workers in WORKERS:
                for backend in ("PostgreSQL", "SQLite"):
                    figures: dict[bool, dict[str, float]] = {}
                    for round_ in range(ROUNDS):
                        for assign in (True, False) if round_ % 2 == 0 else (False, True):
                            if backend == "SQLite":
                                database = str(Path(tmp) / f"b{workers}{assign}{round_}.db")
                                SqliteStore(database).close()
                            else:
                                name = f"helpdesk_workload_{os.getpid()}_{next(names)}"
                                database = server.create_database(name)
                                PostgresStore(database).close()
                            found = run(folder, database, assign, workers)
                            best = figures.get(assign)
                            if best is None or found["per_second"] > best["per_second"]:
                                figures[assign] = found
                    ratio = figures[True]["per_second"] / figures[False]["per_second"]
                    for assign, f in sorted(figures.items(), reverse=True):
                        label = f"{backend:<11} {'balanced' if assign else 'without'}"
                        print(
                            f"{workers:>7}  {label:<30}{f['per_second']:9.0f}"
                            f"{f['p50_ms']:9.2f}{f['p99_ms']:9.2f}"
                            + (f"  {ratio:.2f}" if assign else "")
                        )
    finally:
        server.stop()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
