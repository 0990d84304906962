"""The store-backed adapter: validates input, threads it, stores it, emits events.

SMS has its own calls (`receive`, `send_outbound`, `start_conversation`...); a message
on another channel (`receive_message`) goes through that channel's adapter, looked up
by name in `channels.adapters`.  Every call that changes anything runs in one
`store.transaction(key)` (the key of the customer's identity, see `_store`); a call
that raises leaves the store exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime

from channels import Channel, ChannelConfig, ThreadingWindows, adapters
from channels.sms import (
    PhoneNumber,
    SmsSettings,
    check_outbound,
    parse_phone,
    receive_content,
    render_macro,
)

from ._errors import (
    ChannelError,
    ConversationNotFound,
    InvalidEvent,
)
from ._inbound import ApplyInbound
from ._message import ApplyMessage
from ._models import (
    ChannelCustomerUpdate,
    CloseConversation,
    InboundMessage,
    InboundSms,
    OutboundSms,
    StartConversation,
    parse_event,
    validate,
)
from ._records import (
    Conversation,
    ConversationView,
    Customer,
    DecisionRecord,
    Message,
    Note,
    customer_key,
)
from ._records import OutboundMarker as Marker
from ._result import ChannelResult
from ._retry import retried
from ._steps import (
    check_attribute,
    close_in,
    duplicate_result,
    get_conversation,
    new_customer,
    outbound_message,
    sendable_customer,
    sendable_record,
    short_code_refused,
    touch_customer,
)
from ._store import ConversationStore, StoreTransaction
from ._teammate import ApplyTeammateStart

BUILTIN_CUSTOMER = frozenset({"phone", "country", "opted_out"})
BUILTIN_CONVERSATION = frozenset({"id", "started_by", "tags", "assignee", "subject", "channel"})

RawEvent = Mapping[str, object]

# Runs inside the customer's transaction, after threading and before the commit, for
# every result that carries conversation events: the help desk decides on the events
# and applies the actions there, so the decision and its actions commit together.
EventHandler = Callable[[StoreTransaction, ChannelResult], ChannelResult]


class Inbox:
    """The channel adapters over a `ConversationStore`.

    The typed calls (`receive`, `receive_message`, `send_outbound`, ...) raise a
    `ChannelError` for bad input; `apply` takes any raw event and turns such an error
    into a `rejected` result instead.  `channels` defaults to every registered adapter,
    the SMS one with `settings` and the others with the same threading windows.
    """

    def __init__(
        self,
        store: ConversationStore,
        settings: SmsSettings | None = None,
        on_events: EventHandler | None = None,
        channels: Mapping[str, Channel] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or SmsSettings()
        self.on_events = on_events
        self.channels = channels if channels is not None else default_adapters(self.settings)

    def _handled(self, tx: StoreTransaction, result: ChannelResult) -> ChannelResult:
        if self.on_events is None or not result.events:
            return result
        return self.on_events(tx, result)

    # the event stream ----------------------------------------------------------------

    @retried
    def apply(self, raw: RawEvent) -> ChannelResult:
        """An event of the README's JSON Lines; bad input is a `rejected` result, not an error."""
        try:
            event = parse_event(raw)
            if isinstance(event, InboundSms):
                return self.receive(event)
            if isinstance(event, InboundMessage):
                return self.receive_message(event)
            if isinstance(event, OutboundSms):
                return self.send_outbound(event)
            if isinstance(event, StartConversation):
                return self.start_conversation(event)
            if isinstance(event, CloseConversation):
                return self.close_conversation(event)
            if isinstance(event, ChannelCustomerUpdate):
                customer = self.upsert_customer_on(event.channel, event.customer, event.attributes)
            else:
                customer = self.upsert_customer(event.phone, event.attributes)
            return ChannelResult(
                "customer",
                "customer_update",
                f"Customer {customer.phone or customer.id} saved.",
                event.id,
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
                return duplicate_result(sms.id, stored.conversation_id)
            return self._handled(tx, ApplyInbound(self.settings, tx, sms, phone, content).apply())

    @retried
    def receive_message(self, message: InboundMessage | RawEvent) -> ChannelResult:
        """Thread and store a message on a text channel (`chat`, `email`), once per id."""
        message = validate(InboundMessage, message)
        channel = self._text_channel(message.channel, message.id)
        identity = channel.identity(message.customer, field="customer", inbound=True)
        if not message.body.strip():
            raise InvalidEvent(
                f"The inbound_message event {message.id!r} has no body.", field="body"
            )
        content = channel.receive_content(message.body, ())
        with self.store.transaction(customer_key(identity.channel, identity.address)) as tx:
            stored = tx.message(message.id)
            if stored is not None:
                return duplicate_result(message.id, stored.conversation_id)
            applied = ApplyMessage(channel, tx, message, identity, content).apply()
            return self._handled(tx, applied)

    def _text_channel(self, name: str, event_id: str) -> Channel:
        channel = self.channels.get(name)
        if channel is None or name == "sms":
            others = ", ".join(n for n in self.channels if n != "sms")
            hint = "An SMS arrives as an inbound_sms event." if name == "sms" else None
            raise InvalidEvent(
                f"The inbound_message event {event_id!r}: the channel {name!r} is not one "
                f"of {others}.",
                field="channel",
                hint=hint,
            )
        return channel

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
                return duplicate_result(sms.id, stored.conversation_id)
            customer = sendable_customer(tx, phone)
            out_of_order = touch_customer(tx, customer, sms.at)
            tx.add_message(outbound_message(sms.id, phone, body, sms.at, None, out_of_order, True))
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
        """A teammate starts an SMS conversation (docs/channels.md, threading rules)."""
        request = validate(StartConversation, request)
        phone = self._recipient(request.to, "to")
        body, warnings = self._outbound_body(request.body, request.macro, request.media_types())
        with self.store.transaction(phone.e164) as tx:
            logged = tx.decision(request.id)
            if logged is not None:
                return duplicate_result(request.id, logged.conversation_id)
            result = self._handled(tx, ApplyTeammateStart(tx, request, phone, body).apply())
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
        """Send `body` in a conversation (an engine action or a teammate's reply).

        On a channel other than SMS the reply is stored as a `recorded` message: the help
        desk has no sender there."""
        channel = self.channels.get(self._conversation_of(conversation_id).channel)
        if channel is not None and channel.name != "sms":
            return self._record_reply(channel, conversation_id, id, at, body, automated)
        body, warnings = self._outbound_body(body, False, ())
        customer = self._customer_of(conversation_id)
        with self.store.transaction(customer) as tx:
            stored = tx.message(id)
            if stored is not None:
                return duplicate_result(id, stored.conversation_id)
            conversation = get_conversation(tx, conversation_id)
            record = sendable_record(tx, conversation.customer)
            phone = PhoneNumber(record.phone or record.id, record.country or "", record.short_code)
            if automated and phone.short_code:
                raise short_code_refused(phone.e164, "to")
            out_of_order = touch_customer(tx, record, at)
            tx.add_message(
                outbound_message(id, phone, body, at, conversation.id, out_of_order, automated)
            )
            reason = f"A reply in the conversation {conversation.id}."
            return _logged_reply(
                tx, id, record.id, at, reason, conversation.id, warnings, out_of_order
            )

    def _record_reply(
        self,
        channel: Channel,
        conversation_id: str,
        id: str,
        at: datetime,
        body: str,
        automated: bool,
    ) -> ChannelResult:
        warnings = channel.check_outbound(body)
        with self.store.transaction(self._customer_of(conversation_id)) as tx:
            stored = tx.message(id)
            if stored is not None:
                return duplicate_result(id, stored.conversation_id)
            conversation = get_conversation(tx, conversation_id)
            customer = tx.customer(conversation.customer)
            if customer is None:  # a conversation always has its customer
                raise ConversationNotFound(
                    f"The customer {conversation.customer} is not in the store.",
                    field="customer",
                )
            out_of_order = touch_customer(tx, customer, at)
            tx.add_message(
                Message(
                    provider_id=id,
                    customer=customer.id,
                    direction="outbound",
                    body=body,
                    at=at,
                    conversation_id=conversation.id,
                    segments=channel.reply_cost(body),
                    out_of_order=out_of_order,
                    automated=automated,
                    status="recorded",
                    status_at=at,
                )
            )
            reason = f"A reply in the {channel.label} conversation {conversation.id}, recorded."
            return _logged_reply(
                tx, id, customer.id, at, reason, conversation.id, warnings, out_of_order
            )

    # closing -------------------------------------------------------------------------

    @retried
    def close_conversation(self, request: CloseConversation | RawEvent) -> ChannelResult:
        """Close the customer's open conversation on the request's channel (SMS by default)."""
        request = validate(CloseConversation, request)
        if request.channel != "sms":
            return self._close_on(self.channels.get(request.channel), request)
        phone = parse_phone(
            request.customer, self.settings, field="customer", allow_short_code=True
        )
        with self.store.transaction(phone.e164) as tx:
            logged = tx.decision(request.id)
            if logged is not None:
                return duplicate_result(request.id, logged.conversation_id)
            conversation = tx.open_conversation(phone.e164)
            if conversation is None:
                raise ConversationNotFound(
                    f"The customer {phone.e164} has no open SMS conversation to close.",
                    field="customer",
                )
            return close_in(tx, conversation, request.at, request.id)

    def _close_on(self, channel: Channel | None, request: CloseConversation) -> ChannelResult:
        if channel is None:
            raise InvalidEvent(
                f"The close_conversation event {request.id!r}: the channel "
                f"{request.channel!r} is not one of {', '.join(self.channels)}.",
                field="channel",
            )
        identity = channel.identity(request.customer, field="customer")
        with self.store.transaction(customer_key(channel.name, identity.address)) as tx:
            logged = tx.decision(request.id)
            if logged is not None:
                return duplicate_result(request.id, logged.conversation_id)
            customer = tx.customer_of(channel.name, identity.address)
            conversation = None
            if customer is not None:
                conversation = tx.open_conversation(customer.id, channel.name)
            if conversation is None:
                raise ConversationNotFound(
                    f"The customer {identity.address} has no open {channel.label} "
                    "conversation to close.",
                    field="customer",
                )
            return close_in(tx, conversation, request.at, request.id, channel.label)

    @retried
    def close(
        self, conversation_id: str, at: datetime, *, event_id: str | None = None
    ) -> ChannelResult:
        """Close a conversation by id (closing a closed one changes nothing)."""
        with self.store.transaction(self._customer_of(conversation_id)) as tx:
            if event_id is not None and (logged := tx.decision(event_id)) is not None:
                return duplicate_result(event_id, logged.conversation_id)
            conversation = get_conversation(tx, conversation_id)
            if conversation.status == "closed":
                reason = f"The conversation {conversation_id} was already closed."
                return ChannelResult("closed", "close", reason, event_id, conversation_id)
            return close_in(tx, conversation, at, event_id, self._label(conversation.channel))

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
        check_attribute(name, value, BUILTIN_CONVERSATION, "conversation")
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
            get_conversation(tx, conversation_id)
            tx.add_note(note)
        return note

    def _change(
        self, conversation_id: str, change: Callable[[Conversation], Conversation]
    ) -> Conversation:
        with self.store.transaction(self._customer_of(conversation_id)) as tx:
            updated = change(get_conversation(tx, conversation_id))
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
            check_attribute(name, value, BUILTIN_CUSTOMER, "customer")
        with self.store.transaction(number.e164) as tx:
            current = tx.customer(number.e164) or new_customer(number)
            customer = replace(current, attributes={**current.attributes, **attributes})
            tx.save_customer(customer)
        return customer

    @retried
    def upsert_customer_on(
        self, channel: str, address: str, attributes: Mapping[str, object] | None = None
    ) -> Customer:
        """Create or update the customer known as `address` on a text channel."""
        adapter = self.channels.get(channel)
        if adapter is None or channel == "sms":
            raise InvalidEvent(
                f"The channel {channel!r} is not one of "
                f"{', '.join(n for n in self.channels if n != 'sms')}; an SMS customer is "
                "named by a phone.",
                field="channel",
            )
        identity = adapter.identity(address, field="customer")
        attributes = dict(attributes or {})
        for name, value in attributes.items():
            check_attribute(name, value, BUILTIN_CUSTOMER, "customer")
        key = customer_key(channel, identity.address)
        with self.store.transaction(key) as tx:
            current = tx.customer_of(channel, identity.address) or Customer(
                None, id=key, addresses={channel: identity.address}
            )
            customer = replace(current, attributes={**current.attributes, **attributes})
            tx.save_customer(customer)
        return customer

    @retried
    def set_opt_out(self, phone: str, opted_out: bool) -> Customer:
        """Opt a customer out (or back in) by hand, e.g. after "please stop texting me"."""
        number = parse_phone(phone, self.settings, field="phone", allow_short_code=True)
        with self.store.transaction(number.e164) as tx:
            customer = replace(
                tx.customer(number.e164) or new_customer(number), opted_out=opted_out
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
            conversation = get_conversation(tx, conversation_id)
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

    def _label(self, channel: str) -> str:
        adapter = self.channels.get(channel)
        return channel if adapter is None else adapter.label

    def _conversation_of(self, conversation_id: str) -> Conversation:
        with self.store.snapshot() as tx:
            return get_conversation(tx, conversation_id)

    def _customer_of(self, conversation_id: str) -> str:
        return self._conversation_of(conversation_id).customer

    def _recipient(self, raw: str, field: str) -> PhoneNumber:
        phone = parse_phone(raw, self.settings, field=field, allow_short_code=True)
        if phone.short_code:
            raise short_code_refused(phone.e164, field)
        return phone

    @staticmethod
    def _outbound_body(
        body: str, macro: bool, media: tuple[str, ...]
    ) -> tuple[str, tuple[str, ...]]:
        text = render_macro(body) if macro else body
        return text, check_outbound(text, media)


def default_adapters(settings: SmsSettings) -> Mapping[str, Channel]:
    """Every registered channel: SMS with `settings`, the others with its windows."""
    windows = ThreadingWindows(settings.reopen_window, settings.reply_window)
    return adapters(ChannelConfig(windows=windows, sms=settings))


def _logged_reply(
    tx: StoreTransaction,
    id: str,
    customer: str,
    at: datetime,
    reason: str,
    conversation_id: str,
    warnings: tuple[str, ...],
    out_of_order: bool,
) -> ChannelResult:
    """Log a reply in the decision log; its result."""
    tx.log_decision(DecisionRecord(id, customer, at, "append", "reply", reason, conversation_id))
    return ChannelResult(
        "append", "reply", reason, id, conversation_id, warnings=warnings, out_of_order=out_of_order
    )
