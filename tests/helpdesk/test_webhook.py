"""The webhook service, served for real: uvicorn on a loopback port, requests signed
with the `twilio` package's RequestValidator and sent with httpx.

The main server runs in a thread of this process (so the tests can read its desk's
store) with the example workflows, a temporary SQLite database and a public URL with a
path prefix, as behind a proxy: every request is signed for that public URL.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from twilio.request_validator import RequestValidator

from helpdesk import SqliteStore, StoreBusy
from helpdesk._desk import HelpDesk
from helpdesk._store import StoreTransaction
from helpdesk._webhook import (
    EMPTY_TWIML,
    MAX_BODY,
    ServiceMisconfigured,
    WebhookConfig,
    create_app,
)
from helpdesk.cli import main
from rules_engine.engine import Engine

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
DOC = Path(__file__).resolve().parents[2] / "docs" / "webhook.md"
EXECUTABLE = Path(sys.executable).parent / "helpdesk-rules"
TOKEN = "12345678901234567890123456789012"
PUBLIC = "https://hooks.example.com/desk"
HELP_DESK_NUMBER = "+14155550100"
# Every wait is bounded: a server that does not come up fails the test instead of hanging.
START_TIMEOUT = 30.0


# a real server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(config: WebhookConfig, desk: HelpDesk) -> Iterator[httpx.Client]:
    """uvicorn serving `create_app(config)` in a thread, on a loopback port of its own."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(config, lambda: desk)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert server.started, "the webhook service did not start"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)
        sock.close()


def make_desk(database: Path) -> HelpDesk:
    return HelpDesk(Engine.from_paths([WORKFLOWS]), SqliteStore(database))


@dataclass
class Service:
    client: httpx.Client
    desk: HelpDesk
    database: Path

    def post(
        self,
        path: str,
        fields: Mapping[str, str],
        *,
        query: str = "",
        signature: str | None = "sign",
        signed_url: str | None = None,
    ) -> httpx.Response:
        """POST form fields, signed (by default) for the public URL of `path?query`."""
        target = path + (f"?{query}" if query else "")
        headers = {}
        if signature == "sign":
            url = signed_url if signed_url is not None else PUBLIC + target
            headers["X-Twilio-Signature"] = sign(url, fields)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(target, data=dict(fields), headers=headers)

    def rows(self) -> list[tuple[str, list[tuple[object, ...]]]]:
        """Every row of every table: to check that a refused request changed nothing."""
        with sqlite3.connect(self.database) as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            rows = [(t, conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()) for t in tables]
        conn.close()
        return rows


def sign(url: str, fields: Mapping[str, str]) -> str:
    return str(RequestValidator(TOKEN).compute_signature(url, dict(fields)))


def sms(sid: str, sender: str, body: str = "hi", **extra: str) -> dict[str, str]:
    """The fields Twilio posts for an inbound SMS (and a few it may add)."""
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": HELP_DESK_NUMBER,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    database = tmp_path_factory.mktemp("webhook") / "helpdesk.db"
    desk = make_desk(database)
    config = WebhookConfig(public_url=PUBLIC, auth_token=TOKEN)
    with served(config, desk) as client:
        yield Service(client, desk, database)


def conversation_of(desk: HelpDesk, sid: str) -> str | None:
    with desk.store.snapshot() as view:
        message = view.message(sid)
    return message.conversation_id if message else None


# inbound messages --------------------------------------------------------------------


def test_a_first_message_answers_empty_twiml_once_the_conversation_exists(
    service: Service,
) -> None:
    response = service.post("/twilio/sms", sms("SMfirst1", "+14155550111", "hello there"))

    assert response.status_code == 200
    assert response.text == EMPTY_TWIML
    assert response.headers["content-type"].startswith("text/xml")
    conversation = service.desk.conversation(conversation_of(service.desk, "SMfirst1") or "")
    assert conversation.conversation.status == "open"
    assert conversation.conversation.started_by == "customer"
    assert conversation.conversation.assignee == "Mobile Support"  # route-inbound-sms's else
    assert [d.decision for d in conversation.decisions] == ["new"]
    assert [m.body for m in conversation.messages] == ["hello there"]


