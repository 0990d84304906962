"""The webhook against hostile requests: bounded fields, escaped logs, told-apart errors."""

from __future__ import annotations

import logging
import random
import string
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_webhook import PUBLIC, TOKEN, Service, make_desk, served, sign, sms

from helpdesk import HelpDesk, PostgresStore
from helpdesk._guard import store_refusal
from helpdesk._webhook import EMPTY_TWIML, WebhookConfig, form_problem, inbound_event, parse_form
from rules_engine.engine import Engine

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    database = tmp_path_factory.mktemp("hardening") / "helpdesk.db"
    desk = make_desk(database)
    with served(WebhookConfig(public_url=PUBLIC, auth_token=TOKEN), desk) as client:
        yield Service(client, desk, database)


def test_a_message_sid_over_the_bound_is_a_400_and_changes_nothing(service: Service) -> None:
    before = service.rows()
    response = service.post("/twilio/sms", sms("SM" + "x" * 5000, "+14155550171"))
    assert response.status_code == 400
    assert service.rows() == before


def test_a_media_index_of_thousands_of_digits_is_ignored(service: Service) -> None:
    fields = sms("SMmedia5000", "+14155550172", **{"MediaUrl" + "9" * 5000: "https://x/y"})
    assert service.post("/twilio/sms", fields).status_code == 200


def test_the_content_type_is_compared_without_case(service: Service) -> None:
    fields = sms("SMcase1", "+14155550173")
    headers = {
        "X-Twilio-Signature": sign(PUBLIC + "/twilio/sms", fields),
        "Content-Type": "Application/X-WWW-Form-URLEncoded; Charset=UTF-8",
    }
    response = service.client.post("/twilio/sms", content=_encoded(fields), headers=headers)
    assert response.status_code == 200 and response.text == EMPTY_TWIML


def _encoded(fields: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode()


def test_a_message_sid_with_a_newline_cannot_forge_a_log_line(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="helpdesk_rules"):
        fields = sms("SMx\nWARNING forged", "+14155550174", body="hi")
        assert service.post("/twilio/sms", fields).status_code == 200
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("helpdesk_rules")]
    assert messages and all("\n" not in m for m in messages), messages


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(
            ["MessageSid", "From", "To", "Body", "MediaUrl0", "MediaUrl" + "9" * 50, "x"]
        )
        | st.text(max_size=10),
        st.text(max_size=80),
        max_size=8,
    )
    | st.binary(max_size=300).map(lambda b: {"raw": b.decode("latin-1")})
)
def test_fuzzed_forms_parse_to_an_event_or_a_400_without_an_error(fields: dict[str, str]) -> None:
    from urllib.parse import urlencode

    form = parse_form(urlencode(fields, errors="surrogatepass").encode("utf-8", "surrogatepass"))
    if form_problem(form) is None:
        event = inbound_event(form, __import__("datetime").datetime(2026, 1, 5))
        assert event["type"] == "inbound_sms"


def test_a_deterministic_postgres_error_is_refused_once_not_retried(postgres_url: str) -> None:
    """A 5,000-character id of random text exceeds the index row size: that is refused at
    once (not five retries and a 503), and the store is unchanged."""
    import helpdesk._guard as guard

    store = PostgresStore(postgres_url)
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), store)
    old = guard.MAX_ID
    guard.MAX_ID = 10**6  # let it through to the database, as before the bound
    try:
        ident = "".join(random.choices(string.ascii_letters + string.digits, k=5000))
        event = {"type": "inbound_sms", "id": ident, "at": "2026-01-05T10:00:00Z"}
        outcome = desk.handle({**event, "from": "+14155550175", "body": "hi"})
        assert outcome.threading == "rejected"
        assert outcome.reason and "54000" in outcome.reason  # program_limit_exceeded
        with store.snapshot() as view:
            assert view.customer("+14155550175") is None
    finally:
        guard.MAX_ID = old
        desk.close()


def test_only_conflicts_and_lost_connections_are_retried(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    try:
        assert store.is_retryable(psycopg.errors.SerializationFailure("x"))
        assert store.is_retryable(psycopg.errors.DeadlockDetected("x"))
        assert store.is_retryable(psycopg.errors.LockNotAvailable("x"))
        assert store.is_retryable(psycopg.OperationalError("connection refused"))
        assert not store.is_retryable(psycopg.errors.ProgramLimitExceeded("index row size"))
        assert store_refusal(store, psycopg.errors.ProgramLimitExceeded("too big")) is not None
        assert store_refusal(store, psycopg.errors.SerializationFailure("x")) is None
    finally:
        store.close()
