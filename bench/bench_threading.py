"""Inbound SMS threaded and stored per second on SQLite, against the bare transaction.

Run: `.venv/bin/python bench/bench_threading.py`.  Each inbound SMS is one call to
`Inbox.receive` (validation, phone parsing, content rules, the threading rules in
one `BEGIN IMMEDIATE` transaction, the decision log).  The baseline does the same
reads and writes with plain `sqlite3` and no code of ours, on the same schema and
pragmas (WAL, synchronous=FULL).  Latencies are per message; the ratio is ours / bare.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import tempfile
from pathlib import Path

from helpdesk import Inbox, SqliteStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import (
    SQL,
    Event,
    Timings,
    bare_begin,
    bare_connection,
    bare_record,
    inbound_messages,
    interleaved,
    latency_summary,
    machine_line,
    rate_row,
)

CUSTOMERS = 50
MESSAGES = 1500


def measure(tmp: Path, items: list[Event]) -> tuple[Timings, Timings]:
    """Ours and the bare transaction, message by message, alternating which goes first."""
    conn = bare_connection(tmp / "bare.db")
    with SqliteStore(tmp / "channel.db") as store:
        channel = Inbox(store)
        timings = interleaved(items, channel.receive, lambda item: bare_receive(conn, item))
    conn.close()
    return timings


def bare_receive(conn: sqlite3.Connection, item: Event) -> None:
    """The reads and writes of one threading decision (rule 2 or 4), by hand."""
    phone, ident, at, body = item["from"], item["id"], str(item["at"]), item["body"]
    if not bare_begin(conn, ident, phone, at):
        return
    row = conn.execute(SQL.open_conversation, (phone,)).fetchone()
    conn.execute(SQL.last_closed, (phone,)).fetchone()
    conn.execute(SQL.open_marker, (phone, at)).fetchone()
    seq = conn.execute(SQL.new_conversation, (phone, at)).lastrowid if row is None else row[0]
    conn.execute(SQL.answer_markers, (ident, phone, at))
    bare_record(conn, ident, phone, seq, body, at, "append")
    conn.execute("COMMIT")


def summary(timings: Timings) -> dict[str, float]:
    return {
        **latency_summary(timings.latencies),
        "cpu_ms": timings.cpu / len(timings.latencies) * 1000,
    }


def main() -> None:
    print(machine_line(sqlite=True))
    print(
        f"workload: {MESSAGES} inbound SMS for {CUSTOMERS} customers, one at a time, "
        "WAL + synchronous=FULL, ours and bare interleaved message by message"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ours_t, bare_t = measure(Path(tmp), inbound_messages(MESSAGES, CUSTOMERS))
    ours, bare = summary(ours_t), summary(bare_t)
    for name, figures in (("Inbox.receive", ours), ("bare sqlite3", bare)):
        row = rate_row(name, figures, name_width=20, ms_width=6)
        print(f"{row}   CPU {figures['cpu_ms']:.3f} ms/msg")
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
