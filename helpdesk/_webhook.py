"""The Twilio-compatible webhook service: a `HelpDesk` behind HTTP, on Starlette (ASGI).

    POST /twilio/sms     an inbound SMS, form-encoded as Twilio sends it; 200 and an
                         empty TwiML `<Response/>` once the decision is committed
    POST /twilio/status  a delivery status callback; 200 for every signed request
    GET  /health         {"status": "ok"} after a trivial store read, else 503

Every POST is checked with `X-Twilio-Signature` against the public URL the provider
called (`public_url` + path + query string, since the service sits behind a proxy):
a bad or missing signature is a 403 and changes nothing.  Bodies over 64 kB are a 413.
A rejected message (a bad number, refused content) is still a 200, so the provider
does not deliver it again; only a busy or unreachable database is a 503, which asks
the provider to deliver it again.  The desk's work blocks (SQLite, psycopg), so it runs
in a worker thread and the event loop stays free.

    >>> app = create_app(WebhookConfig(database="helpdesk.db", auth_token="..."))  # doctest: +SKIP
    >>> uvicorn.run(app, host="127.0.0.1", port=8000)                              # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.to_thread
import psycopg
from anyio import CapacityLimiter
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from ._desk import HelpDesk, Outcome
from ._errors import ServiceMisconfigured, StoreError
from ._group import GROUP_LIMIT
from ._http import quiet_loop_errors
from ._logsafe import clean, once_a_second
from ._outbox import INTERVAL as OUTBOX_INTERVAL
from ._senders import RecordingSender, Sender, TwilioSender
from ._sqlite import SqliteStore

log = logging.getLogger("helpdesk_rules.webhook")
# One line per message: off unless `serve --access-log` (a line per message costs more
# CPU than applying it).
message_log = logging.getLogger("helpdesk_rules.webhook.messages")

MAX_BODY = 64 * 1024
# Seconds a client has to send the whole body once its headers are in (408 after).
BODY_TIMEOUT = 10.0
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
SIGNATURE_HEADER = "x-twilio-signature"
FORM_TYPE = "application/x-www-form-urlencoded"
# Twilio sends at most 10 media items with one message.
MAX_MEDIA = 10
# The database is busy past the retry bound, or cannot be reached: the provider retries.
UNAVAILABLE = (StoreError, sqlite3.OperationalError, psycopg.OperationalError)
# Where `WebhookConfig.from_env` reads its settings (the token: as Twilio's tools do).
ENV = {
    "workflows": "HELPDESK_RULES_WORKFLOWS",
    "database": "HELPDESK_RULES_DATABASE",
    "workspace": "HELPDESK_RULES_WORKSPACE",
    "executor": "HELPDESK_RULES_EXECUTOR",
    "public_url": "HELPDESK_RULES_PUBLIC_URL",
    "send_from": "HELPDESK_RULES_SEND_FROM",
    "skip_signature": "HELPDESK_RULES_INSECURE_SKIP_SIGNATURE",
    "auth_token": "TWILIO_AUTH_TOKEN",
}
# A media index has at most 3 digits (Twilio sends 0-9); longer ones are ignored.
_MEDIA_FIELD = re.compile(r"Media(?:Url|ContentType)(\d{1,3})")
# The longest value each field may have; a longer one is a 400 (a provider never sends
# one, and an id that long would not fit the database's index).  Twilio's SIDs are 34
# characters, a message body at most 1,600.
FIELD_LIMITS = {
    "MessageSid": 64,
    "SmsMessageSid": 64,
    "MessageStatus": 32,
    "From": 64,
    "To": 64,
    "Body": 8_000,
    "ErrorCode": 16,
}
MAX_MEDIA_URL = 2_048
MAX_MEDIA_TYPE = 255

Form = ImmutableMultiDict[str, str]
DeskFactory = Callable[[], HelpDesk]
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class WebhookConfig:
    """How to open the desk and how to check the provider's requests."""

    workflows: tuple[str, ...] = ("workflows",)
    database: str | None = None
    workspace: str | None = None
    executor: str | None = None
    public_url: str | None = None
    auth_token: str | None = field(default=None, repr=False)
    skip_signature: bool = False
    send_from: str | None = None
    max_body: int = MAX_BODY
    outbox_interval: float = OUTBOX_INTERVAL
    body_timeout: float = BODY_TIMEOUT

    def __post_init__(self) -> None:
        if not self.auth_token and not self.skip_signature:
            raise ServiceMisconfigured(
                "No Twilio auth token: the service cannot check X-Twilio-Signature, so it "
                "will not start.",
                field="TWILIO_AUTH_TOKEN",
                hint="Set TWILIO_AUTH_TOKEN, or pass --insecure-skip-signature for local "
                "testing only (anyone who can reach the port can then post messages).",
            )
        if self.public_url is not None:
            _check_public_url(self.public_url)

    @property
    def checks_signature(self) -> bool:
        return bool(self.auth_token) and not self.skip_signature

    def open_desk(self) -> HelpDesk:
        """Compile the workflows and open the store (`ValidationError` on bad workflows)."""
        return HelpDesk.open(
            list(self.workflows),
            database=self.database,
            workspace=self.workspace,
            executor=self.executor,
            sender=self._sender(),
        )

    def _sender(self) -> Sender | None:
        if self.send_from is None:
            # Replies are stored, not sent; nothing kept in memory (a long-running service).
            return RecordingSender(keep=False)
        callback = f"{self.public_url.rstrip('/')}/twilio/status" if self.public_url else None
        return TwilioSender(self.send_from, status_callback=callback)

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables, for worker processes (`from_env`)."""
        values: dict[str, str | None] = {
            "workflows": os.pathsep.join(self.workflows),
            "database": self.database,
            "workspace": self.workspace,
            "executor": self.executor,
            "public_url": self.public_url,
            "send_from": self.send_from,
            "skip_signature": "1" if self.skip_signature else None,
            "auth_token": self.auth_token,
        }
        return {ENV[name]: value for name, value in values.items() if value}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebhookConfig:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            return env.get(ENV[name]) or None

        workflows = get("workflows")
        return cls(
            workflows=tuple(workflows.split(os.pathsep)) if workflows else ("workflows",),
            database=get("database"),
            workspace=get("workspace"),
            executor=get("executor"),
            public_url=get("public_url"),
            auth_token=get("auth_token"),
            skip_signature=get("skip_signature") == "1",
            send_from=get("send_from"),
        )


def _check_public_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ServiceMisconfigured(
            f"The public URL {url!r} is not a base URL.",
            field="public_url",
            hint="Give the scheme, host and any path prefix the proxy adds, without a "
            "query string, like https://hooks.example.com/sms.",
        )


def create_app(config: WebhookConfig, desk_factory: DeskFactory | None = None) -> Starlette:
    """The ASGI app.  The desk is opened at startup (`desk_factory`, by default
    `config.open_desk`) and closed at shutdown."""
    service = _Service(config, desk_factory or config.open_desk)
    routes = [
        Route("/twilio/sms", service.inbound, methods=["POST"]),
        Route("/twilio/status", service.status, methods=["POST"]),
        Route("/health", service.health, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=service.lifespan)


def app_from_env() -> Starlette:
    """The app for an import string (`uvicorn helpdesk._webhook:app_from_env --factory`)."""
    return create_app(WebhookConfig.from_env())


class _Service:
    """The endpoints, around one desk."""

    def __init__(self, config: WebhookConfig, factory: DeskFactory) -> None:
        self.config = config
        self._factory = factory
        self._desk: HelpDesk | None = None
        self._writers: CapacityLimiter | None = None
        self._validator = RequestValidator(config.auth_token) if config.checks_signature else None

    @asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        quiet_loop_errors(asyncio.get_running_loop())
        self._desk = await run_in_threadpool(self._factory)
        if isinstance(self._desk.store, SqliteStore):
            self._writers = CapacityLimiter(GROUP_LIMIT)
        if self._validator is None:
            log.warning("X-Twilio-Signature is NOT checked (--insecure-skip-signature)")
        public = self.config.public_url or "as received"
        log.info("webhook service ready in process %d, public URL %s", os.getpid(), public)
        sweeper = asyncio.create_task(self._send_due_forever())
        try:
            yield
        finally:
            sweeper.cancel()
            with suppress(asyncio.CancelledError):
                await sweeper
            desk, self._desk = self._desk, None
            await run_in_threadpool(desk.close)

    async def _send_due_forever(self) -> None:
        """The outbox: replies left queued or unconfirmed by a crash, at start and then
        every `outbox_interval` seconds (`_outbox`)."""
        while True:
            try:
                sent = await self._write(self.desk.send_due)
            except Exception as error:  # the next round tries again
                once_a_second(log, "the outbox could not send due replies: %s", error)
            else:
                if sent:
                    log.info("outbox: sent %d due replies", len(sent))
            await asyncio.sleep(self.config.outbox_interval)

    @property
    def desk(self) -> HelpDesk:
        if self._desk is None:
            raise RuntimeError("the webhook service has not started")
        return self._desk

    # endpoints -------------------------------------------------------------------------

    async def inbound(self, request: Request) -> Response:
        received = datetime.now(UTC)
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        try:
            outcome = await self._write(self.desk.handle, inbound_event(form, received))
        except UNAVAILABLE as error:
            return _unavailable("inbound", form.get("MessageSid"), error)
        _log_outcome(outcome)
        return _twiml()

    async def status(self, request: Request) -> Response:
        received = datetime.now(UTC)
        form = await self._signed_form(request)
        if isinstance(form, Response):
            return form
        sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
        if form.get("ErrorCode"):
            log.warning(
                "message %s is %s with error code %s",
                clean(sid),
                clean(status),
                clean(form["ErrorCode"]),
            )
        try:
            unchanged = await self._write(self._apply_status, sid, status, received)
        except UNAVAILABLE as error:
            return _unavailable("status", sid, error)
        if unchanged is not None:
            log.info("status %r for %s changed nothing: %s", clean(status), clean(sid), unchanged)
        return _twiml()

    async def health(self, request: Request) -> Response:
        try:
            await run_in_threadpool(self._probe)
        except UNAVAILABLE as error:
            once_a_second(log, "health check: the store is unreachable: %s", error)
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    # in a worker thread ----------------------------------------------------------------

    async def _write(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call` in a worker thread (it blocks on the database).

        On SQLite up to `GROUP_LIMIT` threads at a time: the store applies their writes
        one at a time and commits them together (`_group`), so a request's parsing,
        validation and phone numbers overlap the previous group's fsync."""
        return await anyio.to_thread.run_sync(partial(call, *args, **kwargs), limiter=self._writers)

    def _apply_status(self, sid: str, status: str, at: datetime) -> str | None:
        """Apply a status callback; None when it moved the message on, else why not."""
        if self.desk.message_status(sid, status, at):
            return None
        with self.desk.store.snapshot() as view:
            message = view.message_by_sid(sid)
        if message is None:
            return "no message has this sid"
        return f"the message is already {message.status!r} (a stale or unknown status)"

    def _probe(self) -> None:
        with self.desk.store.snapshot() as view:
            view.message("health-check")

    # the request -----------------------------------------------------------------------

    async def _signed_form(self, request: Request) -> Form | Response:
        """The form fields of a signed request, or the error response to send instead."""
        try:
            with anyio.fail_after(self.config.body_timeout):
                body = await read_body(request, self.config.max_body)
        except TimeoutError:
            once_a_second(
                log,
                "%s: body not received within %.0f s",
                request.url.path,
                self.config.body_timeout,
                level=logging.WARNING,
            )
            return PlainTextResponse("Request body too slow.", status_code=408)
        if body is None:
            log.warning("%s: body over %d bytes refused", request.url.path, self.config.max_body)
            return PlainTextResponse("Request body too large.", status_code=413)
        content_type = request.headers.get("content-type", FORM_TYPE).split(";")[0]
        if content_type.strip().lower() != FORM_TYPE:
            return PlainTextResponse(f"Send {FORM_TYPE}.", status_code=415)
        form = parse_form(body)
        if not self._signature_ok(request, form):
            log.warning("%s: bad or missing X-Twilio-Signature, refused", request.url.path)
            return PlainTextResponse("Invalid X-Twilio-Signature.", status_code=403)
        problem = form_problem(form)
        if problem is not None:
            log.warning("%s: refused with 400: %s", request.url.path, clean(problem))
            return PlainTextResponse(f"{problem}.", status_code=400)
        return form

    def _signature_ok(self, request: Request, form: Form) -> bool:
        if self._validator is None:
            return True
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        url = signed_url(request, self.config.public_url)
        return bool(self._validator.validate(url, form, signature))


