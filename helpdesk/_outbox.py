"""The outbox: every committed reply is sent, once, whatever crashes in between.

A workflow's reply is stored as a `queued` message in the customer's transaction and
sent after the commit: claimed (`sending`, with the claim's time in `status_at`), handed
to the sender, then marked `sent` (or `failed` when the provider refuses it).  A crash
between those steps would strand the message: the provider's retry of the inbound
webhook is a duplicate and sends nothing.  So every worker also runs `send_due` when it
starts and every few seconds: it sends what is still `queued`, and what was claimed
longer ago than the lease and never confirmed (the claiming worker died).

A retried message goes to the sender with the same `reference` (its stable id, e.g.
`SM1/customer_sends_first_message/0`): the sender passes it to the provider as an
idempotency key, so the customer is texted once even when the first attempt reached the
provider before the crash.  The lease must be longer than a send can take (the sender's
own timeout), or two workers could send the same message at the same time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ._errors import ChannelError
from ._records import Message
from ._senders import Sender
from ._store import ConversationStore, StoreTransaction

# A claim older than this, never confirmed, is taken to be from a dead worker.
LEASE = timedelta(seconds=60)
# How often `serve` looks for replies to send, in seconds.
INTERVAL = 5.0
BATCH = 100

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Sent:
    """One send attempt: the message's id, its segments and the status it ended in."""

    id: str
    segments: int
    status: str


class Outbox:
    """Claims queued replies and sends them; safe on any number of workers."""

    def __init__(
        self,
        store: ConversationStore,
        sender: Sender,
        *,
        lease: timedelta = LEASE,
        clock: Clock = _now,
    ) -> None:
        self.store = store
        self.sender = sender
        self.lease = lease
        self.clock = clock

    def send_due(self, limit: int = BATCH) -> tuple[Sent, ...]:
        """Send queued replies, and replies whose claim expired; what each became."""
        with self.store.snapshot() as view:
            due = view.due_outbound(self.clock() - self.lease, limit)
        return tuple(self.send(message) for message in due if self.claim(message))

    def claim(self, due: Message) -> bool:
        """Move a due message to `sending`, stamped now; only one worker wins it."""
        with self.store.transaction(due.customer) as tx:
            message = tx.message(due.provider_id)
            if message is None or not self._is_due(message):
                return False
            tx.set_message_status(message.provider_id, "sending", self.clock())
        return True

    def _is_due(self, message: Message) -> bool:
        if message.status == "queued":
            return True
        expired = self.clock() - self.lease
        claimed = message.status_at
        return message.status == "sending" and (claimed is None or claimed < expired)

    def send(self, message: Message) -> Sent:
        """Send one claimed message and record what the provider said.

        A `ChannelError` (the provider refused it) marks it `failed`; any other error
        (a timeout, a lost connection) leaves it claimed, to be retried after the lease.
        """
        try:
            sid = self.sender.send(message.customer, message.body, reference=message.provider_id)
            status, sent_sid = "sent", sid
        except ChannelError:
            status, sent_sid = "failed", None
        with _unwaited(self.store, message.customer) as tx:
            current = tx.message(message.provider_id)
            if current is not None and current.status == "sending":
                tx.set_message_status(message.provider_id, status, message.at, sent_sid)
        return Sent(message.provider_id, message.segments, status)


def _unwaited(store: ConversationStore, customer: str) -> AbstractContextManager[StoreTransaction]:
    """The transaction that records a send: its COMMIT need not be waited for, since a
    crash before it only leaves the reply claimed, to be sent again with the same key."""
    unwaited = getattr(store, "unwaited_transaction", None)  # `UnwaitedStore`
    return store.transaction(customer) if unwaited is None else unwaited(customer)
