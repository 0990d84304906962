"""The SMS channel adapter: validates input, threads it, stores it, emits events.

Every call that changes anything runs in one `store.transaction(customer)`; a call
that raises leaves the store exactly as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from ._content import InboundContent, check_outbound, receive_content, render_macro
from ._errors import (
    ChannelError,
    ConversationNotFound,
    ConversationOpen,
    InvalidEvent,
    OptedOut,
    ShortCodeRefused,
)
from ._models import (
    CloseConversation,
    InboundSms,
    OutboundSms,
    StartConversation,
    parse_event,
    validate,
)
from ._optout import Keyword, keyword_of, reads_as_opt_out
from ._phone import PhoneNumber, label, parse_phone
from ._records import (
    Conversation,
    ConversationView,
    Customer,
    Decision,
    DecisionRecord,
    Message,
    Note,
)
from ._records import OutboundMarker as Marker
from ._result import (
    ANY_MESSAGE,
    FIRST_MESSAGE,
    REOPENED,
    TEAMMATE_STARTS,
    ChannelResult,
    OptOutChange,
    make_events,
    message_map,
)
from ._retry import retried
from ._segments import count_segments
from ._settings import ChannelSettings
from ._store import ConversationStore, StoreTransaction
from ._threading import Plan, ThreadState, decide_inbound

BUILTIN_CUSTOMER = frozenset({"phone", "country", "opted_out"})
BUILTIN_CONVERSATION = frozenset({"id", "started_by", "tags", "assignee", "subject", "channel"})

RawEvent = Mapping[str, object]

# Runs inside the customer's transaction, after threading and before the commit, for
# every result that carries conversation events: the help desk decides on the events
# and applies the actions there, so the decision and its actions commit together.
EventHandler = Callable[[StoreTransaction, ChannelResult], ChannelResult]


class SmsChannel:
    """The SMS channel adapter over a `ConversationStore`.

    The typed calls (`receive`, `send_outbound`, `start_conversation`, ...) raise a
    `ChannelError` for bad input; `apply` takes any raw event and turns such an error
    into a `rejected` result instead.
    """

    def __init__(
        self,
        store: ConversationStore,
        settings: ChannelSettings | None = None,
        on_events: EventHandler | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or ChannelSettings()
        self.on_events = on_events

    def _handled(self, tx: StoreTransaction, result: ChannelResult) -> ChannelResult:
        if self.on_events is None or not result.events:
            return result
        return self.on_events(tx, result)

    # the event stream ----------------------------------------------------------------

    @retried
    def apply(self, raw: RawEvent) -> ChannelResult:
        """Any SPEC section 5 event; bad input is a `rejected` result, never an exception."""
        try:
            event = parse_event(raw)
            if isinstance(event, InboundSms):
                return self.receive(event)
            if isinstance(event, OutboundSms):
                return self.send_outbound(event)
            if isinstance(event, StartConversation):
                return self.start_conversation(event)
            if isinstance(event, CloseConversation):
                return self.close_conversation(event)
            customer = self.upsert_customer(event.phone, event.attributes)
            return ChannelResult(
                "customer", "customer_update", f"Customer {customer.phone} saved.", event.id
            )
        except ChannelError as error:
            ident = raw.get("id") if isinstance(raw, Mapping) else None
            return ChannelResult(
                decision="rejected",
                rule=error.code,
                reason=error.format_message(),
                event_id=ident if isinstance(ident, str) else None,
                error=error,
            )

    # inbound -------------------------------------------------------------------------

    @retried
    def receive(self, sms: InboundSms | RawEvent) -> ChannelResult:
        """Thread and store an inbound SMS (rules 1 to 4), once per provider message id."""
        sms = validate(InboundSms, sms)
        phone = parse_phone(sms.from_, self.settings, field="from", allow_short_code=True)
        content = receive_content(sms.body, sms.media_types())
        if not sms.body.strip() and not sms.media:
            raise InvalidEvent(
                f"The inbound_sms event {sms.id!r} has neither a body nor media.", field="body"
            )
        with self.store.transaction(phone.e164) as tx:
            stored = tx.message(sms.id)
            if stored is not None:
                return _duplicate(sms.id, stored.conversation_id)
            return self._handled(tx, _Inbound(self.settings, tx, sms, phone, content).apply())

    # outbound ------------------------------------------------------------------------

    @retried
    def send_outbound(self, sms: OutboundSms | RawEvent) -> ChannelResult:
        """Record a proactive SMS; it opens no conversation, but a reply to it will."""
        sms = validate(OutboundSms, sms)
        phone = self._recipient(sms.to, "to")
        body, warnings = self._outbound_body(sms.body, sms.macro, sms.media_types())
        with self.store.transaction(phone.e164) as tx:
            stored = tx.message(sms.id)
            if stored is not None:
                return _duplicate(sms.id, stored.conversation_id)
            customer = _sendable(tx, phone)
            out_of_order = _touch(tx, customer, sms.at)
            tx.add_message(_outbound(sms.id, phone, body, sms.at, None, out_of_order, True))
            tx.add_outbound(Marker(sms.id, phone.e164, sms.at))
            reason = "An outbound message: recorded; it opens no conversation."
            tx.log_decision(
                DecisionRecord(
                    sms.id,
                    phone.e164,
                    sms.at,
                    "outbound",
                    "outbound_message",
                    reason,
                    out_of_order=out_of_order,
                )
            )
        return ChannelResult(
            "outbound",
            "outbound_message",
            reason,
            sms.id,
            warnings=warnings,
            out_of_order=out_of_order,
        )

    @retried
    def start_conversation(self, request: StartConversation | RawEvent) -> ChannelResult:
        """A teammate starts an SMS conversation (SPEC section 2)."""
        request = validate(StartConversation, request)
        phone = self._recipient(request.to, "to")
        body, warnings = self._outbound_body(request.body, request.macro, request.media_types())
        with self.store.transaction(phone.e164) as tx:
            logged = tx.decision(request.id)
            if logged is not None:
                return _duplicate(request.id, logged.conversation_id)
            result = self._handled(tx, _TeammateStart(tx, request, phone, body).apply())
        return replace(result, warnings=warnings)

    @retried
    def reply(
        self,
        conversation_id: str,
        *,
        id: str,
        at: datetime,
        body: str,
        automated: bool = True,
    ) -> ChannelResult:
        """Send `body` in a conversation (an engine action or a teammate's reply)."""
        body, warnings = self._outbound_body(body, False, ())
        customer = self._customer_of(conversation_id)
        with self.store.transaction(customer) as tx:
            stored = tx.message(id)
            if stored is not None:
                return _duplicate(id, stored.conversation_id)
            conversation = _conversation(tx, conversation_id)
            record = _sendable_record(tx, conversation.customer)
            if automated and record.short_code:
                raise _short_code_refused(record.phone, "to")
            out_of_order = _touch(tx, record, at)
            phone = PhoneNumber(record.phone, record.country, record.short_code)
            tx.add_message(_outbound(id, phone, body, at, conversation.id, out_of_order, automated))
            reason = f"A reply in the conversation {conversation.id}."
            tx.log_decision(
                DecisionRecord(id, record.phone, at, "append", "reply", reason, conversation.id)
            )
        return ChannelResult(
            "append",
            "reply",
            reason,
            id,
            conversation.id,
            warnings=warnings,
            out_of_order=out_of_order,
        )

    # closing -------------------------------------------------------------------------

    @retried
    def close_conversation(self, request: CloseConversation | RawEvent) -> ChannelResult:
        """Close the customer's open SMS conversation."""
        request = validate(CloseConversation, request)
        phone = parse_phone(
            request.customer, self.settings, field="customer", allow_short_code=True
        )
        with self.store.transaction(phone.e164) as tx:
            logged = tx.decision(request.id)
            if logged is not None:
                return _duplicate(request.id, logged.conversation_id)
            conversation = tx.open_conversation(phone.e164)
            if conversation is None:
                raise ConversationNotFound(
                    f"The customer {phone.e164} has no open SMS conversation to close.",
                    field="customer",
                )
            return _close(tx, conversation, request.at, request.id)

    @retried
    def close(
        self, conversation_id: str, at: datetime, *, event_id: str | None = None
    ) -> ChannelResult:
        """Close a conversation by id (closing a closed one changes nothing)."""
        with self.store.transaction(self._customer_of(conversation_id)) as tx:
            if event_id is not None and (logged := tx.decision(event_id)) is not None:
                return _duplicate(event_id, logged.conversation_id)
            conversation = _conversation(tx, conversation_id)
            if conversation.status == "closed":
                reason = f"The conversation {conversation_id} was already closed."
                return ChannelResult("closed", "close", reason, event_id, conversation_id)
            return _close(tx, conversation, at, event_id)

    # conversation changes (engine actions) -------------------------------------------

    @retried
    def assign(self, conversation_id: str, assignee: str | None) -> Conversation:
        """Assign the conversation to a team or teammate inbox (None unassigns)."""
        return self._change(conversation_id, lambda c: replace(c, assignee=assignee or None))

    @retried
    def tag(self, conversation_id: str, *tags: str) -> Conversation:
        """Add tags (kept once each, in the order first added)."""
        for tag in tags:
            if not tag.strip():
                raise InvalidEvent("A tag cannot be empty.", field="tags")
        return self._change(
            conversation_id, lambda c: replace(c, tags=tuple(dict.fromkeys((*c.tags, *tags))))
        )

    @retried
    def set_attribute(self, conversation_id: str, name: str, value: object) -> Conversation:
        """Set a custom conversation attribute (JSON value; not a built-in name)."""
        _check_attribute(name, value, BUILTIN_CONVERSATION, "conversation")
        return self._change(
            conversation_id, lambda c: replace(c, attributes={**c.attributes, name: value})
        )

    @retried
    def add_note(
        self, conversation_id: str, body: str, *, at: datetime, author: str = "system"
    ) -> Note:
        """Add a note for teammates (never sent to the customer)."""
        if not body.strip():
            raise InvalidEvent("A note's body cannot be empty.", field="body")
        note = Note(conversation_id, body, at, author)
        with self.store.transaction(self._customer_of(conversation_id)) as tx:
            _conversation(tx, conversation_id)
            tx.add_note(note)
        return note

    def _change(
        self, conversation_id: str, change: Callable[[Conversation], Conversation]
    ) -> Conversation:
        with self.store.transaction(self._customer_of(conversation_id)) as tx:
            updated = change(_conversation(tx, conversation_id))
            tx.update_conversation(updated)
        return updated

    # customers -----------------------------------------------------------------------

    @retried
    def upsert_customer(
        self, phone: str, attributes: Mapping[str, object] | None = None
    ) -> Customer:
        """Create or update a customer; the given attributes replace those keys."""
        number = parse_phone(phone, self.settings, field="phone", allow_short_code=True)
        attributes = dict(attributes or {})
        for name, value in attributes.items():
            _check_attribute(name, value, BUILTIN_CUSTOMER, "customer")
        with self.store.transaction(number.e164) as tx:
            current = tx.customer(number.e164) or _new_customer(number)
            customer = replace(current, attributes={**current.attributes, **attributes})
            tx.save_customer(customer)
        return customer

    @retried
    def set_opt_out(self, phone: str, opted_out: bool) -> Customer:
        """Opt a customer out (or back in) by hand, e.g. after "please stop texting me"."""
        number = parse_phone(phone, self.settings, field="phone", allow_short_code=True)
        with self.store.transaction(number.e164) as tx:
            customer = replace(
                tx.customer(number.e164) or _new_customer(number), opted_out=opted_out
            )
            tx.save_customer(customer)
        return customer

    # reading -------------------------------------------------------------------------

    def customer(self, phone: str) -> Customer | None:
        number = parse_phone(phone, self.settings, field="phone", allow_short_code=True)
        with self.store.snapshot() as tx:
            return tx.customer(number.e164)

    def conversation(self, conversation_id: str) -> ConversationView:
        """A conversation with its messages, notes and decision log."""
        with self.store.snapshot() as tx:
            conversation = _conversation(tx, conversation_id)
            return ConversationView(
                conversation,
                tx.messages(conversation_id),
                tx.notes(conversation_id),
                tx.decisions(conversation_id),
                tx.runs(conversation_id),
            )

    def open_conversation(self, phone: str) -> Conversation | None:
        number = parse_phone(phone, self.settings, field="phone", allow_short_code=True)
        with self.store.snapshot() as tx:
            return tx.open_conversation(number.e164)

    # helpers -------------------------------------------------------------------------

    def _customer_of(self, conversation_id: str) -> str:
        with self.store.snapshot() as tx:
            return _conversation(tx, conversation_id).customer

    def _recipient(self, raw: str, field: str) -> PhoneNumber:
        phone = parse_phone(raw, self.settings, field=field, allow_short_code=True)
        if phone.short_code:
            raise _short_code_refused(phone.e164, field)
        return phone

    @staticmethod
    def _outbound_body(
        body: str, macro: bool, media: tuple[str, ...]
    ) -> tuple[str, tuple[str, ...]]:
        text = render_macro(body) if macro else body
        return text, check_outbound(text, media)


# one inbound SMS -----------------------------------------------------------------------


class _Inbound:
    """Applies one inbound SMS inside its customer's transaction."""

    def __init__(
        self,
        settings: ChannelSettings,
        tx: StoreTransaction,
        sms: InboundSms,
        phone: PhoneNumber,
        content: InboundContent,
    ) -> None:
        self.settings, self.tx, self.sms, self.phone, self.content = (
            settings,
            tx,
            sms,
            phone,
            content,
        )
        self.notes: list[str] = list(content.notes)
        self.warnings: list[str] = list(content.warnings)

    def apply(self) -> ChannelResult:
        sms, tx = self.sms, self.tx
        customer = tx.customer(self.phone.e164) or _new_customer(self.phone)
        keyword = keyword_of(sms.body)
        customer, opt_out = self._opt_out(customer, keyword)
        out_of_order = _touch(tx, customer, sms.at)
        if out_of_order:
            self.warnings.append(_out_of_order_warning(sms.id))
        plan = decide_inbound(self._state(), sms.at, self.settings)
        conversation, closed = self._execute(plan)
        tx.answer_outbound(self.phone.e164, sms.at, sms.id)
        self._store_message(conversation, out_of_order)
        self._add_notes(conversation, keyword)
        tx.log_decision(
            DecisionRecord(
                sms.id,
                self.phone.e164,
                sms.at,
                plan.decision,
                plan.rule,
                plan.reason,
                conversation.id,
                closed,
                conversation.id if plan.decision == "reopen" else None,
                out_of_order,
            )
        )
        return self._result(plan, customer, conversation, closed, out_of_order, opt_out, keyword)

    def _state(self) -> ThreadState:
        customer = self.phone.e164
        return ThreadState(
            open=self.tx.open_conversation(customer),
            last_closed=self.tx.last_closed_conversation(customer),
            pending_outbound=self.tx.pending_outbound(customer, self.sms.at),
        )

    def _opt_out(
        self, customer: Customer, keyword: Keyword | None
    ) -> tuple[Customer, OptOutChange | None]:
        if keyword == "opt_out":
            return replace(customer, opted_out=True), "opted_out"
        if keyword == "opt_in":
            return replace(customer, opted_out=False), "opted_in"
        return customer, None

    def _execute(self, plan: Plan) -> tuple[Conversation, tuple[str, ...]]:
        tx, at = self.tx, self.sms.at
        closed: tuple[str, ...] = ()
        if plan.close is not None:
            tx.update_conversation(replace(plan.close, status="closed", closed_at=at))
            closed = (plan.close.id,)
        if plan.started_by is not None:
            return tx.create_conversation(self.phone.e164, plan.started_by, at, None), closed
        assert plan.target is not None  # rules 2 and 3 always name their conversation
        if plan.decision == "reopen":
            reopened = replace(plan.target, status="open", closed_at=None)
            tx.update_conversation(reopened)
            return reopened, closed
        return plan.target, closed

    def _store_message(self, conversation: Conversation, out_of_order: bool) -> None:
        sms, content = self.sms, self.content
        self.tx.add_message(
            Message(
                provider_id=sms.id,
                customer=self.phone.e164,
                direction="inbound",
                body=sms.body,
                at=sms.at,
                conversation_id=conversation.id,
                media_types=content.media_types,
                attachments=content.attachments,
                segments=count_segments(sms.body).segments,
                out_of_order=out_of_order,
            )
        )

    def _add_notes(self, conversation: Conversation, keyword: Keyword | None) -> None:
        word = self.sms.body.strip()
        if keyword == "opt_out":
            self.notes.append(
                f"The customer texted {word!r} and is opted out: nothing will be sent to them "
                "until they text START."
            )
        elif keyword == "opt_in":
            self.notes.append(f"The customer texted {word!r} and is opted back in.")
        elif reads_as_opt_out(self.sms.body):
            self.notes.append(
                "The customer's message reads like a request to stop texting them; they were "
                "not opted out automatically. Opt them out if that is what they asked."
            )
        if self.phone.short_code:
            self.warnings.append(
                f"The sender {self.phone.e164} is a short code: never reply to it automatically."
            )
        for note in self.notes:
            self.tx.add_note(Note(conversation.id, note, self.sms.at))

    def _result(
        self,
        plan: Plan,
        customer: Customer,
        conversation: Conversation,
        closed: tuple[str, ...],
        out_of_order: bool,
        opt_out: OptOutChange | None,
        keyword: Keyword | None,
    ) -> ChannelResult:
        allowed = not (customer.opted_out or self.phone.short_code)
        first = (FIRST_MESSAGE,) if plan.decision == "new" else ()
        reopened = (REOPENED,) if plan.decision == "reopen" else ()
        events = make_events(
            (*first, *reopened, ANY_MESSAGE),
            event_id=self.sms.id,
            at=self.sms.at,
            customer=customer,
            conversation=conversation,
            message=message_map(self.sms.body, self.content.media_types),
        )
        return ChannelResult(
            decision=plan.decision,
            rule=plan.rule,
            reason=plan.reason,
            event_id=self.sms.id,
            conversation_id=conversation.id,
            started_by=plan.started_by,
            closed=closed,
            reopened=conversation.id if plan.decision == "reopen" else None,
            warnings=tuple(self.warnings),
            notes=tuple(self.notes),
            events=events,
            out_of_order=out_of_order,
            opt_out=opt_out,
            reply=self.settings.help_text if keyword == "help" and allowed else None,
            auto_reply_allowed=allowed,
        )


# a teammate's start ------------------------------------------------------------------


class _TeammateStart:
    def __init__(
        self, tx: StoreTransaction, request: StartConversation, phone: PhoneNumber, body: str
    ) -> None:
        self.tx, self.request, self.phone, self.body = tx, request, phone, body

    def apply(self) -> ChannelResult:
        tx, request = self.tx, self.request
        customer = _sendable(tx, self.phone)
        current = tx.open_conversation(self.phone.e164)
        if current is not None and request.if_open is None:
            raise ConversationOpen(
                f"The customer {self.phone.e164} already has the open SMS conversation "
                f"{current.id}; choose whether to continue it or close it and start a new one.",
                conversation_id=current.id,
                field="if_open",
            )
        out_of_order = _touch(tx, customer, request.at)
        if current is not None and request.if_open == "continue":
            return self._continue(customer, current, out_of_order)
        return self._start(customer, current, out_of_order)

    def _continue(
        self, customer: Customer, current: Conversation, out_of_order: bool
    ) -> ChannelResult:
        reason = f"The teammate continued the open SMS conversation {current.id}."
        self._store(current, "append", "teammate_continue", reason, (), out_of_order)
        return ChannelResult(
            "append",
            "teammate_continue",
            reason,
            self.request.id,
            current.id,
            out_of_order=out_of_order,
        )

    def _start(
        self, customer: Customer, current: Conversation | None, out_of_order: bool
    ) -> ChannelResult:
        tx, request = self.tx, self.request
        closed: tuple[str, ...] = ()
        if current is not None:
            tx.update_conversation(replace(current, status="closed", closed_at=request.at))
            closed = (current.id,)
        conversation = tx.create_conversation(
            self.phone.e164, "teammate", request.at, request.subject
        )
        notes = self._link_notes(current, conversation)
        rule = "teammate_close_and_start_new" if current else "teammate_start"
        reason = f"A teammate started the SMS conversation {conversation.id}" + (
            f" and closed {current.id}." if current else "."
        )
        self._store(conversation, "new", rule, reason, closed, out_of_order)
        events = make_events(
            (TEAMMATE_STARTS,),
            event_id=request.id,
            at=request.at,
            customer=customer,
            conversation=conversation,
            message=message_map(self.body, ()),
        )
        return ChannelResult(
            "new",
            rule,
            reason,
            request.id,
            conversation.id,
            "teammate",
            closed,
            notes=notes,
            events=events,
            out_of_order=out_of_order,
        )

    def _link_notes(
        self, current: Conversation | None, conversation: Conversation
    ) -> tuple[str, ...]:
        if current is None:
            return ()
        at, author = self.request.at, self.request.teammate or "system"
        new_note = f"Started after closing the SMS conversation {current.id}."
        old_note = f"Closed when a teammate started the SMS conversation {conversation.id}."
        self.tx.add_note(Note(conversation.id, new_note, at, author))
        self.tx.add_note(Note(current.id, old_note, at, author))
        return (new_note, old_note)

    def _store(
        self,
        conversation: Conversation,
        decision: Decision,
        rule: str,
        reason: str,
        closed: tuple[str, ...],
        out_of_order: bool,
    ) -> None:
        request = self.request
        self.tx.add_message(
            _outbound(
                request.id, self.phone, self.body, request.at, conversation.id, out_of_order, False
            )
        )
        self.tx.log_decision(
            DecisionRecord(
                request.id,
                self.phone.e164,
                request.at,
                decision,
                rule,
                reason,
                conversation.id,
                closed,
                None,
                out_of_order,
            )
        )


# small shared steps --------------------------------------------------------------------


def _new_customer(phone: PhoneNumber) -> Customer:
    return Customer(phone=phone.e164, country=phone.country, short_code=phone.short_code)


def _touch(tx: StoreTransaction, customer: Customer, at: datetime) -> bool:
    """Save the customer with its latest event time; True when `at` is out of order."""
    last = customer.last_event_at
    out_of_order = last is not None and at < last
    latest = at if last is None or at > last else last
    tx.save_customer(replace(customer, last_event_at=latest))
    return out_of_order


def _out_of_order_warning(event_id: str) -> str:
    return (
        f"The message {event_id} is older than the customer's last applied event: "
        "applied in arrival order, and flagged."
    )


def _sendable(tx: StoreTransaction, phone: PhoneNumber) -> Customer:
    customer = tx.customer(phone.e164) or _new_customer(phone)
    if customer.opted_out:
        raise _opted_out(phone.e164)
    return customer


def _sendable_record(tx: StoreTransaction, phone: str) -> Customer:
    customer = tx.customer(phone)
    if customer is None:  # a conversation always has its customer
        raise ConversationNotFound(f"The customer {phone} is not in the store.", field="customer")
    if customer.opted_out:
        raise _opted_out(phone)
    return customer


def _opted_out(phone: str) -> OptedOut:
    return OptedOut(
        f"The customer {phone} has opted out of SMS; nothing can be sent to them.",
        field="to",
        hint="They can opt back in by texting START.",
    )


def _short_code_refused(phone: str, field: str) -> ShortCodeRefused:
    return ShortCodeRefused(
        f"The {label(field)} {phone} is a short code; the help desk never texts short codes "
        "automatically.",
        field=field,
    )


def _outbound(
    provider_id: str,
    phone: PhoneNumber,
    body: str,
    at: datetime,
    conversation_id: str | None,
    out_of_order: bool,
    automated: bool,
) -> Message:
    return Message(
        provider_id=provider_id,
        customer=phone.e164,
        direction="outbound",
        body=body,
        at=at,
        conversation_id=conversation_id,
        segments=count_segments(body).segments,
        out_of_order=out_of_order,
        automated=automated,
    )


def _conversation(tx: StoreTransaction, conversation_id: str) -> Conversation:
    conversation = tx.conversation(conversation_id)
    if conversation is None:
        raise ConversationNotFound(
            f"The conversation {conversation_id!r} does not exist.", field="conversation_id"
        )
    return conversation


def _close(
    tx: StoreTransaction, conversation: Conversation, at: datetime, event_id: str | None
) -> ChannelResult:
    tx.update_conversation(replace(conversation, status="closed", closed_at=at))
    reason = f"The SMS conversation {conversation.id} was closed."
    tx.log_decision(
        DecisionRecord(
            event_id,
            conversation.customer,
            at,
            "closed",
            "close",
            reason,
            conversation.id,
            (conversation.id,),
        )
    )
    return ChannelResult(
        "closed", "close", reason, event_id, conversation.id, closed=(conversation.id,)
    )


def _duplicate(event_id: str, conversation_id: str | None) -> ChannelResult:
    return ChannelResult(
        decision="duplicate",
        rule="duplicate",
        reason=f"The event {event_id} was already applied; nothing changed.",
        event_id=event_id,
        conversation_id=conversation_id,
    )


def _check_attribute(name: str, value: object, builtin: frozenset[str], scope: str) -> None:
    if not name or not isinstance(name, str):
        raise InvalidEvent(f"A {scope} attribute needs a non-empty name.", field="attributes")
    if name in builtin:
        raise InvalidEvent(
            f"The {scope} attribute {name!r} is built in and cannot be set.",
            field=f"attributes.{name}",
        )
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        raise InvalidEvent(
            f"The {scope} attribute {name!r} is not a JSON value ({type(value).__name__}).",
            field=f"attributes.{name}",
        ) from None