# helpers, pure -------------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` bytes (declared or actually streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def parse_form(body: bytes) -> Form:
    """Form fields, repeated ones kept (the signature covers every value)."""
    text = body.decode("utf-8", errors="replace")
    return ImmutableMultiDict(parse_qsl(text, keep_blank_values=True, errors="replace"))


def form_problem(form: Form) -> str | None:
    """A field longer than any provider sends (`FIELD_LIMITS`), or None."""
    for key, value in form.multi_items():
        limit = FIELD_LIMITS.get(key)
        if key.startswith("MediaUrl"):
            limit = MAX_MEDIA_URL
        elif key.startswith("MediaContentType"):
            limit = MAX_MEDIA_TYPE
        if limit is not None and len(value) > limit:
            return f"{key[:40]} is {len(value):,} characters long, over {limit:,}"
    return None


def signed_url(request: Request, public_url: str | None) -> str:
    """The URL the provider signed: the public base, then the path and query string."""
    if public_url is None:
        return str(request.url)
    query = request.url.query
    return public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


def inbound_event(form: Mapping[str, str], received: datetime) -> dict[str, object]:
    """The help desk's `inbound_sms` event for Twilio's fields; `at` is when it arrived."""
    fields: dict[str, object | None] = {
        "type": "inbound_sms",
        "id": form.get("MessageSid") or form.get("SmsMessageSid"),
        "at": received.isoformat(),
        "from": form.get("From"),
        "to": form.get("To") or None,
        "body": form.get("Body", ""),
        "media": media_items(form),
    }
    return {key: value for key, value in fields.items() if value is not None}