def test_the_same_message_sid_twice_is_stored_once(service: Service) -> None:
    fields = sms("SMtwice1", "+14155550112", "refund please")

    first = service.post("/twilio/sms", fields)
    second = service.post("/twilio/sms", fields)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.text == EMPTY_TWIML
    view = service.desk.conversation(conversation_of(service.desk, "SMtwice1") or "")
    assert [m.provider_id for m in view.messages] == ["SMtwice1"]
    assert [d.event_id for d in view.decisions] == ["SMtwice1"]
    assert view.conversation.assignee == "Billing"


def test_a_bad_signature_is_403_and_stores_nothing(service: Service) -> None:
    before = service.rows()

    response = service.post(
        "/twilio/sms", sms("SMforged1", "+14155550113"), signature="bm90IGEgc2lnbmF0dXJl"
    )

    assert response.status_code == 403
    assert service.rows() == before


def test_a_missing_signature_is_403(service: Service) -> None:
    before = service.rows()

    response = service.post("/twilio/sms", sms("SMunsigned1", "+14155550114"), signature=None)

    assert response.status_code == 403
    assert service.rows() == before


def test_a_body_changed_after_signing_is_403(service: Service) -> None:
    fields = sms("SMtampered1", "+14155550115", "original")
    signature = sign(PUBLIC + "/twilio/sms", fields)

    response = service.post("/twilio/sms", {**fields, "Body": "changed"}, signature=signature)

    assert response.status_code == 403
    assert conversation_of(service.desk, "SMtampered1") is None


def test_the_signature_covers_the_public_url_not_the_local_one(service: Service) -> None:
    fields = sms("SMlocal1", "+14155550116")
    local = f"{service.client.base_url}/twilio/sms"

    response = service.post("/twilio/sms", fields, signed_url=local)

    assert response.status_code == 403
    assert conversation_of(service.desk, "SMlocal1") is None


def test_a_public_url_with_a_query_string_signed_correctly_is_accepted(service: Service) -> None:
    fields = sms("SMquery1", "+14155550117")

    wrong = service.post(
        "/twilio/sms", fields, query="tenant=acme", signed_url=PUBLIC + "/twilio/sms"
    )
    right = service.post("/twilio/sms", fields, query="tenant=acme&region=us")

    assert wrong.status_code == 403
    assert right.status_code == 200
    assert conversation_of(service.desk, "SMquery1") is not None


def test_unknown_fields_are_accepted_and_ignored(service: Service) -> None:
    fields = sms("SMextra1", "+14155550118", FromCity="SAN FRANCISCO", AddOns='{"status":"ok"}')

    response = service.post("/twilio/sms", fields)

    assert response.status_code == 200
    assert conversation_of(service.desk, "SMextra1") is not None


def test_a_declared_body_over_64_kb_is_413(service: Service) -> None:
    before = service.rows()
    fields = sms("SMbig1", "+14155550119", "x" * (MAX_BODY + 1))

    response = service.post("/twilio/sms", fields)

    assert response.status_code == 413
    assert service.rows() == before


