"""The HTTP layer's speed settings: TCP_NODELAY on every connection, httptools when it
is installed, no line per message unless asked."""

from __future__ import annotations

import argparse
import socket
from typing import Any

from helpdesk import _http
from helpdesk.cli._serve import _uvicorn_options


class _Transport:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def get_extra_info(self, name: str) -> Any:
        return self.sock if name == "socket" else None


def test_every_connection_gets_tcp_nodelay() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        with client, accepted:
            accepted.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
            _http._no_delay(_Transport(accepted))  # type: ignore[arg-type]
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_serve_uses_httptools_and_logs_no_line_per_message_by_default() -> None:
    args = argparse.Namespace(host="127.0.0.1", port=8000, access_log=False)
    options = _uvicorn_options(args)
    assert options["http"] == "helpdesk._http:GuardedHttpToolsProtocol"
    assert options["access_log"] is False
    assert options["log_config"]["loggers"]["helpdesk_rules.webhook.messages"]["level"] == "WARNING"
    loud = _uvicorn_options(argparse.Namespace(host="127.0.0.1", port=8000, access_log=True))
    assert loud["access_log"] is True
    assert loud["log_config"]["loggers"]["helpdesk_rules.webhook.messages"]["level"] == "INFO"