def media_items(form: Mapping[str, str]) -> list[dict[str, str]]:
    """`MediaUrlN` / `MediaContentTypeN` pairs, in N order (NumMedia is not trusted)."""
    indices = sorted({int(m[1]) for key in form if (m := _MEDIA_FIELD.fullmatch(key))})
    items: list[dict[str, str]] = []
    for index in indices[:MAX_MEDIA]:
        item = {"content_type": form.get(f"MediaContentType{index}") or "application/unknown"}
        url = form.get(f"MediaUrl{index}")
        items.append({**item, "url": url} if url else item)
    return items


def _twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


def _unavailable(kind: str, sid: str | None, error: Exception) -> Response:
    once_a_second(
        log, "%s %s not stored, answering 503 so it is delivered again: %s", kind, sid, error
    )
    return PlainTextResponse(
        "The store is busy or unavailable; deliver again.",
        status_code=503,
        headers={"Retry-After": "1"},
    )


def _log_outcome(outcome: Outcome) -> None:
    if outcome.threading == "rejected":
        log.warning("inbound %s rejected: %s", clean(outcome.event), clean(outcome.reason, 500))
    elif not message_log.isEnabledFor(logging.INFO):
        return
    elif outcome.threading == "duplicate":
        message_log.info(
            "inbound %s is a duplicate delivery: nothing changed", clean(outcome.event)
        )
    else:
        workflows = ", ".join(run.workflow for run in outcome.workflows) or "no workflow"
        message_log.info(
            "inbound %s: %s in %s (%s)",
            clean(outcome.event),
            outcome.threading,
            outcome.conversation,
            workflows,
        )
