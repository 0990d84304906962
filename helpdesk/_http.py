"""uvicorn's HTTP/1.1 protocol (h11) with guards against slow and numerous clients.

uvicorn waits for a request's headers for ever, and accepts connections until the
process runs out of file descriptors (then every `accept` fails, and logs a traceback).
`GuardedH11Protocol`, which `serve` passes to uvicorn as its `http` protocol:

- closes a connection whose request headers have not all arrived `HEADER_TIMEOUT`
  seconds after it opened, or after its previous response;
- closes a new connection at once when `MAX_CONNECTIONS` are open in this process
  (kept below the file-descriptor limit, see `connection_cap`), so a flood cannot
  exhaust the descriptors the store and the health check need.

The body has its own timeout in the app (`_webhook.BODY_TIMEOUT`), and uvicorn's
`limit_concurrency` answers 503 past a number of requests in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import resource
import socket
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    _Base = H11Protocol
else:
    _Base = object

from ._logsafe import once_a_second

log = logging.getLogger("helpdesk_rules.http")

HEADER_TIMEOUT = float(os.environ.get("HELPDESK_RULES_HEADER_TIMEOUT", "10"))
# Descriptors kept free for the store, the log, the listening socket and the workers.
RESERVED_DESCRIPTORS = 64
# The listen backlog, which is also how many connections asyncio accepts in one go
# before any is closed: kept free as well.
BACKLOG = 64
MAX_CONNECTIONS = int(os.environ.get("HELPDESK_RULES_MAX_CONNECTIONS", "900"))
# Requests in progress at once per process; more are answered 503 (uvicorn).  uvicorn
# counts open connections against it too, so it sits above the connection cap: every
# open keep-alive connection may have its request in progress (they wait for one group
# commit), and the cap, not a 503, is what bounds them.
LIMIT_CONCURRENCY = 1000


def connection_cap() -> int:
    """MAX_CONNECTIONS, or fewer when the descriptor limit is low (after raising the
    soft limit to the hard one where allowed)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        try:
            wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(16, min(MAX_CONNECTIONS, soft - RESERVED_DESCRIPTORS - BACKLOG))


_cap = functools.cache(connection_cap)


class _Guard(_Base):
    """A header timeout and a cap on open connections, over either uvicorn protocol."""

    header_timeout = HEADER_TIMEOUT
    max_connections: int | None = None  # None: `connection_cap()`, once per process

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._cycle_seen: object = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        _no_delay(transport)
        super().connection_made(transport)  # type: ignore[arg-type]
        cap = self.max_connections or _cap()
        if len(self.connections) > cap:
            once_a_second(
                log,
                "over %d connections open: closing new ones until some finish",
                cap,
                level=logging.WARNING,
            )
            transport.close()
            return
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and self.cycle is not self._cycle_seen:
            self._cycle_seen = self.cycle  # a request's headers are in: the app has it
            self._disarm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()  # the next request's headers, on a kept-alive one

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.cycle is not None and self.cycle is not self._cycle_seen:
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request in progress: the app's own timeouts apply
        once_a_second(
            log,
            "closing a connection whose request headers took over %.0f s",
            self.header_timeout,
            level=logging.WARNING,
        )
        self.transport.close()


class GuardedH11Protocol(_Guard, H11Protocol):
    """H11Protocol (pure Python) with a header timeout and a cap on open connections."""


class GuardedHttpToolsProtocol(_Guard, HttpToolsProtocol):  # type: ignore[misc]
    """HttpToolsProtocol (httptools, in C: a quarter of h11's CPU per request) with the
    same guards; `serve` uses it when httptools is installed (`uvicorn[standard]`)."""


def guarded_protocol() -> str:
    """The import string of the guarded protocol to give uvicorn: httptools' if it is
    installed, else h11's."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return "helpdesk._http:GuardedH11Protocol"
    return "helpdesk._http:GuardedHttpToolsProtocol"


def _no_delay(transport: asyncio.BaseTransport) -> None:
    """TCP_NODELAY on the connection, whatever the event loop: without it a response
    written in two parts waits for the client's delayed ACK (40 ms on Linux)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def quiet_loop_errors(loop: asyncio.AbstractEventLoop) -> None:
    """Log the event loop's errors (a failed `accept`, a connection reset) once a second,
    without a traceback for each."""

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        detail = f"{type(error).__name__}: {error}" if error else ""
        once_a_second(log, "event loop: %s %s", context.get("message", ""), detail)

    loop.set_exception_handler(handle)
