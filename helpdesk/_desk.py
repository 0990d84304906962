"""The help desk: provider → channel adapter → engine → actions → store, in one place.

`HelpDesk` runs each event through the `Inbox` and the event's channel adapter.  For
the conversation events the adapter produces, it asks the engine which workflow runs
and applies the actions, all inside the customer's transaction, so the threading
decision, the workflow runs and their effects commit together (or not at all).  SMS
replies are stored as queued outbound messages and sent once the transaction has
committed (replies on chat and email are stored as `recorded`: there is no sender for
them here); the decision log keeps the threading decision, its rule, and each
workflow's path, verdicts and actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path

from channels import Channel, channel_config
from channels.sms import SmsSettings
from rules_engine.engine import Engine
from rules_engine.errors import WorkflowError
from rules_engine.events import ConversationEvent, Run
from rules_engine.semantics import normalise_attributes
from rules_engine.workspace import Workspace

from ._actions import AppliedRun, QueuedReply, apply_run, queue_reply
from ._errors import ChannelError, ConversationOpen, InvalidEvent
from ._guard import event_problem, store_refusal, text_problem
from ._inbox import Inbox
from ._models import TeammateStatus, validate
from ._outbox import Outbox
from ._records import Conversation, ConversationView, Customer, Message, Note, RunRecord
from ._result import ChannelResult, conversation_map, customer_map
from ._senders import RecordingSender, Sender
from ._store import ConversationStore, StoreTransaction
from ._workload import Assignment, WorkloadStore, handling, read_log, team_in

# Delivery statuses in the order a message goes through them; the last group is final.
_STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
}
FINAL_STATUSES = frozenset(s for s, rank in _STATUS_RANK.items() if rank == 4)
# Where each kind of event names its customer.
_CUSTOMER_FIELDS = ("from", "to", "customer", "phone")


@dataclass(frozen=True)
class ConversationState:
    status: str
    assignee: str | None
    tags: tuple[str, ...]
    team: str | None = None  # the team inbox it is in (its assignee may be a member)

    def to_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "assignee": self.assignee,
            "team": self.team,
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class SentReply:
    """An SMS the help desk sent for an event (a workflow's reply, the HELP text)."""

    id: str
    segments: int
    status: str

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "segments": self.segments, "status": self.status}


@dataclass(frozen=True)
class Outcome:
    """What one event did: the threading decision, the workflows that ran, the state after."""

    event: str | None
    type: str
    conversation: str | None
    threading: str | None
    started_by: str | None
    closed: tuple[str, ...]
    reason: str | None
    workflows: tuple[Run, ...]
    state: ConversationState | None
    customer: str | None
    opted_out: bool | None
    warnings: tuple[str, ...] = ()
    rule: str | None = None
    replies: tuple[SentReply, ...] = ()
    channel: str = "sms"  # the channel of `customer`, their address there
    customer_id: str | None = None
    assignments: tuple[Assignment, ...] = ()  # what the event did to team inboxes, and why

    def to_dict(self) -> dict[str, object]:
        customer: dict[str, object] | None = None
        if self.customer is not None and self.channel == "sms":
            customer = {"phone": self.customer, "opted_out": bool(self.opted_out)}
        elif self.customer is not None:
            customer = {"id": self.customer_id, "channel": self.channel, "address": self.customer}
        return {
            "event": self.event,
            "type": self.type,
            "conversation": self.conversation,
            "threading": self.threading,
            "rule": self.rule,
            "started_by": self.started_by,
            "closed": list(self.closed),
            "reason": self.reason,
            "workflows": [run.to_dict() for run in self.workflows],
            "state": None if self.state is None else self.state.to_dict(),
            "customer": customer,
            "warnings": list(self.warnings),
            "replies": [reply.to_dict() for reply in self.replies],
            "assignments": [item.to_dict() for item in self.assignments],
        }


def settings_of(workspace: Workspace) -> SmsSettings:
    """The SMS adapter's settings from the workspace file (defaults where a value is bad:
    `validate` reports those)."""
    return channel_config(workspace).sms


