"""One inbound message on a text channel (`chat`, `email`), applied inside its
customer's transaction.

The same threading rules as SMS (`channels.decide_inbound`), per customer and per
channel, with the channel's windows: a customer may have an open SMS conversation and
an open chat conversation at once, never two open chat conversations.  Nothing is sent
proactively on these channels, so there is no outbound message to reply to and rule 1
never applies; there are no opt-out keywords and no segments.
"""

from __future__ import annotations

from dataclasses import replace

from channels import Channel, Identity, InboundContent, Plan, ThreadState, decide_inbound
from rules_engine.events import ConversationEvent
from rules_engine.model import ANY_MESSAGE, FIRST_MESSAGE, REOPENED

from ._models import InboundMessage
from ._records import Conversation, Customer, DecisionRecord, Message, customer_key
from ._result import ChannelResult, make_events, message_map
from ._steps import out_of_order_warning, touch_customer
from ._store import StoreTransaction


class ApplyMessage:
    """Applies one inbound text-channel message inside its customer's transaction."""

    def __init__(
        self,
        channel: Channel,
        tx: StoreTransaction,
        message: InboundMessage,
        identity: Identity,
        content: InboundContent,
    ) -> None:
        self.channel, self.tx, self.message = channel, tx, message
        self.identity, self.content = identity, content

    def apply(self) -> ChannelResult:
        tx, message = self.tx, self.message
        customer = self._customer()
        out_of_order = touch_customer(tx, customer, message.at)
        warnings = (out_of_order_warning(message.id),) if out_of_order else ()
        state = ThreadState(
            open=tx.open_conversation(customer.id, self.channel.name),
            last_closed=tx.last_closed_conversation(customer.id, self.channel.name),
        )
        plan = decide_inbound(state, message.at, self.channel.windows, self.channel.label)
        conversation = self._execute(customer, plan)
        tx.add_message(
            Message(
                provider_id=message.id,
                customer=customer.id,
                direction="inbound",
                body=message.body,
                at=message.at,
                conversation_id=conversation.id,
                segments=self.channel.reply_cost(message.body),
                out_of_order=out_of_order,
            )
        )
        reopened = conversation.id if plan.decision == "reopen" else None
        tx.log_decision(
            DecisionRecord(
                message.id,
                customer.id,
                message.at,
                plan.decision,
                plan.rule,
                plan.reason,
                conversation.id,
                (),
                reopened,
                out_of_order,
            )
        )
        return ChannelResult(
            decision=plan.decision,
            rule=plan.rule,
            reason=plan.reason,
            event_id=message.id,
            conversation_id=conversation.id,
            started_by=plan.started_by,
            reopened=reopened,
            warnings=warnings + self.content.warnings,
            events=self._events(plan, customer, conversation),
            out_of_order=out_of_order,
        )

    def _customer(self) -> Customer:
        channel, address = self.identity.channel, self.identity.address
        found = self.tx.customer_of(channel, address)
        if found is not None:
            return found
        return Customer(None, id=customer_key(channel, address), addresses={channel: address})

    def _execute(self, customer: Customer, plan: Plan[Conversation]) -> Conversation:
        if plan.started_by is not None:
            return self.tx.create_conversation(
                customer.id, plan.started_by, self.message.at, None, self.channel.name
            )
        assert plan.target is not None  # rules 2 and 3 always name their conversation
        if plan.decision != "reopen":
            return plan.target
        reopened = replace(plan.target, status="open", closed_at=None)
        self.tx.update_conversation(reopened)
        return reopened

    def _events(
        self, plan: Plan[Conversation], customer: Customer, conversation: Conversation
    ) -> tuple[ConversationEvent, ...]:
        first = (FIRST_MESSAGE,) if plan.decision == "new" else ()
        reopened = (REOPENED,) if plan.decision == "reopen" else ()
        body = self.message.body
        return make_events(
            (*first, *reopened, ANY_MESSAGE),
            event_id=self.message.id,
            at=self.message.at,
            customer=customer,
            conversation=conversation,
            message=message_map(body, (), self.channel.reply_cost(body)),
        )
