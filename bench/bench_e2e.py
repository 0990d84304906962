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
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from helpdesk import SqliteStore
from helpdesk._desk import HelpDesk
from rules_engine.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import (
    ROOT,
    SQL,
    T0,
    bare_begin,
    bare_connection,
    bare_record,
    interleaved,
    latency_summary,
    machine_line,
    phone,
    rate_row,
)

WORKFLOWS = ROOT / "workflows"
EXECUTABLE = Path(sys.executable).parent / "helpdesk-rules"
MESSAGES = 2000
CUSTOMERS = 200
CONCURRENCY = (1, 4)
TOKEN = "bench-token-0123456789abcdef0123"
BODIES = (
    "Hi, my app keeps crashing",
    "I would like a refund for last month",
    "order #1234567 has not arrived",
    "thanks!",
    "Can someone call me back?",
)


# the workload -------------------------------------------------------------------------


def events() -> list[dict[str, object]]:
    """First messages for every customer, then follow-ups in their open conversations."""
    return [
        {
            "type": "inbound_sms",
            "id": f"SM{i:06d}",
            "at": (T0 + timedelta(seconds=i)).isoformat(),
            "from": phone(i % CUSTOMERS),
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

    def line(self) -> str:
        figures = latency_summary(self.latencies, self.wall)
        return rate_row(self.name, figures, name_width=34, ms_width=7)


# in process: HelpDesk.handle and the bare transaction -----------------------------------


def in_process(tmp: Path, items: list[dict[str, object]]) -> tuple[Figures, Figures]:
    conn = bare_connection(tmp / "bare.db")
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), SqliteStore(tmp / "desk.db"))
    with desk:
        ours, bare = interleaved(items, desk.handle, lambda event: bare_receive(conn, event))
    conn.close()
    return (
        Figures("HelpDesk.handle (simulate)", ours.latencies, sum(ours.latencies)),
        Figures("bare sqlite3 transaction", bare.latencies, sum(bare.latencies)),
    )


def bare_receive(conn: sqlite3.Connection, item: Mapping[str, object]) -> None:
    """One inbound SMS by hand: the threading reads, then what the workflows write."""
    phone_, ident, at, body = item["from"], item["id"], str(item["at"]), item["body"]
    if not bare_begin(conn, ident, phone_, at):
        return
    conn.execute(SQL.open_marker, (phone_, at)).fetchone()
    row = conn.execute(SQL.open_conversation, (phone_,)).fetchone()
    seq = row[0] if row else new_conversation(conn, str(phone_), at)
    bare_record(conn, ident, phone_, seq, body, at, "append" if row else "new")
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
    conn.execute(SQL.last_closed, (customer,)).fetchone()
    cursor = conn.execute(SQL.new_conversation, (customer, at))
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
    print(machine_line(sqlite=True))
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
