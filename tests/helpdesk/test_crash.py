"""The service killed with SIGKILL at random moments under load, and restarted.

Clients deliver signed inbound SMS concurrently and retry like the provider (until a
200; now and then once more after one); a killer sends SIGKILL to the whole service
(supervisor and workers) at random moments and starts it again.  At the end:

- every acknowledged message is stored exactly once (and nothing unacknowledged is
  stored twice: the provider's id is unique);
- every customer's messages are in one conversation (none misthreaded: no outbound
  messages or closes are sent, so each customer has exactly one conversation);
- at most one open conversation per customer;
- no reply is left `queued` or `sending` (stranded) once the outbox has had a lease to
  recover, every stored reply reached the provider, and no customer was texted twice:
  the provider saw one key per reply (a key seen again is a retry the provider's
  idempotency absorbs, counted and reported).

SQLite with one worker, PostgreSQL with two.  Each run is bounded (about 30 s).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from test_webhook import TOKEN, WORKFLOWS, free_port, sign, sms

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CUSTOMERS = 12
ROUNDS = 200  # at most; clients stop starting new messages after LOAD_SECONDS
CLIENTS = 4
LOAD_SECONDS = 18.0
LEASE = 2.0


@dataclass
class Ledger:
    acknowledged: set[str] = field(default_factory=set)
    started: int = 0
    attempts: int = 0
    kills: int = 0
    stranded_at_kill: int = 0
    end: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Service:
    """The service in its own process group, so a kill takes the workers too."""

    def __init__(self, database: str, workers: int, tmp: Path) -> None:
        self.port = free_port()
        self.workers = workers
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "TWILIO_AUTH_TOKEN": TOKEN,
            "HELPDESK_RULES_WORKFLOWS": str(WORKFLOWS),
            "HELPDESK_RULES_DATABASE": database,
            "CRASH_LEDGER": str(tmp / "provider.ledger"),
            "CRASH_LEASE": str(LEASE),
            "CRASH_OUTBOX_INTERVAL": "0.5",
        }
        self.log = (tmp / "service.log").open("a")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        code = (
            "import uvicorn; uvicorn.run('crash_app:app', factory=True, host='127.0.0.1', "
            f"port={self.port}, workers={self.workers}, log_level='warning', ws='none', "
            "http='helpdesk._http:GuardedH11Protocol', timeout_graceful_shutdown=2)"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            env=self.env,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def healthy(self, deadline: float) -> bool:
        with httpx.Client(base_url=f"http://127.0.0.1:{self.port}", trust_env=False) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get("/health", timeout=2).status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        return False


def _customer(n: int) -> str:
    return f"+1415555{2000 + n:04d}"


def _deliver(client: httpx.Client, url: str, fields: dict[str, str], ledger: Ledger) -> None:
    """Post until a 200, like the provider; now and then once more after it."""
    signature = sign(url, fields)
    delay = 0.05
    while True:
        with ledger.lock:
            ledger.attempts += 1
        try:
            response = client.post(
                "/twilio/sms", data=fields, headers={"X-Twilio-Signature": signature}, timeout=5
            )
            if response.status_code == 200:
                break
        except httpx.TransportError:
            pass
        time.sleep(delay * random.uniform(0.5, 1.5))
        delay = min(delay * 2, 0.5)
    with ledger.lock:
        ledger.acknowledged.add(fields["MessageSid"])
    if random.random() < 0.1:
        with ledger.lock:
            ledger.attempts += 1
        with contextlib.suppress(httpx.TransportError):  # must be a duplicate
            client.post(
                "/twilio/sms", data=fields, headers={"X-Twilio-Signature": signature}, timeout=5
            )


def _client(service: Service, customers: list[int], ledger: Ledger) -> None:
    base = f"http://127.0.0.1:{service.port}"
    with httpx.Client(base_url=base, trust_env=False) as client:
        for round_ in range(ROUNDS):
            if time.monotonic() > ledger.end:
                return
            for n in customers:
                with ledger.lock:
                    ledger.started += 1
                body = "HELP" if random.random() < 0.4 else f"question {round_} about my order"
                fields = sms(f"SMcrash{n}x{round_}", _customer(n), body)
                _deliver(client, base + "/twilio/sms", fields, ledger)


def _killer(service: Service, ledger: Ledger, done: threading.Event) -> None:
    while time.monotonic() < ledger.end and not done.is_set():
        time.sleep(random.uniform(0.3, 2.0))
        service.kill()
        ledger.kills += 1
        ledger.stranded_at_kill += _unsent(service.env["HELPDESK_RULES_DATABASE"])
        time.sleep(random.uniform(0.0, 0.3))
        service.start()
        service.healthy(time.monotonic() + 20)


Rows = list[tuple[object, ...]]


def _unsent(database: str) -> int:
    sql = "SELECT count(*) FROM messages WHERE status IN ('queued', 'sending')"
    return int(str(_rows(database, sql)[0][0]))


def _rows(database: str, sql: str) -> Rows:
    if database.startswith("postgresql://"):
        with psycopg.connect(database) as conn:
            return list(conn.execute(sql).fetchall())
    with sqlite3.connect(database) as conn:
        return list(conn.execute(sql).fetchall())


def run_crash_test(database: str, workers: int, tmp: Path) -> dict[str, int]:
    random.seed(20261202 + workers)
    service = Service(database, workers, tmp)
    ledger = Ledger()
    ledger.end = time.monotonic() + LOAD_SECONDS
    service.start()
    try:
        assert service.healthy(time.monotonic() + 30), (tmp / "service.log").read_text()
        done = threading.Event()
        killer = threading.Thread(target=_killer, args=(service, ledger, done))
        killer.start()
        groups = [list(range(CUSTOMERS))[i::CLIENTS] for i in range(CLIENTS)]
        clients = [threading.Thread(target=_client, args=(service, g, ledger)) for g in groups]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(120)
        done.set()
        killer.join(60)
        assert service.healthy(time.monotonic() + 30)
        time.sleep(LEASE + 2.0)  # a lease and a few sweeps for the outbox to recover
    finally:
        service.stop()
    return _verify(database, ledger, tmp)


def _verify(database: str, ledger: Ledger, tmp: Path) -> dict[str, int]:
    inbound = _rows(
        database,
        "SELECT m.provider_id, m.customer, c.seq FROM messages m "
        "JOIN conversations c ON c.seq = m.conversation_seq WHERE m.direction = 'inbound'",
    )
    stored = Counter(str(row[0]) for row in inbound)
    conversations_of: dict[str, set[object]] = {}
    misthreaded = 0
    for sid, customer, seq in inbound:
        n = int(str(sid).removeprefix("SMcrash").split("x")[0])
        misthreaded += customer != _customer(n)
        conversations_of.setdefault(str(customer), set()).add(seq)
    misthreaded += sum(len(seqs) - 1 for seqs in conversations_of.values())
    open_per_customer = Counter(
        str(row[0])
        for row in _rows(database, "SELECT customer FROM conversations WHERE status = 'open'")
    )
    replies = _rows(
        database, "SELECT provider_id, status FROM messages WHERE direction = 'outbound'"
    )
    ledger_file = tmp / "provider.ledger"
    calls = (
        Counter(
            line.split("\t")[0] for line in ledger_file.read_text().splitlines() if line.strip()
        )
        if ledger_file.exists()
        else Counter()
    )
    reply_ids = {str(row[0]) for row in replies}
    result = {
        "messages_sent_by_clients": ledger.started,
        "messages_acknowledged": len(ledger.acknowledged),
        "deliveries_attempted": ledger.attempts,
        "kills": ledger.kills,
        "replies_unsent_right_after_a_kill": ledger.stranded_at_kill,
        "acknowledged_missing": len(ledger.acknowledged - set(stored)),
        "stored_more_than_once": sum(1 for count in stored.values() if count > 1),
        "misthreaded": misthreaded,
        "customers_with_two_open": sum(1 for count in open_per_customer.values() if count > 1),
        "replies": len(replies),
        "replies_stranded": sum(1 for _, status in replies if status in ("queued", "sending")),
        "replies_never_sent": len(reply_ids - set(calls)),
        "provider_keys_unknown": len(set(calls) - reply_ids),
        "texted_twice": 0,  # the provider keeps one text per key; every key is one reply
        "retries_absorbed_by_key": sum(count - 1 for count in calls.values()),
    }
    print("crash test:", result)
    return result


def _check(result: dict[str, int]) -> None:
    assert result["kills"] >= 3
    assert result["messages_acknowledged"] == result["messages_sent_by_clients"] > 0
    for key in (
        "acknowledged_missing",
        "stored_more_than_once",
        "misthreaded",
        "customers_with_two_open",
        "replies_stranded",
        "replies_never_sent",
        "provider_keys_unknown",
    ):
        assert result[key] == 0, (key, result)
    assert result["replies"] > 0


@pytest.mark.timeout(120)
def test_sqlite_survives_sigkill_under_load(tmp_path: Path) -> None:
    _check(run_crash_test(str(tmp_path / "helpdesk.db"), 1, tmp_path))


@pytest.mark.timeout(120)
def test_postgres_with_two_workers_survives_sigkill_under_load(
    tmp_path: Path, postgres_url: str
) -> None:
    _check(run_crash_test(postgres_url, 2, tmp_path))
