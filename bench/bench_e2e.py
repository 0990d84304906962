"""End to end on SQLite: inbound SMS per second through the help desk and through the
webhook service, beside the bare store transaction, in the same run.

Run: `.venv/bin/python bench/bench_e2e.py`.  The example workflows in `workflows/`; a
fresh SQLite file per measurement, WAL + synchronous=FULL.

- `HelpDesk.handle`: what `simulate` does per event (validation, the threading
  decision, the workflows, their actions and the decision log, in one transaction).
- bare sqlite3: the same kind of reads and writes by hand (the threading reads, the
  customer, conversation, message, decision and workflow-run writes), no code of ours.
  Run interleaved with `HelpDesk.handle`, message by message, so both see the same disk.
- the webhook service: `helpdesk-rules serve` in its own process, on a loopback port;
  an httpx client posts signed Twilio form bodies, a few at a time, and times each
  answer (which comes after the commit).
"""

from __future__ import annotations

import asyncio
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from channels import SqliteStore
from channels._desk import HelpDesk
from rules_engine.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows"
EXECUTABLE = Path(sys.executable).parent / "helpdesk-rules"
MESSAGES = 2000
CUSTOMERS = 200
CONCURRENCY = (1, 4)
TOKEN = "bench-token-0123456789abcdef0123"
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
BODIES = (
    "Hi, my app keeps crashing",
    "I would like a refund for last month",
    "order #1234567 has not arrived",
    "thanks!",
    "Can someone call me back?",
)


# the workload -------------------------------------------------------------------------


def phone(index: int) -> str:
    return f"+1415555{1000 + index % CUSTOMERS:04d}"


def events() -> list[dict[str, object]]:
    """First messages for every customer, then follow-ups in their open conversations."""
    return [
        {
            "type": "inbound_sms",
            "id": f"SM{i:06d}",
            "at": (T0 + timedelta(seconds=i)).isoformat(),
            "from": phone(i),
            "to": "+14155550100",
            "body": BODIES[i % len(BODIES)],
            "media": [],
        }
        for i in range(MESSAGES)
    ]


@dataclass
class Figures:
    name: str
    latencies: list[float]
    wall: float  # seconds for the whole run (concurrent runs overlap latencies)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * fraction) - 1)] * 1000

    def line(self) -> str:
        return (
            f"{self.name:>34}: {self.per_second:7.0f} msg/s   "
            f"p50 {statistics.median(self.latencies) * 1000:7.3f} ms   "
            f"p99 {self.percentile(0.99):7.3f} ms"
        )


# in process: HelpDesk.handle and the bare transaction -----------------------------------


def in_process(tmp: Path, items: list[dict[str, object]]) -> tuple[Figures, Figures]:
    ours: list[float] = []
    bare: list[float] = []
    conn = bare_connection(tmp / "bare.db")
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), SqliteStore(tmp / "desk.db"))
    with desk:
        for index, item in enumerate(items):
            pair: list[tuple[list[float], Callable[[dict[str, object]], object]]] = [
                (ours, desk.handle),
                (bare, lambda event: bare_receive(conn, event)),
            ]
            for timings, call in pair if index % 2 else reversed(pair):
                start = time.perf_counter()
                call(item)
                timings.append(time.perf_counter() - start)
    conn.close()
    return (
        Figures("HelpDesk.handle (simulate)", ours, sum(ours)),
        Figures("bare sqlite3 transaction", bare, sum(bare)),
    )


def bare_connection(path: Path) -> sqlite3.Connection:
    SqliteStore(path).close()  # the same schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def bare_receive(conn: sqlite3.Connection, item: Mapping[str, object]) -> None:
    """One inbound SMS by hand: the threading reads, then what the workflows write."""
    phone_, ident, at, body = item["from"], item["id"], str(item["at"]), item["body"]
    conn.execute("BEGIN IMMEDIATE")
    if conn.execute("SELECT 1 FROM messages WHERE provider_id = ?", (ident,)).fetchone():
        conn.execute("COMMIT")
        return
    conn.execute("SELECT * FROM customers WHERE phone = ?", (phone_,)).fetchone()
    conn.execute(
        "INSERT INTO customers (phone, country, last_event_at) VALUES (?, 'US', ?)"
        " ON CONFLICT (phone) DO UPDATE SET last_event_at = excluded.last_event_at",
        (phone_, at),
    )
    conn.execute(
        "SELECT * FROM outbound_markers WHERE customer = ? AND answered_by IS NULL"
        " AND sent_at <= ? ORDER BY sent_at DESC LIMIT 1",
        (phone_, at),
    ).fetchone()
    row = conn.execute(
        "SELECT seq FROM conversations WHERE customer = ? AND channel = 'sms' AND status = 'open'",
        (phone_,),
    ).fetchone()
    seq = row[0] if row else new_conversation(conn, str(phone_), at)
    conn.execute(
        "INSERT INTO messages (provider_id, customer, conversation_seq, direction, body,"
        " segments, at) VALUES (?, ?, ?, 'inbound', ?, 1, ?)",
        (ident, phone_, seq, body, at),
    )
    conn.execute(
        "INSERT INTO decision_log (event_id, customer, at, decision, rule, reason,"
        " conversation_seq) VALUES (?, ?, ?, ?, ?, '', ?)",
        (ident, phone_, at, "append" if row else "new", "open_conversation", seq),
    )
    conn.execute("SELECT * FROM conversations WHERE seq = ?", (seq,)).fetchone()
    conn.execute(
        "UPDATE conversations SET assignee = ?, tags = ? WHERE seq = ?",
        ("Mobile Support", '["sms"]', seq),
    )
    conn.execute(
        "INSERT INTO workflow_runs (event_id, conversation_seq, at, trigger, workflow, run)"
        " VALUES (?, ?, ?, 'customer_sends_any_message', 'message-triage', '{}')",
        (ident, seq, at),
    )
    conn.execute("COMMIT")


