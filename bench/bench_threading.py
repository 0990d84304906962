"""Inbound SMS threaded and stored per second on SQLite, against the bare transaction.

Run: `.venv/bin/python bench/bench_threading.py`.  Each inbound SMS is one call to
`SmsChannel.receive` (validation, phone parsing, content rules, the threading rules in
one `BEGIN IMMEDIATE` transaction, the decision log).  The baseline does the same
reads and writes with plain `sqlite3` and no code of ours, on the same schema and
pragmas (WAL, synchronous=FULL).  Latencies are per message; the ratio is ours / bare.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from channels import SmsChannel, SqliteStore

CUSTOMERS = 50
MESSAGES = 1500
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def phones() -> list[str]:
    return [f"+1415555{1000 + i:04d}" for i in range(CUSTOMERS)]


def events() -> list[dict[str, object]]:
    numbers = phones()
    return [
        {
            "id": f"SM{i}",
            "at": (T0 + timedelta(minutes=i)).isoformat(),
            "from": numbers[i % CUSTOMERS],
            "body": f"Hello, this is message {i}",
        }
        for i in range(MESSAGES)
    ]


class Timings:
    """Wall-clock latency per message, and CPU time in total."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.cpu = 0.0

    def run(self, call: Callable[[dict[str, object]], object], item: dict[str, object]) -> None:
        cpu, start = time.process_time(), time.perf_counter()
        call(item)
        self.latencies.append(time.perf_counter() - start)
        self.cpu += time.process_time() - cpu


def bare_connection(path: Path) -> sqlite3.Connection:
    SqliteStore(path).close()  # the same schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def interleaved(tmp: Path, items: list[dict[str, object]]) -> tuple[Timings, Timings]:
    """Ours and the bare transaction, message by message, alternating which goes first,
    so both see the same disk (fsync dominates and varies over time)."""
    ours, bare = Timings(), Timings()
    conn = bare_connection(tmp / "bare.db")
    with SqliteStore(tmp / "channel.db") as store:
        channel = SmsChannel(store)
        for index, item in enumerate(items):
            pair = [(ours, channel.receive), (bare, lambda i: bare_receive(conn, i))]
            for timings, call in pair if index % 2 else reversed(pair):
                timings.run(call, item)
    conn.close()
    return ours, bare


def bare_receive(conn: sqlite3.Connection, item: dict[str, object]) -> None:
    """The reads and writes of one threading decision (rule 2 or 4), by hand."""
    phone, ident, at, body = item["from"], item["id"], str(item["at"]), item["body"]
    conn.execute("BEGIN IMMEDIATE")
    if conn.execute("SELECT 1 FROM messages WHERE provider_id = ?", (ident,)).fetchone():
        conn.execute("COMMIT")
        return
    conn.execute("SELECT * FROM customers WHERE phone = ?", (phone,)).fetchone()
    conn.execute(
        "INSERT INTO customers (phone, country, last_event_at) VALUES (?, 'US', ?)"
        " ON CONFLICT (phone) DO UPDATE SET last_event_at = excluded.last_event_at",
        (phone, at),
    )
    row = conn.execute(
        "SELECT seq FROM conversations WHERE customer = ? AND channel = 'sms' AND status = 'open'",
        (phone,),
    ).fetchone()
    conn.execute(
        "SELECT * FROM conversations WHERE customer = ? AND status = 'closed'"
        " ORDER BY closed_at DESC LIMIT 1",
        (phone,),
    ).fetchone()
    conn.execute(
        "SELECT * FROM outbound_markers WHERE customer = ? AND answered_by IS NULL"
        " AND sent_at <= ? ORDER BY sent_at DESC LIMIT 1",
        (phone, at),
    ).fetchone()
    if row is None:
        seq = conn.execute(
            "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
            " VALUES (?, 'sms', 'open', 'customer', ?)",
            (phone, at),
        ).lastrowid
    else:
        seq = row[0]
    conn.execute(
        "UPDATE outbound_markers SET answered_by = ? WHERE customer = ? AND answered_by IS NULL"
        " AND sent_at <= ?",
        (ident, phone, at),
    )
    conn.execute(
        "INSERT INTO messages (provider_id, customer, conversation_seq, direction, body,"
        " segments, at) VALUES (?, ?, ?, 'inbound', ?, 1, ?)",
        (ident, phone, seq, body, at),
    )
    conn.execute(
        "INSERT INTO decision_log (event_id, customer, at, decision, rule, reason,"
        " conversation_seq) VALUES (?, ?, ?, 'append', 'open_conversation', '', ?)",
        (ident, phone, at, seq),
    )
    conn.execute("COMMIT")


def summary(timings: Timings) -> dict[str, float]:
    ordered = sorted(timings.latencies)
    return {
        "per_second": len(ordered) / sum(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "cpu_ms": timings.cpu / len(ordered) * 1000,
    }


def main() -> None:
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"workload: {MESSAGES} inbound SMS for {CUSTOMERS} customers, one at a time, "
        "WAL + synchronous=FULL, ours and bare interleaved message by message"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ours_t, bare_t = interleaved(Path(tmp), events())
    ours, bare = summary(ours_t), summary(bare_t)
    for name, figures in (("SmsChannel.receive", ours), ("bare sqlite3", bare)):
        print(
            f"{name:>20}: {figures['per_second']:7.0f} msg/s   p50 {figures['p50_ms']:6.3f} ms"
            f"   p99 {figures['p99_ms']:6.3f} ms   CPU {figures['cpu_ms']:.3f} ms/msg"
        )
    ratio = ours["per_second"] / bare["per_second"]
    cpu_ratio = ours["cpu_ms"] / bare["cpu_ms"]
    print(
        f"ratio: ours / bare throughput = {ratio:.2f} "
        f"(CPU per message: ours / bare = {cpu_ratio:.1f}x)"
    )
    if "--json" in sys.argv:
        print(json.dumps({"ours": ours, "bare": bare, "ratio": ratio, "cpu_ratio": cpu_ratio}))


if __name__ == "__main__":
    main()
