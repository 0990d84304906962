"""Throughput on SQLite: CPU and statements per message, `simulate` on disk and in
memory, the webhook service under 16/64/256 concurrent clients, beside bare loops, and
the disk's fsync rate, all in one run (so the ratios compare like with like).

Run: `.venv/bin/python bench/bench_throughput.py` (`--quick`: fewer messages).  Memory
of a long replay: `.venv/bin/python bench/bench_throughput.py --memory 200000`.

- fsync rate: a bare loop of 4 kB writes and `fsync` on one file (one stream), and on
  four files from four threads at once, on the disk the figures are taken on.  On a
  virtual disk it changes by 10x from run to run: read every figure against it.
- `HelpDesk.handle`: CPU per inbound SMS (process time) and SQL statements per inbound
  SMS (sqlite3's trace callback), beside the bare transaction of `bench_e2e`
  (its statements by hand).
- `simulate` of `helpdesk-rules traffic --customers 2000` with its database on disk and
  in `/dev/shm`, alternately.
- the webhook: `helpdesk-rules serve` in its own process, signed Twilio requests from
  a raw HTTP/1.1 keep-alive client (so the client's own CPU stays small), N requests in
  flight; beside two in-process bare loops with N threads: one transaction per message
  (`BEGIN IMMEDIATE` ... `COMMIT` under a lock), and the same statements group-committed
  (`helpdesk._group.GroupWriter`, a savepoint per message).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script
from bench._common import ROOT, SQL, latency_summary, machine_line
from bench.bench_e2e import (
    EXECUTABLE,
    TOKEN,
    WORKFLOWS,
    bare_connection,
    bare_receive,
    events,
    free_port,
    wait_healthy,
)
from helpdesk import HelpDesk, RecordingSender, SqliteStore
from helpdesk._group import GroupWriter
from rules_engine.engine import Engine

SHM = Path("/dev/shm")
CLIENTS = (16, 64, 256)


# -- the disk ------------------------------------------------------------------------------


def fsync_rate(folder: Path, streams: int, seconds: float = 2.0) -> float:
    """fsyncs per second, all streams together: 4 kB appended then fsync, in a loop."""
    counts = [0] * streams
    stop = time.monotonic() + seconds

    def loop(index: int) -> None:
        path = folder / f"fsync-{index}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            while time.monotonic() < stop:
                os.write(fd, b"x" * 4096)
                os.fsync(fd)
                counts[index] += 1
        finally:
            os.close(fd)
            path.unlink()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


# -- HelpDesk.handle: CPU and statements -----------------------------------------------------


def counted(conn: sqlite3.Connection) -> list[int]:
    """A counter of the statements `conn` runs (BEGIN, SAVEPOINT and COMMIT included)."""
    count = [0]

    def trace(statement: str) -> None:
        count[0] += 1

    conn.set_trace_callback(trace)
    return count


def per_message(tmp: Path, messages: int) -> None:
    items = events()[:messages]
    store = SqliteStore(tmp / "desk.db")
    ours = counted(store._writer._connection())
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), store, sender=RecordingSender(keep=False))
    bare_conn = bare_connection(tmp / "bare.db")
    bare = counted(bare_conn)
    cpu = {"ours": 0.0, "bare": 0.0}
    calls: dict[str, Callable[[Mapping[str, object]], object]] = {
        "ours": desk.handle,
        "bare": lambda item: bare_receive(bare_conn, item),
    }
    for index, item in enumerate(items):
        order = ("ours", "bare") if index % 2 else ("bare", "ours")
        for name in order:
            start = time.process_time()
            calls[name](item)
            cpu[name] += time.process_time() - start
    desk.close()
    bare_conn.close()
    print(
        f"HelpDesk.handle: {cpu['ours'] / messages * 1000:.3f} ms CPU and "
        f"{ours[0] / messages:.1f} SQL statements per inbound SMS "
        f"(bare transaction: {cpu['bare'] / messages * 1000:.3f} ms, "
        f"{bare[0] / messages:.1f} statements); {messages} messages, "
        "example workflows (a reply for some)"
    )


# -- simulate on disk and in memory -------------------------------------------------------


def simulate_seconds(events_file: Path, database: Path) -> float:
    command = [str(EXECUTABLE), "simulate", "--workflows", str(WORKFLOWS), "--json"]
    command += ["--database", str(database), str(events_file)]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return seconds


def simulate_disk_and_memory(tmp: Path, rounds: int) -> float:
    """`simulate` events per second in memory (for the webhook's ratio)."""
    events_file = tmp / "traffic.jsonl"
    with events_file.open("w") as out:
        subprocess.run([str(EXECUTABLE), "traffic", "--customers", "2000"], stdout=out, check=True)
    count = sum(1 for _ in events_file.open())
    disk, memory = [], []
    for index in range(rounds):
        order = [(disk, tmp), (memory, SHM)]
        for times, folder in order if index % 2 else reversed(order):
            times.append(simulate_seconds(events_file, folder / f"simulate-{os.getpid()}.db"))
    best_disk, best_memory = min(disk), min(memory)
    print(
        f"simulate of `traffic --customers 2000` ({count:,} events), best of {rounds}: "
        f"on disk {best_disk:.1f} s, in /dev/shm {best_memory:.1f} s; "
        f"disk / memory speed = {best_memory / best_disk:.2f} "
        f"(all runs: disk {', '.join(f'{t:.1f}' for t in disk)}; "
        f"memory {', '.join(f'{t:.1f}' for t in memory)})"
    )
    return count / best_memory


# -- the webhook and the bare loops ---------------------------------------------------------


def request_bytes(port: int, prefix: str, count: int) -> list[bytes]:
    """Signed `POST /twilio/sms` requests, whole, ready to write."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    url = f"http://127.0.0.1:{port}/twilio/sms"
    requests = []
    for item in (events() * (count // len(events()) + 1))[:count]:
        fields = {
            "MessageSid": f"{prefix}{len(requests)}",
            "AccountSid": "AC" + "0" * 32,
            "From": str(item["from"]),
            "To": str(item["to"]),
            "Body": str(item["body"]),
            "NumMedia": "0",
        }
        body = urlencode(fields).encode()
        signature = validator.compute_signature(url, fields)
        head = (
            f"POST /twilio/sms HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        requests.append(head.encode() + body)
    return requests


REFUSED: list[int] = [0]  # 503s (over the service's requests in progress), delivered again


async def raw_load(port: int, requests: list[bytes], clients: int) -> tuple[list[float], float]:
    """Every request over `clients` keep-alive connections, each delivered again after a
    503 as the provider would; latencies (to the 200, retries included) and wall time."""
    pending = iter(requests)
    latencies: list[float] = []

    async def exchange(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
    ) -> bytes:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        return head

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for request in pending:
                start = time.perf_counter()
                head = await exchange(reader, writer, request)
                while head.startswith(b"HTTP/1.1 503"):
                    REFUSED[0] += 1
                    await asyncio.sleep(0.05)
                    if b"connection: close" in head.lower():
                        writer.close()
                        reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    head = await exchange(reader, writer, request)
                latencies.append(time.perf_counter() - start)
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, time.perf_counter() - start


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and its children, as /proc has them now."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


SERVICE: list[int] = [0]  # the pid of the service running now


@contextmanager
def service(database: Path, workers: int) -> Iterator[int]:
    port = free_port()
    command = [str(EXECUTABLE), "serve", "--port", str(port), "--database", str(database)]
    command += ["--workflows", str(WORKFLOWS), "--workers", str(workers)]
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    SERVICE[0] = process.pid
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def webhook(database: Path, clients: int, messages: int, workers: int = 1) -> dict[str, float]:
    with service(database, workers) as port:
        asyncio.run(raw_load(port, request_bytes(port, "W", 200), 16))  # warm-up
        requests = request_bytes(port, f"C{clients}x", messages)
        cpu = tree_cpu(SERVICE[0])
        latencies, wall = asyncio.run(raw_load(port, requests, clients))
        cpu = tree_cpu(SERVICE[0]) - cpu
    return {**latencies_of(latencies, wall), "cpu_ms": cpu / messages * 1000}


def latencies_of(latencies: list[float], wall: float) -> dict[str, float]:
    return latency_summary(latencies, wall)


def bare_loop(path: Path, clients: int, messages: int, grouped: bool) -> dict[str, float]:
    """`clients` threads storing `messages` inbound SMS with the bare statements: one
    transaction each (under a lock, as SQLite has one writer), or group-committed."""
    bare_connection(path).close()
    items = (events() * (messages // len(events()) + 1))[:messages]
    for index, item in enumerate(items):
        item["id"] = f"B{index}"
    pending = iter(items)  # a list's iterator: safe to share between threads
    latencies: list[float] = []
    group = GroupWriter(lambda: _bare_writer(path))
    single = _bare_writer(path)

    def transaction() -> AbstractContextManager[sqlite3.Connection]:
        return group.member() if grouped else _one(single)

    def worker() -> None:
        while True:
            item = next(pending, None)
            if item is None:
                return
            start = time.perf_counter()
            with transaction() as conn:
                _bare_statements(conn, item)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    group.close()
    single.close()
    return latencies_of(latencies, wall)


_writer_lock = threading.Lock()


@contextmanager
def _one(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    with _writer_lock:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _bare_writer(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def _bare_statements(conn: sqlite3.Connection, item: Mapping[str, object]) -> None:
    """`bench_e2e.bare_receive` without its BEGIN and COMMIT."""
    phone, ident, at, body = item["from"], item["id"], str(item["at"]), item["body"]
    if conn.execute(SQL.find_message, (ident,)).fetchone():
        return
    conn.execute(SQL.find_customer, (phone,)).fetchone()
    conn.execute(SQL.upsert_customer, (phone, at))
    conn.execute(SQL.open_marker, (phone, at)).fetchone()
    row = conn.execute(SQL.open_conversation, (phone,)).fetchone()
    if row:
        seq = row[0]
    else:
        conn.execute(SQL.last_closed, (phone,)).fetchone()
        seq = conn.execute(SQL.new_conversation, (phone, at)).lastrowid
    conn.execute(SQL.insert_message, (ident, phone, seq, body, at))
    conn.execute(SQL.insert_decision, (ident, phone, at, "append" if row else "new", seq))
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


def row(name: str, figures: Mapping[str, float]) -> str:
    cpu = f"   {figures['cpu_ms']:.2f} ms CPU/msg" if "cpu_ms" in figures else ""
    return (
        f"  {name:<44} {figures['per_second']:7.0f} msg/s   "
        f"p50 {figures['p50_ms']:7.1f} ms   p99 {figures['p99_ms']:7.1f} ms{cpu}"
    )


def webhook_figures(tmp: Path, messages: int, simulate_rate: float) -> None:
    print(f"webhook on SQLite (disk), signed requests, {messages} messages per row:")
    for clients in CLIENTS:
        fresh = tmp / f"c{clients}"
        fresh.mkdir()
        one = bare_loop(fresh / "bare1.db", clients, messages, grouped=False)
        grouped = bare_loop(fresh / "bare2.db", clients, messages, grouped=True)
        REFUSED[0] = 0
        ours = webhook(fresh / "webhook.db", clients, messages)
        refused = f" ({REFUSED[0]} answered 503 and delivered again)" if REFUSED[0] else ""
        print(f" {clients} concurrent clients{refused}:")
        print(row("bare loop, one transaction per message", one))
        print(row("bare loop, group-committed", grouped))
        print(row("serve (1 worker)", ours))
        if clients == 64:
            two = webhook(fresh / "webhook2.db", clients, messages, workers=2)
            print(row("serve --workers 2", two))
            versus_simulate = (
                f", / simulate in memory = {ours['per_second'] / simulate_rate:.2f}"
                if simulate_rate
                else ""  # --webhook-only: simulate was not run
            )
            print(
                f"  ratios at 64: serve / bare one-per-message = "
                f"{ours['per_second'] / one['per_second']:.2f}, / bare group-committed = "
                f"{ours['per_second'] / grouped['per_second']:.2f}{versus_simulate}; "
                f"2 workers / 1 = {two['per_second'] / ours['per_second']:.2f}"
            )


# -- memory of a long replay ------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def replay_memory(tmp: Path, count: int) -> None:
    """`simulate --json` of `count` generated events; RSS sampled every half second."""
    events_file = tmp / "long.jsonl"
    customers = max(1, count // 6)
    with events_file.open("w") as out:
        subprocess.run(
            [str(EXECUTABLE), "traffic", "--customers", str(customers), "--days", "30"],
            stdout=out,
            check=True,
        )
    lines = sum(1 for _ in events_file.open())
    size = events_file.stat().st_size / 1e6
    command = [str(EXECUTABLE), "simulate", "--workflows", str(WORKFLOWS), "--json"]
    command += ["--database", str(tmp / "long.db"), str(events_file)]
    out_file = tmp / "long.out"
    start = time.perf_counter()
    samples: list[tuple[float, int, int]] = []
    with out_file.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
        while process.poll() is None:
            written = out_file.stat().st_size  # one line per event: progress, roughly
            samples.append((time.perf_counter() - start, rss_kib(process.pid), written))
            time.sleep(0.5)
    seconds = time.perf_counter() - start
    rss = [kib for _, kib, _ in samples if kib]
    warm = rss[len(rss) // 10 :] or rss
    print(
        f"simulate --json of {lines:,} generated events ({size:.0f} MB file): "
        f"{seconds:.0f} s ({lines / seconds:,.0f} events/s); RSS after warm-up "
        f"(10% of the run) {warm[0] / 1024:.0f} MB, at the end {warm[-1] / 1024:.0f} MB "
        f"(growth {100 * (warm[-1] - warm[0]) / warm[0]:+.1f}%), peak {max(rss) / 1024:.0f} MB"
    )
    total = out_file.stat().st_size or 1
    for at, kib, written in samples[:: max(1, len(samples) // 10)]:
        print(f"  t={at:6.0f} s  ~{lines * written / total:9,.0f} events  RSS {kib / 1024:4.0f} MB")


def serve_memory(tmp: Path, count: int, chunk: int = 10_000) -> None:
    """`serve` (1 worker, SQLite, no --send-from) under `count` signed messages from 64
    clients, in chunks; the service's RSS after each chunk."""
    with service(tmp / "memory.db", 1) as port:
        pid = SERVICE[0]
        start = time.perf_counter()
        rows = []
        for sent in range(0, count, chunk):
            requests = request_bytes(port, f"M{sent}x", min(chunk, count - sent))
            asyncio.run(raw_load(port, requests, 64))
            rows.append((sent + len(requests), time.perf_counter() - start, rss_kib(pid)))
    seconds = rows[-1][1]
    warm = rows[len(rows) // 10 :] if len(rows) >= 10 else rows[1:] or rows
    print(
        f"serve of {count:,} signed messages, 64 clients: {seconds:.0f} s "
        f"({count / seconds:,.0f} msg/s); RSS after warm-up {warm[0][2] / 1024:.0f} MB, "
        f"at the end {rows[-1][2] / 1024:.0f} MB "
        f"(growth {100 * (rows[-1][2] - warm[0][2]) / warm[0][2]:+.1f}%)"
    )
    for messages, at, kib in rows[:: max(1, len(rows) // 10)]:
        print(f"  {messages:9,} messages  t={at:6.0f} s  RSS {kib / 1024:4.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory", type=int, metavar="EVENTS")
    parser.add_argument("--webhook-only", action="store_true")
    parser.add_argument("--serve-memory", type=int, metavar="MESSAGES")
    args = parser.parse_args()
    print(machine_line(sqlite=True))
    with tempfile.TemporaryDirectory(dir=ROOT / "out" if (ROOT / "out").exists() else None) as t:
        tmp = Path(t)
        print(
            f"fsync rate of the disk under {tmp.parent}: one stream "
            f"{fsync_rate(tmp, 1):.0f}/s, four streams {fsync_rate(tmp, 4):.0f}/s"
        )
        if args.memory:
            replay_memory(tmp, args.memory)
            return
        if args.serve_memory:
            serve_memory(tmp, args.serve_memory)
            return
        rate = 0.0
        if not args.webhook_only:
            per_message(tmp, 500 if args.quick else 2000)
            rate = simulate_disk_and_memory(tmp, 1 if args.quick else 2)
        webhook_figures(tmp, 1000 if args.quick else 3000, rate)
        print(
            f"fsync rate again, after: one stream {fsync_rate(tmp, 1):.0f}/s, "
            f"four streams {fsync_rate(tmp, 4):.0f}/s"
        )


if __name__ == "__main__":
    main()
