"""Hostile events: a `rejected` outcome with a reason, the store unchanged, no traceback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ALICE, at, dump
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk import ConversationStore, HelpDesk
from helpdesk.cli import main
from rules_engine.engine import Engine

WORKFLOWS = Path(__file__).parents[2] / "workflows"
SMS = {
    "type": "inbound_sms",
    "id": "SM9",
    "at": at(),
    "from": ALICE,
    "to": "+14155550100",
    "body": "hi",
}


@pytest.fixture
def desk(store: ConversationStore) -> Iterator[HelpDesk]:
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), store)
    desk.handle({**SMS, "id": "SM1", "body": "where is my refund?"})
    yield desk
    desk.close()


def _nested(depth: int) -> object:
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


HOSTILE = {
    "early-time": {**SMS, "at": "0001-01-01T00:00:00+01:00"},
    "late-time": {**SMS, "at": "9999-12-31T23:59:59-10:00"},
    "surrogate-body": {**SMS, "body": "\ud800"},
    "surrogate-key": {**SMS, "\udfff": "x"},
    "surrogate-id": {**SMS, "id": "SM\ud800"},
    "nul-body": {**SMS, "body": "a\x00b"},
    "huge-int": {**SMS, "body": 10**5000},
    "deep": {**SMS, "media": _nested(5000)},
    "long-id": {**SMS, "id": "S" * 5000},
    "customer-surrogate": {
        "type": "customer",
        "id": "u1",
        "phone": ALICE,
        "attributes": {"name": "\ud800"},
    },
    "customer-int": {"type": "customer", "id": "u1", "phone": ALICE, "attributes": {"n": 10**5000}},
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_event_is_rejected_and_nothing_changes(
    desk: HelpDesk, store: ConversationStore, name: str
) -> None:
    before = dump(store)
    outcome = desk.handle(HOSTILE[name])
    assert outcome.threading == "rejected", outcome
    assert outcome.reason
    json.dumps(outcome.to_dict())  # printable
    assert dump(store) == before


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["0001-01-01T00:00:00+01:00", ALICE, "inbound_sms", "customer", "\ud800"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(["type", "id", "at", "from", "to", "body", "media", "customer", "phone"])
TYPES = st.sampled_from(
    ["inbound_sms", "outbound_sms", "customer", "close_conversation", "start_conversation", "x"]
)
EVENTS = st.fixed_dictionaries({"type": TYPES}, optional={"id": JSONISH}).flatmap(
    lambda base: st.dictionaries(FIELDS, JSONISH, max_size=6).map(lambda extra: {**extra, **base})
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.one_of(EVENTS, st.dictionaries(st.text(max_size=5), JSONISH, max_size=5)))
def test_fuzzed_events_never_raise_and_a_rejection_changes_nothing(
    desk: HelpDesk, store: ConversationStore, event: dict[str, object]
) -> None:
    before = dump(store)
    outcome = desk.handle(event)
    json.dumps(outcome.to_dict())
    if outcome.threading == "rejected":
        assert dump(store) == before


LINES = {
    "not-utf8": json.dumps({**SMS, "body": "café"}, ensure_ascii=False)
    .encode()
    .replace(b"\xc3\xa9", b"\xe9"),
    "deep": (json.dumps(SMS)[:-1] + ', "media": ' + "[" * 100_000 + "]" * 100_000 + "}").encode(),
    "digits": (json.dumps(SMS)[:-1] + ', "body": ' + "9" * 5000 + "}").encode(),
    "surrogate": json.dumps({**SMS, "body": "\ud800"}).encode(),
    "time": json.dumps({**SMS, "at": "9999-12-31T23:59:59-10:00"}).encode(),
}


@pytest.mark.parametrize("name", LINES)
def test_simulate_reads_a_hostile_line_without_a_traceback(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(LINES[name] + b"\n" + json.dumps({**SMS, "id": "SM2"}).encode() + b"\n")
    code = main(["simulate", "--json", "--workflows", str(WORKFLOWS), str(events)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 1)
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1]["event"] == "SM2" and lines[-1]["threading"] == "new"
    assert len(err.strip().splitlines()) <= 2