class HelpDesk:
    """A help desk: workflows, a store, the channel adapters and an SMS sender.

    >>> desk = HelpDesk.open("workflows", database="helpdesk.db")      # doctest: +SKIP
    >>> desk.handle({"type": "inbound_sms", "id": "SM1", "at": "2026-01-05T10:00:00Z",
    ...              "from": "+14155550101", "body": "hi"}).threading  # doctest: +SKIP
    'new'
    """

    def __init__(
        self,
        engine: Engine,
        store: ConversationStore,
        *,
        settings: SmsSettings | None = None,
        sender: Sender | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.sender: Sender = sender if sender is not None else RecordingSender()
        # Assignment within teams happens in the inbox's transactions (docs/workload.md).
        self.workload = WorkloadStore(store, engine.workspace)
        self.outbox = Outbox(store, self.sender)
        self.inbox = Inbox(
            self.workload, settings or settings_of(engine.workspace), on_events=self._run_workflows
        )
        self.channels: Mapping[str, Channel] = self.inbox.channels

    @classmethod
    def open(
        cls,
        workflows: str | Path | Sequence[str | Path] = "workflows",
        *,
        database: str | None = None,
        workspace: str | Path | None = None,
        executor: str | None = None,
        sender: Sender | None = None,
    ) -> HelpDesk:
        """Load and compile the workflows (`ValidationError` if they have errors) and
        open the store (`database`: a path, `sqlite:///path`, `postgresql://...`, or
        the `DATABASE_URL` environment variable)."""
        from ._open import open_store
        from ._project import desk_engine

        paths = [workflows] if isinstance(workflows, str | Path) else list(workflows)
        engine, config = desk_engine(paths, workspace, executor)
        desk = cls(engine, open_store(database), settings=config.sms, sender=sender)
        desk.workload.rebalance()  # a limit raised or a member added since the last run
        return desk

    # events ----------------------------------------------------------------------------

    def handle(self, event: Mapping[str, object]) -> Outcome:
        """An event of the README's JSON Lines; bad input is a `rejected` outcome, not an error."""
        problem = event_problem(event)
        if problem is not None:
            return _refused(event, f"The event cannot be read: {problem}.")
        kind = str(event.get("type", ""))
        if kind == "teammate_status":
            return self._teammate_status(event)
        if kind == "customer":
            refusal = self._customer_attribute_problem(event)
            if refusal is not None:
                return self._outcome(event, _rejected(event, refusal))
        ident = event.get("id")
        ident = ident if isinstance(ident, str) else None
        try:
            with handling(ident, _time_of(event)):
                result = self.inbox.apply(event)
        except Exception as error:  # rolled back: nothing was stored
            refusal = store_refusal(self.store, error)
            if refusal is None:
                raise  # StoreBusy, an unreachable database: the caller answers 503
            return _refused(event, f"The event was not stored: {refusal}.")
        replies = self._send_queued(result)
        fresh = ident is not None and result.decision not in ("duplicate", "rejected")
        outcome = self._outcome(event, result, ident if fresh else None)
        return replace(outcome, replies=replies)

    def teammate_status(self, teammate: str, status: str, at: datetime) -> Outcome:
        """A teammate becomes `away` (keeps their conversations, gets no new ones) or
        `active` (and takes waiting conversations at once)."""
        return self.handle(
            {"type": "teammate_status", "teammate": teammate, "status": status, "at": at}
        )

    def _teammate_status(self, event: Mapping[str, object]) -> Outcome:
        try:
            status = validate(TeammateStatus, event)
        except ChannelError as error:
            return self._outcome(event, _rejected(event, error.format_message(), "teammate"))
        self.workload.set_status(status.teammate, status.status == "away", status.at, status.id)
        assignments = self.workload.log(event_id=status.id) if status.id is not None else ()
        return Outcome(
            event=status.id,
            type="teammate_status",
            conversation=None,
            threading=None,
            started_by=None,
            closed=(),
            reason=f"{status.teammate} is {status.status}.",
            workflows=(),
            state=None,
            customer=None,
            opted_out=None,
            rule="teammate_status",
            assignments=assignments,
        )

    def receive_sms(self, sms: Mapping[str, object]) -> Outcome:
        """An inbound SMS (`id`, `at`, `from`, `to`, `body`, `media`)."""
        return self.handle({**sms, "type": "inbound_sms"})

    def receive_message(self, message: Mapping[str, object]) -> Outcome:
        """A message on a text channel (`id`, `at`, `channel`, `customer`, `body`)."""
        return self.handle({**message, "type": "inbound_message"})

    def start_conversation(self, request: Mapping[str, object]) -> Outcome:
        """A teammate starts an SMS conversation (`to`, `body`, `subject`, `if_open`)."""
        return self.handle({**request, "type": "start_conversation"})

    def close_conversation(self, request: Mapping[str, object]) -> Outcome:
        """Close a customer's open SMS conversation (`customer`, `at`, `id`)."""
        return self.handle({**request, "type": "close_conversation"})

    def conversation(self, conversation_id: str) -> ConversationView:
        """A conversation with its messages, notes, decision log and workflow runs."""
        return self.inbox.conversation(conversation_id)

    def message_status(self, sid: str, status: str, at: datetime) -> bool:
        """A delivery status callback; False when it is unknown, stale or after a final one.

        Callbacks arrive out of order: a status never moves back, and nothing moves a
        message on from delivered, undelivered or failed.
        """
        rank = _STATUS_RANK.get(status)
        with self.store.snapshot() as view:
            message = view.message_by_sid(sid)
        if rank is None or message is None:
            return False
        with self.store.transaction(message.customer) as tx:
            current = tx.message(message.provider_id)
            if current is None or not _moves_on(current.status, status):
                return False
            tx.set_message_status(current.provider_id, status, at)
        return True

    def close(self) -> None:
        self.store.close()
        self.engine.close()

    def __enter__(self) -> HelpDesk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # inside the customer's transaction -----------------------------------------------

    def _run_workflows(self, tx: StoreTransaction, result: ChannelResult) -> ChannelResult:
        claimed_at = self.outbox.clock()
        runs: list[Run] = []
        queued: list[Message] = []
        for event in result.events:
            ran = self._run_one(tx, event, claimed_at)
            if ran is not None:
                runs.append(ran[0])
                queued += (r.claimed for r in ran[1].replies if r.claimed is not None)
        conversation = tx.conversation(result.conversation_id or "")
        if result.reply is not None and conversation is not None:  # HELP: the help text
            reference = f"{result.event_id}/help"
            help_reply = queue_reply(
                tx, conversation, result.reply, result.events[0].at, reference, None, claimed_at
            )
            if isinstance(help_reply, QueuedReply) and help_reply.claimed is not None:
                queued.append(help_reply.claimed)
        # The outcome's state is read after the commit: the workload step (team
        # assignment) runs just before it, so only then is the assignee final.
        return _handled(result, tuple(runs), tuple(queued))

    def _run_one(
        self, tx: StoreTransaction, event: ConversationEvent, claimed_at: datetime
    ) -> tuple[Run, AppliedRun] | None:
        conversation = tx.conversation(str(event.conversation["id"]))
        customer = tx.customer(conversation.customer) if conversation else None
        if conversation is None or customer is None:
            return None
        fresh = replace(
            event, customer=customer_map(customer), conversation=conversation_map(conversation)
        )
        try:
            run = self.engine.decide(fresh)
        except WorkflowError as error:
            text = f"No workflow ran for {event.trigger}: {error}"
            tx.add_note(Note(conversation.id, text, event.at, "help desk"))
            return None
        if run is None:
            return None
        reference = f"{event.id}/{event.trigger}"
        channel = self.channels.get(event.channel)
        applied = apply_run(tx, conversation, run, event.at, reference, channel, claimed_at)
        tx.log_run(
            RunRecord(
                str(event.id), conversation.id, event.at, run.trigger, run.workflow, run.to_dict()
            )
        )
        return run, applied

    # after the commit ------------------------------------------------------------------

    def _send_queued(self, result: ChannelResult) -> tuple[SentReply, ...]:
        """Send the replies the workflows queued, claimed in the event's transaction (any
        left from an earlier crash are the outbox sweep's, `send_due`)."""
        if not isinstance(result, _Handled):
            return ()
        sent = (self.outbox.send(message) for message in result.queued)
        return tuple(SentReply(s.id, s.segments, s.status) for s in sent)

    def send_due(self) -> tuple[SentReply, ...]:
        """Send every reply still queued, or claimed by a worker that died (`_outbox`)."""
        sent = self.outbox.send_due()
        return tuple(SentReply(s.id, s.segments, s.status) for s in sent)

    # outcomes --------------------------------------------------------------------------

    def _outcome(
        self, event: Mapping[str, object], result: ChannelResult, logged: str | None = None
    ) -> Outcome:
        """The outcome; with `logged`, the assignments that event id caused."""
        kind = str(event.get("type", ""))
        conversation_id = result.conversation_id
        if isinstance(result.error, ConversationOpen):
            conversation_id = result.error.conversation_id
        state, customer, assignments = self._state_after(conversation_id, event, logged)
        channel = str(event.get("channel") or "sms")  # only chat and email events name one
        threading = None if result.decision == "customer" else result.decision
        return Outcome(
            event=result.event_id,
            type=kind,
            conversation=conversation_id,
            threading=threading,
            started_by=result.started_by,
            closed=result.closed,
            reason=result.reason if result.decision in ("rejected", "duplicate") else None,
            workflows=result.runs,
            state=state,
            customer=None if customer is None else customer.address(channel),
            opted_out=None if customer is None else customer.opted_out,
            warnings=result.warnings,
            rule=result.rule,
            channel=channel,
            customer_id=None if customer is None else customer.id,
            assignments=assignments,
        )

    def _customer_in(self, view: StoreTransaction, event: Mapping[str, object]) -> Customer | None:
        """The customer an event names, if the address is a valid one and known."""
        raw = next((event[k] for k in _CUSTOMER_FIELDS if isinstance(event.get(k), str)), None)
        channel = self.channels.get(str(event.get("channel", "sms")))
        if raw is None or channel is None:
            return None
        try:
            identity = channel.identity(str(raw), field="customer", inbound=True)
        except ChannelError:
            return None
        return view.customer_of(identity.channel, identity.address)

    def _state_after(
        self, conversation_id: str | None, event: Mapping[str, object], logged: str | None
    ) -> tuple[ConversationState | None, Customer | None, tuple[Assignment, ...]]:
        with self.store.snapshot() as view:
            conversation = view.conversation(conversation_id) if conversation_id else None
            if conversation is not None:
                customer = view.customer(conversation.customer)
            else:
                customer = self._customer_in(view, event)
            team = team_in(view, conversation.id) if conversation else None
            assignments = read_log(view, event_id=logged) if logged is not None else ()
        return (_state(conversation, team) if conversation else None), customer, assignments

    def _customer_attribute_problem(self, event: Mapping[str, object]) -> str | None:
        """A customer attribute the workspace declares with another type."""
        attributes = event.get("attributes")
        if not isinstance(attributes, Mapping):
            return None
        scoped = {f"customer.{name}": value for name, value in attributes.items()}
        try:
            normalise_attributes(self.engine.workspace, scoped)
        except WorkflowError as error:
            return f"The customer event has a bad attribute: {error}."
        return None


def _state(conversation: Conversation, team: str | None = None) -> ConversationState:
    return ConversationState(conversation.status, conversation.assignee, conversation.tags, team)


def _time_of(event: Mapping[str, object]) -> datetime | None:
    at = event.get("at")
    if isinstance(at, datetime):
        return at
    try:
        return datetime.fromisoformat(str(at)) if isinstance(at, str) else None
    except ValueError:
        return None


def _moves_on(current: str | None, new: str) -> bool:
    if current in FINAL_STATUSES:
        return False
    return _STATUS_RANK[new] > _STATUS_RANK.get(current or "", -1)


def _refused(event: object, reason: str) -> Outcome:
    """A `rejected` outcome for an event too broken to read or store (`_guard`)."""
    ident = event.get("id") if isinstance(event, Mapping) else None
    kind = event.get("type") if isinstance(event, Mapping) else None
    return Outcome(
        event=ident if isinstance(ident, str) and text_problem(ident, "") is None else None,
        type=kind if isinstance(kind, str) and text_problem(kind, "") is None else "",
        conversation=None,
        threading="rejected",
        started_by=None,
        closed=(),
        reason=reason,
        workflows=(),
        state=None,
        customer=None,
        opted_out=None,
    )


def _rejected(event: Mapping[str, object], reason: str, field: str = "attributes") -> ChannelResult:
    ident = event.get("id")
    error = InvalidEvent(reason, field=field)
    return ChannelResult(
        "rejected",
        error.code,
        reason,
        ident if isinstance(ident, str) else None,
        error=error,
    )


@dataclass(frozen=True)
class _Handled(ChannelResult):
    """A result the workflows ran on, with the replies the help desk claimed inside its
    transaction."""

    queued: tuple[Message, ...] = ()


def _handled(
    result: ChannelResult,
    runs: tuple[Run, ...],
    queued: tuple[Message, ...],
) -> _Handled:
    values = {f.name: getattr(result, f.name) for f in fields(ChannelResult)}
    values["runs"] = runs
    return _Handled(**values, queued=queued)
