"""The outbox: a reply committed but not sent (a crash) is sent later, exactly once."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpdesk import ConversationStore, HelpDesk
from helpdesk._errors import SendFailed
from helpdesk._outbox import Outbox
from rules_engine.engine import Engine

WORKFLOWS = Path(__file__).parents[2] / "workflows"
CUSTOMER = "+14155550101"


class Provider:
    """A provider that honours the idempotency key: one text per reference."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.texted: dict[str, int] = {}
        self.crash_after_send = False
        self.crash_before_send = False

    def send(self, to: str, body: str, *, reference: str) -> str:
        self.calls.append(reference)
        if self.crash_before_send:
            raise RuntimeError("the worker died before the provider answered")
        self.texted.setdefault(reference, 0)
        self.texted[reference] += 1 if self.texted[reference] == 0 else 0
        if self.crash_after_send:
            raise RuntimeError("the worker died after the provider accepted")
        return f"SMX{reference}"


def _first_message(desk: HelpDesk) -> None:
    desk.handle(
        {"type": "customer", "id": "u", "phone": CUSTOMER, "attributes": {"plan": "enterprise"}}
    )
    event = {"type": "inbound_sms", "id": "SM1", "at": "2026-01-05T10:00:00Z", "from": CUSTOMER}
    desk.handle({**event, "to": "+14155550100", "body": "where is my refund?"})


def _statuses(store: ConversationStore) -> list[str]:
    with store.snapshot() as view:
        return [m.status or "" for m in view.messages("C1") if m.direction == "outbound"]


def test_a_reply_claimed_by_a_dead_worker_is_sent_after_the_lease(store: ConversationStore) -> None:
    provider = Provider()
    provider.crash_after_send = True
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), store, sender=provider)
    try:
        with suppress(RuntimeError):
            _first_message(desk)
        assert _statuses(store) == ["sending"]
        # Another worker, before the lease expires: nothing to do.
        assert desk.send_due() == ()
        provider.crash_after_send = False
        later = datetime.now(UTC) + timedelta(minutes=2)
        sent = Outbox(store, provider, clock=lambda: later).send_due()
        assert [s.status for s in sent] == ["sent"]
        assert _statuses(store) == ["sent"]
        # The retry went with the same key, so the customer was texted once.
        assert len(provider.calls) == 2 and len(set(provider.calls)) == 1
        assert list(provider.texted.values()) == [1]
        assert Outbox(store, provider, clock=lambda: later).send_due() == ()
    finally:
        desk.close()


def test_a_reply_left_queued_is_sent_by_the_next_sweep(store: ConversationStore) -> None:
    provider = Provider()
    provider.crash_before_send = True
    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), store, sender=provider)
    try:
        with suppress(RuntimeError):
            _first_message(desk)
        provider.crash_before_send = False
        with store.snapshot() as view:
            (reply,) = [m for m in view.messages("C1") if m.direction == "outbound"]
        with store.transaction(CUSTOMER) as tx:  # as if the crash came before the claim
            tx.set_message_status(reply.provider_id, "queued", datetime.now(UTC))
        queued = _statuses(store)
        assert queued == ["queued"], queued
        assert [s.status for s in desk.send_due()] == ["sent"]
        assert desk.send_due() == ()
        assert list(provider.texted.values()) == [1]
    finally:
        desk.close()


def test_a_refused_reply_is_failed_and_not_retried(store: ConversationStore) -> None:
    class Refusing:
        calls = 0

        def send(self, to: str, body: str, *, reference: str) -> str:
            Refusing.calls += 1
            raise SendFailed("refused")

    desk = HelpDesk(Engine.from_paths([WORKFLOWS]), store, sender=Refusing())
    try:
        _first_message(desk)
        assert _statuses(store) == ["failed"]
        assert desk.send_due() == () and Refusing.calls == 1
    finally:
        desk.close()
