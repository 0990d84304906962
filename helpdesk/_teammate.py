"""A teammate starts an SMS conversation: continue the open one, or close it and start anew."""

from __future__ import annotations

from dataclasses import replace

from channels.sms import PhoneNumber
from rules_engine.model import TEAMMATE_STARTS

from ._errors import ConversationOpen
from ._models import StartConversation
from ._records import (
    Conversation,
    Customer,
    Decision,
    DecisionRecord,
    Note,
)
from ._result import (
    ChannelResult,
    make_events,
    message_map,
)
from ._steps import (
    outbound_message,
    sendable_customer,
    touch_customer,
)
from ._store import StoreTransaction


class ApplyTeammateStart:
    def __init__(
        self, tx: StoreTransaction, request: StartConversation, phone: PhoneNumber, body: str
    ) -> None:
        self.tx, self.request, self.phone, self.body = tx, request, phone, body

    def apply(self) -> ChannelResult:
        tx, request = self.tx, self.request
        customer = sendable_customer(tx, self.phone)
        current = tx.open_conversation(self.phone.e164)
        if current is not None and request.if_open is None:
            raise ConversationOpen(
                f"The customer {self.phone.e164} already has the open SMS conversation "
                f"{current.id}; choose whether to continue it or close it and start a new one.",
                conversation_id=current.id,
                field="if_open",
            )
        out_of_order = touch_customer(tx, customer, request.at)
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
            outbound_message(
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