def new_conversation(conn: sqlite3.Connection, customer: str, at: str) -> int:
    conn.execute(
        "SELECT * FROM conversations WHERE customer = ? AND status = 'closed'"
        " ORDER BY closed_at DESC LIMIT 1",
        (customer,),
    ).fetchone()
    cursor = conn.execute(
        "INSERT INTO conversations (customer, channel, status, started_by, opened_at)"
        " VALUES (?, 'sms', 'open', 'customer', ?)",
        (customer, at),
    )
    return int(cursor.lastrowid or 0)


# the webhook service ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(database: Path, port: int) -> subprocess.Popen[bytes]:
    command = [str(EXECUTABLE), "serve", "--port", str(port), "--database", str(database)]
    command += ["--workflows", str(WORKFLOWS)]
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN}
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    with httpx.Client(base_url=base, trust_env=False) as client:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError("the webhook service did not start")


def signed_requests(base: str, prefix: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(form fields, headers) for every message, signed before the clock starts."""
    validator = RequestValidator(TOKEN)
    url = f"{base}/twilio/sms"
    requests = []
    for item in events():
        fields = {
            "MessageSid": f"{prefix}{item['id']}",
            "AccountSid": "AC" + "0" * 32,
            "From": str(item["from"]),
            "To": str(item["to"]),
            "Body": str(item["body"]),
            "NumMedia": "0",
        }
        headers = {"X-Twilio-Signature": validator.compute_signature(url, fields)}
        requests.append((fields, headers))
    return requests


async def load(
    base: str, requests: list[tuple[dict[str, str], dict[str, str]]], concurrency: int
) -> tuple[list[float], float]:
    """Post every request, `concurrency` at a time; each latency, and the wall time."""
    latencies: list[float] = []
    pending = iter(requests)
    limits = httpx.Limits(max_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        for fields, headers in pending:
            start = time.perf_counter()
            response = await client.post("/twilio/sms", data=fields, headers=headers)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"the service answered {response.status_code}")

    async with httpx.AsyncClient(base_url=base, trust_env=False, limits=limits) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return latencies, time.perf_counter() - start


def through_webhook(tmp: Path) -> list[Figures]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(tmp / "webhook.db", port)
    figures = []
    try:
        wait_healthy(base, process)
        for concurrency in CONCURRENCY:
            requests = signed_requests(base, f"C{concurrency}")
            latencies, wall = asyncio.run(load(base, requests, concurrency))
            figures.append(Figures(f"webhook service, {concurrency} at a time", latencies, wall))
    finally:
        process.terminate()
        process.wait(timeout=30)
    return figures


# the report ---------------------------------------------------------------------------


def main() -> None:
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"workload: {MESSAGES} inbound SMS from {CUSTOMERS} customers, example workflows, "
        "SQLite WAL + synchronous=FULL; the service in its own process on loopback"
    )
    with tempfile.TemporaryDirectory() as tmp:
        desk, bare = in_process(Path(tmp), events())
        webhook = through_webhook(Path(tmp))
    for figures in (bare, desk, *webhook):
        print(figures.line())
    print(f"ratio: HelpDesk.handle / bare throughput = {desk.per_second / bare.per_second:.2f}")
    for figures in webhook:
        print(
            f"ratio: {figures.name} / bare throughput = "
            f"{figures.per_second / bare.per_second:.2f}, "
            f"/ HelpDesk.handle = {figures.per_second / desk.per_second:.2f}"
        )


if __name__ == "__main__":
    main()
