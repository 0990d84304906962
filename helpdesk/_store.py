"""The store interface: what the adapter needs from a database, whichever it is.

Each threading decision runs in one `store.transaction(key)`: a transaction that
holds that key's lock from the first read to the commit (SQLite: `BEGIN IMMEDIATE`;
PostgreSQL: a transaction-scoped advisory lock on the key).  The key is the identity
the event names, as `customer_key(channel, address)` spells it (the E.164 number for
SMS, `chat:user-42` otherwise), which is also the id of the customer made from it:
the lock is known before anything is read, and since a customer has one identity per
channel, everything one (customer, channel) thread does is serialised by it.  Callers
only see these two protocols, so a PostgreSQL store can replace the SQLite one.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, runtime_checkable

from ._records import (
    Conversation,
    Customer,
    DecisionRecord,
    Message,
    Note,
    OutboundMarker,
    RunRecord,
    StartedBy,
)


class StoreTransaction(Protocol):
    """Reads and writes inside one transaction."""

    def customer(self, customer_id: str) -> Customer | None: ...

    def customer_of(self, channel: str, address: str) -> Customer | None:
        """The customer whose identity on `channel` is `address`."""
        ...

    def save_customer(self, customer: Customer) -> None: ...

    def message(self, provider_id: str) -> Message | None: ...

    def decision(self, event_id: str) -> DecisionRecord | None: ...

    def conversation(self, conversation_id: str) -> Conversation | None: ...

    def open_conversation(self, customer: str, channel: str = "sms") -> Conversation | None: ...

    def last_closed_conversation(
        self, customer: str, channel: str = "sms"
    ) -> Conversation | None: ...

    def pending_outbound(self, customer: str, at: datetime) -> OutboundMarker | None:
        """The latest unanswered outbound marker sent at or before `at`."""
        ...

    def answer_outbound(self, customer: str, at: datetime, provider_id: str) -> None:
        """Mark every unanswered marker sent at or before `at` as answered."""
        ...

    def create_conversation(
        self,
        customer: str,
        started_by: StartedBy,
        at: datetime,
        subject: str | None,
        channel: str = "sms",
    ) -> Conversation: ...

    def update_conversation(self, conversation: Conversation) -> None: ...

    def add_message(self, message: Message) -> None: ...

    def add_note(self, note: Note) -> None: ...

    def add_outbound(self, marker: OutboundMarker) -> None: ...

    def log_decision(self, record: DecisionRecord) -> None: ...

    def messages(self, conversation_id: str) -> tuple[Message, ...]: ...

    def notes(self, conversation_id: str) -> tuple[Note, ...]: ...

    def decisions(self, conversation_id: str) -> tuple[DecisionRecord, ...]: ...

    def log_run(self, record: RunRecord) -> None:
        """Keep a workflow run; one per (event id, trigger)."""
        ...

    def runs(self, conversation_id: str) -> tuple[RunRecord, ...]: ...

    def event_runs(self, event_id: str) -> tuple[RunRecord, ...]: ...

    def message_by_sid(self, sid: str) -> Message | None:
        """A message by the provider's id: its `provider_id` or its `sent_sid`."""
        ...

    def set_message_status(
        self, provider_id: str, status: str, at: datetime, sent_sid: str | None = None
    ) -> None:
        """Record a delivery status (and the provider's id once it is known)."""
        ...

    def due_outbound(self, claimed_before: datetime, limit: int) -> tuple[Message, ...]:
        """Queued replies, and replies claimed before `claimed_before` and not confirmed."""
        ...


class ConversationStore(Protocol):
    """A database of customers, conversations, messages, notes and decisions."""

    def transaction(self, customer: str) -> AbstractContextManager[StoreTransaction]:
        """One atomic unit of work for `customer`, serialised against every other."""
        ...

    def snapshot(self) -> AbstractContextManager[StoreTransaction]:
        """A read-only view (no lock); writing through it is an error."""
        ...

    def is_retryable(self, error: BaseException) -> bool:
        """Whether `error` is a conflict that running the whole call again may resolve."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class UnwaitedStore(Protocol):
    """A store that can commit a transaction without its caller waiting for the disk
    (SQLite: a member of the next group commit; PostgreSQL: `synchronous_commit` off)."""

    def unwaited_transaction(self, customer: str) -> AbstractContextManager[StoreTransaction]:
        """Like `transaction`, but the block may return before its COMMIT is durable."""
        ...
