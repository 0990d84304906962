"""Inbound SMS per second, and p99 latency, with 1, 2 and 4 worker processes: our
`Inbox.receive` on PostgreSQL, the same on SQLite, and the bare advisory-locked
PostgreSQL transaction (psycopg, the same reads and writes, no code of ours) as the
ratio's base.

Run: `.venv/bin/python bench/bench_postgres.py` (about a minute).  Without
`DATABASE_URL` it starts a throwaway PostgreSQL server on loopback, durable like a real
one (fsync and synchronous_commit on), as SQLite runs with `synchronous=FULL`.  Each run
gets a fresh database (or SQLite file); each worker owns a share of the customers, so a
customer's messages stay in order; the workers start together and the figure is all
messages over the wall time of the run.  Latency is per message, as the worker saw it.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import psycopg

from helpdesk import Inbox, PostgresStore, SqliteStore
from helpdesk._postgres import customer_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import (
    SQL,
    Event,
    inbound_messages,
    latency_summary,
    machine_line,
    timed,
)

CUSTOMERS = 40
MESSAGES = 3000
WORKERS = (1, 2, 4)


def load_pg_server() -> ModuleType:
    """tests/pg_server.py, the server start/stop the test suite uses (loaded by path: the
    tests directory must not go on sys.path, where tests/channels would shadow channels)."""
    path = Path(__file__).resolve().parents[1] / "tests" / "pg_server.py"
    spec = importlib.util.spec_from_file_location("pg_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shares(items: list[Event], workers: int) -> list[list[Event]]:
    """Worker w gets every message of the customers i with i % workers == w."""
    assert CUSTOMERS % workers == 0
    return [items[w::workers] for w in range(workers)]


# what a worker runs ------------------------------------------------------------------------


def ours(store_of: Callable[[], Any]) -> Callable[[], tuple[Callable[[Event], object], Any]]:
    def setup() -> tuple[Callable[[Event], object], Any]:
        store = store_of()
        return Inbox(store).receive, store

    return setup


def bare(url: str) -> Callable[[], tuple[Callable[[Event], object], Any]]:
    def setup() -> tuple[Callable[[Event], object], Any]:
        conn = psycopg.connect(url, autocommit=True)
        return (lambda item: bare_receive(conn, item)), conn

    return setup


PG = SQL.psycopg()
NEW_CONVERSATION = PG.new_conversation + " RETURNING seq"


def bare_receive(conn: psycopg.Connection[Any], item: Event) -> None:
    """The reads and writes of one threading decision (rule 2 or 4), by hand."""
    phone, ident, body = str(item["from"]), str(item["id"]), str(item["body"])
    at = datetime.fromisoformat(str(item["at"]))
    conn.execute("BEGIN")
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (customer_key(phone),))
    if conn.execute(PG.find_message, (ident,)).fetchone():
        conn.execute("COMMIT")
        return
    conn.execute(PG.find_customer, (phone,)).fetchone()
    conn.execute(PG.upsert_customer, (phone, at))
    row = conn.execute(PG.open_conversation, (phone,)).fetchone()
    conn.execute(PG.last_closed, (phone,)).fetchone()
    conn.execute(PG.open_marker, (phone, at)).fetchone()
    if row is None:
        row = conn.execute(NEW_CONVERSATION, (phone, at)).fetchone()
    seq = row[0] if row else None
    conn.execute(PG.answer_markers, (ident, phone, at))
    conn.execute(PG.insert_message, (ident, phone, seq, body, at))
    conn.execute(PG.insert_decision, (ident, phone, at, "append", seq))
    conn.execute("COMMIT")


def worker(setup: Any, items: list[Event], barrier: Any, results: Any) -> None:
    call, resource = setup()
    barrier.wait()
    start = time.perf_counter()
    latencies = [timed(call, item) for item in items]
    results.put((start, time.perf_counter(), latencies))
    resource.close()


def run(setup: Any, workers: int) -> dict[str, float]:
    """All messages through `workers` processes started together; the figures."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers), context.Queue()
    processes = [
        context.Process(target=worker, args=(setup, share, barrier, results))
        for share in shares(inbound_messages(MESSAGES, CUSTOMERS), workers)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join()
    start = min(r[0] for r in reports)
    end = max(r[1] for r in reports)
    return latency_summary((latency for r in reports for latency in r[2]), end - start)


# the bench --------------------------------------------------------------------------------


def main() -> None:
    pg_server = load_pg_server()
    server = pg_server.server(durable=True)
    names = iter(range(1, 1000))
    try:
        print(machine_line(f"PostgreSQL {server.version}", sqlite=True))
        where = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "a throwaway server"
        print(
            f"workload: {MESSAGES} inbound SMS for {CUSTOMERS} customers per run; PostgreSQL "
            f"on {where} over loopback TCP (fsync on), SQLite WAL + synchronous=FULL"
        )

        def fresh_database() -> str:
            url: str = server.create_database(f"helpdesk_bench_{os.getpid()}_{next(names)}")
            PostgresStore(url).close()  # the schema
            return url

        print(f"{'workers':>7}  {'':<34}{'msg/s':>8}{'p50 ms':>10}{'p99 ms':>10}")
        ratios = []
        with tempfile.TemporaryDirectory() as tmp:
            for workers in WORKERS:
                url, base = fresh_database(), fresh_database()
                path = Path(tmp) / f"bench{workers}.db"
                SqliteStore(path).close()
                figures = {
                    "PostgreSQL  Inbox.receive": run(ours(partial(PostgresStore, url)), workers),
                    "PostgreSQL  bare locked transaction": run(bare(base), workers),
                    "SQLite      Inbox.receive": run(ours(partial(SqliteStore, path)), workers),
                }
                for name, f in figures.items():
                    print(
                        f"{workers:>7}  {name:<34}{f['per_second']:8.0f}{f['p50_ms']:10.2f}"
                        f"{f['p99_ms']:10.2f}"
                    )
                ours_pg = figures["PostgreSQL  Inbox.receive"]["per_second"]
                ratios.append(
                    ours_pg / figures["PostgreSQL  bare locked transaction"]["per_second"]
                )
        print(
            "ratio, ours / bare on PostgreSQL (throughput): "
            + ", ".join(
                f"{w} worker{'s' if w > 1 else ''} {r:.2f}"
                for w, r in zip(WORKERS, ratios, strict=True)
            )
        )
    finally:
        server.stop()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