def test_a_streamed_body_over_64_kb_is_413(service: Service) -> None:
    """Chunked, with no Content-Length: the size is counted as the body arrives."""
    before = service.rows()

    def chunks() -> Iterator[bytes]:
        yield b"MessageSid=SMbig2&From=%2B14155550120&Body="
        for _ in range(9):
            yield b"x" * 8192

    response = service.client.post(
        "/twilio/sms",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == 413
    assert service.rows() == before


def test_a_body_that_is_not_a_form_is_415(service: Service) -> None:
    response = service.client.post("/twilio/sms", json={"MessageSid": "SMjson1"})

    assert response.status_code == 415


def test_media_is_kept_as_attachments_or_recorded_with_a_note(service: Service) -> None:
    fields = sms(
        "SMmedia1",
        "+14155550121",
        "see attached",
        NumMedia="2",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
        MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
        MediaContentType1="video/mp4",
    )

    response = service.post("/twilio/sms", fields)

    assert response.status_code == 200
    view = service.desk.conversation(conversation_of(service.desk, "SMmedia1") or "")
    (message,) = view.messages
    assert message.body == "see attached"
    assert message.media_types == ("image/jpeg", "video/mp4")
    assert message.attachments == ("image/jpeg",)
    assert any("video/mp4" in note.body for note in view.notes)


def test_a_rejected_number_is_200_stores_nothing_and_is_logged(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    before = service.rows()

    with caplog.at_level(logging.INFO, logger="helpdesk_rules.webhook"):
        response = service.post("/twilio/sms", sms("SMbadnumber1", "+1415"))

    assert response.status_code == 200
    assert response.text == EMPTY_TWIML
    assert service.rows() == before
    assert "inbound SMbadnumber1 rejected: The sender number" in caplog.text


def test_a_get_on_the_message_endpoint_is_405(service: Service) -> None:
    assert service.client.get("/twilio/sms").status_code == 405


# status callbacks ---------------------------------------------------------------------


def status(sid: str, value: str, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": value,
        "SmsStatus": value,
        "AccountSid": "AC" + "0" * 32,
        "To": "+14155550122",
        "From": HELP_DESK_NUMBER,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def status_of(desk: HelpDesk, sid: str) -> str | None:
    with desk.store.snapshot() as view:
        message = view.message_by_sid(sid)
    return message.status if message else None


def test_status_callbacks_out_of_order_never_move_back_from_delivered(service: Service) -> None:
    service.desk.handle(
        {
            "type": "outbound_sms",
            "id": "SMcampaign1",
            "at": "2026-01-05T10:00:00Z",
            "to": "+14155550122",
            "body": "Our spring offer is here.",
        }
    )

    delivered = service.post("/twilio/status", status("SMcampaign1", "delivered"))
    sent = service.post("/twilio/status", status("SMcampaign1", "sent"))

    assert (delivered.status_code, sent.status_code) == (200, 200)
    assert status_of(service.desk, "SMcampaign1") == "delivered"


def test_a_failed_status_with_an_error_code_is_recorded(service: Service) -> None:
    service.desk.handle(
        {
            "type": "outbound_sms",
            "id": "SMcampaign2",
            "at": "2026-01-05T10:00:00Z",
            "to": "+14155550123",
            "body": "Your order shipped.",
        }
    )

    response = service.post("/twilio/status", status("SMcampaign2", "failed", ErrorCode="30003"))

    assert response.status_code == 200
    assert status_of(service.desk, "SMcampaign2") == "failed"


def test_a_status_for_an_unknown_sid_is_200_and_logged(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    before = service.rows()

    with caplog.at_level(logging.INFO, logger="helpdesk_rules.webhook"):
        response = service.post("/twilio/status", status("SMnobody", "delivered"))

    assert response.status_code == 200
    assert service.rows() == before
    assert "'delivered' for SMnobody changed nothing: no message has this sid" in caplog.text


def test_an_unsigned_status_callback_is_403(service: Service) -> None:
    response = service.post("/twilio/status", status("SMnobody", "sent"), signature=None)

    assert response.status_code == 403


def test_health_is_ok(service: Service) -> None:
    response = service.client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# a database that is busy or gone --------------------------------------------------------


class UnreachableStore:
    """A store whose every transaction conflicts past the bound and whose reads fail."""

    def transaction(self, customer: str) -> AbstractContextManager[StoreTransaction]:
        raise StoreBusy("still conflicting", attempts=5, cause=sqlite3.OperationalError("locked"))

    def snapshot(self) -> AbstractContextManager[StoreTransaction]:
        raise sqlite3.OperationalError("unable to open database file")

    def close(self) -> None:
        pass


def test_a_busy_or_unreachable_store_is_503_so_the_provider_delivers_again() -> None:
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), UnreachableStore())
    config = WebhookConfig(auth_token=TOKEN)

    with served(config, desk) as client:
        fields = sms("SMbusy1", "+14155550124")
        url = f"{client.base_url}/twilio/sms"
        inbound = client.post(
            "/twilio/sms", data=fields, headers={"X-Twilio-Signature": sign(url, fields)}
        )
        health = client.get("/health")

    assert inbound.status_code == 503
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable"}


# the documentation ---------------------------------------------------------------------


def test_the_signed_request_in_the_docs_prints_what_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snippet = re.search(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert snippet is not None
    expected = [line[2:] for line in snippet[1].splitlines() if line.startswith("# ")]
    desk = make_desk(tmp_path / "helpdesk.db")
    with served(WebhookConfig(auth_token=TOKEN), desk) as client:
        monkeypatch.setenv("HELPDESK_URL", str(client.base_url).rstrip("/"))
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # httpx.post reads proxy settings
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(snippet[1], str(DOC), "exec"), {})
        assert conversation_of(desk, "SMtry1") is not None  # before the service closes it
    assert out.getvalue().splitlines() == expected


# configuration and the command -------------------------------------------------------


def test_no_auth_token_refuses_to_start_unless_told_to_skip_the_check() -> None:
    with pytest.raises(ServiceMisconfigured, match="auth token"):
        WebhookConfig()
    assert not WebhookConfig(skip_signature=True).checks_signature


def test_the_config_round_trips_through_the_environment() -> None:
    config = WebhookConfig(
        workflows=("a", "b"), database="postgresql://x/y", public_url=PUBLIC, auth_token=TOKEN
    )

    assert WebhookConfig.from_env(config.to_env()) == config


def test_serve_without_a_token_exits_2_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)

    code = main(["serve", "--workflows", str(WORKFLOWS), "--database", "unused.db"])

    assert code == 2
    assert "--insecure-skip-signature" in capsys.readouterr().err


def test_serve_with_workflows_that_have_errors_exits_1_with_the_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "workspace.yaml").write_text((WORKFLOWS / "workspace.yaml").read_text())
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "workflow: broken\ntrigger: customer_sends_first_message\npriority: 1\n"
        "start: a\nsteps:\n  a:\n    assign: {team: Nobody Team}\n"
    )

    code = main(["serve", "--workflows", str(tmp_path), "--insecure-skip-signature"])

    out = capsys.readouterr()
    assert code == 1
    assert f"{broken}:7:" in out.out
    assert "not started" in out.err
    assert not (tmp_path / "helpdesk.db").exists()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_serve_with_two_workers_starts_answers_and_stops(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    database = (
        str(request.getfixturevalue("postgres_url"))
        if backend == "postgresql"
        else str(tmp_path / "helpdesk.db")
    )
    port = free_port()
    command = [str(EXECUTABLE), "serve", "--port", str(port), "--workers", "2"]
    command += ["--workflows", str(WORKFLOWS), "--database", database]
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN}
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", trust_env=False) as client:
                healthy = wait_until_healthy(client, process)
                answers = [post_signed(client, f"SMworkers{i}", "+14155550125") for i in range(4)]
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=START_TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
    assert healthy, err
    assert answers == [200] * 4
    assert process.returncode in (0, 130), err
    assert ("SQLite serialises writers" in err) == (backend == "sqlite")
    with HelpDesk.open(WORKFLOWS, database=database) as desk:
        view = desk.conversation(conversation_of(desk, "SMworkers0") or "")
    assert [m.provider_id for m in view.messages] == [f"SMworkers{i}" for i in range(4)]


def post_signed(client: httpx.Client, sid: str, sender: str) -> int:
    """An inbound SMS signed for the URL the client reaches (no proxy in between)."""
    fields = sms(sid, sender)
    signature = sign(f"{client.base_url}/twilio/sms", fields)
    response = client.post("/twilio/sms", data=fields, headers={"X-Twilio-Signature": signature})
    return response.status_code


def wait_until_healthy(client: httpx.Client, process: subprocess.Popen[str]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if client.get("/health").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False
