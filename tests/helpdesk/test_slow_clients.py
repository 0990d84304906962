"""Slow and numerous clients cannot take `serve` down (a real process, on loopback).

The service runs with 256 file descriptors, a 1 s header timeout and room for 100
connections; 400 clients open a connection each and send half a request line.  The
service closes them (at once past the cap, after the header timeout otherwise), keeps
its descriptors, answers /health again within seconds, and logs a few lines, not one
traceback per connection.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
from test_webhook import EXECUTABLE, TOKEN, WORKFLOWS, free_port, post_signed, wait_until_healthy

SLOW = 400


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(1024) == b"" or True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def test_slow_header_clients_are_cut_off_and_the_service_keeps_answering(tmp_path: Path) -> None:
    port = free_port()
    command = [str(EXECUTABLE), "serve", "--port", str(port), "--workflows", str(WORKFLOWS)]
    command += ["--database", str(tmp_path / "h.db")]
    env = {
        **os.environ,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "HELPDESK_RULES_HEADER_TIMEOUT": "1",
        "HELPDESK_RULES_MAX_CONNECTIONS": "100",
    }
    log = tmp_path / "serve.log"
    with (
        log.open("w") as err,
        subprocess.Popen(
            command, env=env, stdout=err, stderr=err, preexec_fn=_limit_descriptors
        ) as process,
    ):
        sockets: list[socket.socket] = []
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
                assert wait_until_healthy(client, process), log.read_text()
                for _ in range(SLOW):
                    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                    sock.sendall(b"POST /twilio/sms HTTP/1.1\r\nHost: x\r\n")
                    sockets.append(sock)
                started = time.monotonic()
                closed = sum(_closed_by_server(sock) for sock in sockets)
                elapsed = time.monotonic() - started
                assert wait_until_healthy(client, process), log.read_text()[-3000:]
                assert post_signed(client, "SMafterflood", "+14155550181") == 200
        finally:
            for sock in sockets:
                sock.close()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    text = log.read_text()
    assert closed == SLOW
    assert elapsed < 10
    assert "Traceback" not in text
    assert len(text.splitlines()) < 60, text[-3000:]
    assert process.returncode is not None
