"""What the benchmarks share: the machine they ran on, latency figures and their rows,
the timing loop, the threading workload and the bare SQLite transaction.

Each `bench/bench_*.py` runs as a script; it puts the repository root on `sys.path` and
imports this module as `bench._common`.

Only modules `bench_engine.py` loads anyway are imported at the top: its memory figures
are the peak RSS of a process that imports this module, so `sqlite3`, `statistics` and
`channels` are imported by the functions that use them.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
Event = dict[str, object]


# -- the machine --------------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    platform: str
    cpu: str | None  # the model name in /proc/cpuinfo, when there is one
    cpus: int | None
    implementation: str  # CPython, PyPy, ...
    python: str  # its version
    memory_gib: float | None  # MemTotal in /proc/meminfo


def machine() -> Machine:
    """The machine and the Python the benchmark runs on."""
    return Machine(
        platform=platform.platform(),
        cpu=_cpu_model(),
        cpus=os.cpu_count(),
        implementation=platform.python_implementation(),
        python=platform.python_version(),
        memory_gib=_memory_gib(),
    )


def machine_line(*versions: str, sqlite: bool = False) -> str:
    """`machine: <platform>, <n> CPUs, Python <version>`, then `versions` (say
    `PostgreSQL 16.2`) and, with `sqlite`, the SQLite library's version."""
    facts = machine()
    parts = [f"machine: {facts.platform}", f"{facts.cpus} CPUs", f"Python {facts.python}"]
    parts += versions
    if sqlite:
        import sqlite3

        parts.append(f"SQLite {sqlite3.sqlite_version}")
    return ", ".join(parts)


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _memory_gib() -> float | None:
    try:
        total = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
        return int(total) / 1024 / 1024
    except (OSError, IndexError, ValueError):
        return None


# -- timing and latency figures -----------------------------------------------------------


def timed(call: Callable[[Event], object], item: Event) -> float:
    """Seconds of wall-clock time for `call(item)`."""
    start = time.perf_counter()
    call(item)
    return time.perf_counter() - start


class Timings:
    """Wall-clock latency per message, and CPU time in total."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.cpu = 0.0

    def run(self, call: Callable[[Event], object], item: Event) -> None:
        cpu = time.process_time()
        self.latencies.append(timed(call, item))
        self.cpu += time.process_time() - cpu


def interleaved(
    items: Iterable[Event], ours: Callable[[Event], object], bare: Callable[[Event], object]
) -> tuple[Timings, Timings]:
    """Every item through `ours` and through `bare`, alternating which goes first, so
    both see the same disk (fsync dominates and varies over time)."""
    ours_t, bare_t = Timings(), Timings()
    for index, item in enumerate(items):
        pair = [(ours_t, ours), (bare_t, bare)]
        for timings, call in pair if index % 2 else reversed(pair):
            timings.run(call, item)
    return ours_t, bare_t


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The value of rank `int(n * fraction)` (counting from 1, at least 1) in `ordered`."""
    return ordered[max(0, int(len(ordered) * fraction) - 1)]


def latency_summary(latencies: Iterable[float], wall: float | None = None) -> dict[str, float]:
    """Messages per second over `wall` seconds (by default the sum of the latencies: one
    message at a time), and the median and 99th percentile latency in milliseconds."""
    import statistics

    ordered = sorted(latencies)
    return {
        "per_second": len(ordered) / (sum(ordered) if wall is None else wall),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
    }


def rate_row(name: str, figures: Mapping[str, float], *, name_width: int, ms_width: int) -> str:
    """`<name>: <n> msg/s   p50 <ms> ms   p99 <ms> ms`, from `latency_summary`."""
    return (
        f"{name:>{name_width}}: {figures['per_second']:7.0f} msg/s   "
        f"p50 {figures['p50_ms']:{ms_width}.3f} ms   p99 {figures['p99_ms']:{ms_width}.3f} ms"
    )


# -- the threading workload and the bare transaction --------------------------------------


def phone(index: int) -> str:
    return f"+1415555{1000 + index:04d}"


def inbound_messages(count: int, customers: int) -> list[Event]:
    """Message i from customer i % customers, a minute after message i - 1."""
    numbers = [phone(i) for i in range(customers)]
    return [
        {
            "id": f"SM{i}",
            "at": (T0 + timedelta(minutes=i)).isoformat(),
            "from": numbers[i % customers],
            "body": f"Hello, this is message {i}",
        }
        for i in range(count)
    ]


@dataclass(frozen=True)
class Statements:
    """The statements of one threading decision, as the bare baselines run them by hand
    with no code of ours: qmark placeholders, for sqlite3 (`psycopg()` for psycopg)."""

    find_message: str = "SELECT 1 FROM messages WHERE provider_id = ?"
    find_customer: str = "SELECT * FROM customers WHERE id = ?"
    upsert_customer: str = (
        "INSERT INTO customers (id, last_event_at) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET last_event_at = excluded.last_event_at"
    )
    open_conversation: str = (
        "SELECT seq FROM conversations WHERE customer = ? AND channel = 'sms' AND status = 'open'"
    )
    last_closed: str = (
        "SELECT * FROM conversations WHERE customer = ? AND status = 'closed'"
        " ORDER BY closed_at DESC LIMIT 1"
    )
    open_marker: str = (
        "SELECT * FROM outbound_markers WHERE customer = ? AND answered_by IS NULL"
        " AND sent_at <= ? ORDER BY sent_at DESC LIMIT 1"
    )
    new_conversation: str = (
        "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
        " VALUES (?, 'sms', 'open', 'customer', ?)"
    )
    answer_markers: str = (
        "UPDATE outbound_markers SET answered_by = ? WHERE customer = ? AND answered_by IS NULL"
        " AND sent_at <= ?"
    )
    insert_message: str = (
        "INSERT INTO messages (provider_id, customer, conversation_seq, direction, body,"
        " segments, at) VALUES (?, ?, ?, 'inbound', ?, 1, ?)"
    )
    insert_decision: str = (
        "INSERT INTO decision_log (event_id, customer, at, decision, rule, reason,"
        " conversation_seq) VALUES (?, ?, ?, ?, 'open_conversation', '', ?)"
    )

    def psycopg(self) -> Statements:
        """The same with psycopg's `%s` placeholders."""
        return Statements(
            **{field.name: getattr(self, field.name).replace("?", "%s") for field in fields(self)}
        )


SQL = Statements()


def bare_connection(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection to a new store's schema, with the store's pragmas."""
    import sqlite3

    from helpdesk import SqliteStore

    SqliteStore(path).close()  # the same schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def bare_begin(conn: sqlite3.Connection, ident: object, phone: object, at: str) -> bool:
    """Open the transaction, then read and upsert the customer; False (and committed) when
    the message is stored already."""
    conn.execute("BEGIN IMMEDIATE")
    if conn.execute(SQL.find_message, (ident,)).fetchone():
        conn.execute("COMMIT")
        return False
    conn.execute(SQL.find_customer, (phone,)).fetchone()
    conn.execute(SQL.upsert_customer, (phone, at))
    return True


def bare_record(
    conn: sqlite3.Connection,
    ident: object,
    phone: object,
    seq: object,
    body: object,
    at: str,
    decision: str,
) -> None:
    """Store the inbound message and the threading decision for it."""
    conn.execute(SQL.insert_message, (ident, phone, seq, body, at))
    conn.execute(SQL.insert_decision, (ident, phone, at, decision, seq))
