"""One inbound SMS, applied inside its customer's transaction: threading rules 1 to 4."""

from __future__ import annotations

from dataclasses import replace

from channels import InboundContent, Keyword, Plan, ThreadState, decide_inbound
from channels.sms import PhoneNumber, SmsSettings, count_segments, keyword_of, reads_as_opt_out
from rules_engine.model import ANY_MESSAGE, FIRST_MESSAGE, REOPENED

from ._models import InboundSms
from ._records import (
    Conversation,
    Customer,
    DecisionRecord,
    Message,
    Note,
)
from ._result import (
    ChannelResult,
    OptOutChange,
    make_events,
    message_map,
)
from ._steps import (
    new_customer,
    out_of_order_warning,
    touch_customer,
)
from ._store import StoreTransaction


class ApplyInbound:
    """Applies one inbound SMS inside its customer's transaction."""

    def __init__(
        self,
        settings: SmsSettings,
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
        customer = tx.customer(self.phone.e164) or new_customer(self.phone)
        keyword = keyword_of(sms.body)
        customer, opt_out = self._opt_out(customer, keyword)
        out_of_order = touch_customer(tx, customer, sms.at)
        if out_of_order:
            self.warnings.append(out_of_order_warning(sms.id))
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

    def _state(self) -> ThreadState[Conversation]:
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

    def _execute(self, plan: Plan[Conversation]) -> tuple[Conversation, tuple[str, ...]]:
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
        plan: Plan[Conversation],
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
