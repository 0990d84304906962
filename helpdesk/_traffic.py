"""Realistic SMS traffic for the demo and the benchmarks, as JSON Lines events (README.md).

A seeded generator: the same seed gives the same events.  Customers with attributes
(plans, seats, VIP flags, sign-up dates, labels) write first messages and follow-ups;
teammates close conversations and start new ones (continuing or closing the open one,
and sometimes forgetting to choose); campaigns go out and some customers answer them;
customers send STOP, START and HELP, images and videos; the provider delivers some
webhooks twice; some numbers are invalid or in countries where SMS is not enabled.
A tenth as many customers again write by email and by chat (`inbound_message`), with
follow-ups, closes and messages that reopen a closed conversation; they are generated
after the SMS traffic with a random generator of their own, so a seed gives the same
SMS events as before they existed.  Teammates of the example teams go away at the end
of their shift and come back at its start (`teammate_status`), so that conversations
wait in team inboxes overnight.  Events come out in arrival order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import phonenumbers

HELP_DESK_NUMBER = "+14155550100"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

PLANS = ("free", "free", "free", "pro", "pro", "premium", "enterprise")
LABELS = ("churn-risk", "beta", "partner", "newsletter")
FIRST_NAMES = ("Ana", "Ben", "Chloé", "Dmitri", "Eun-ji", "Farah", "Gus", "Hana", "Iñigo")
FIRST_MESSAGES = (
    "Hi, I need a refund for my last invoice",
    "Where is my order #{order}?",
    "order {order} hasn't arrived",
    "How do I reset my password?",
    "Can I add more seats to our plan?",
    "The app crashes when I open settings 😕",
    "Hello! Quick question about billing",
    "Is there an outage right now?",
)
FOLLOW_UPS = ("Any update?", "thanks", "ok", "Still waiting…", "Here is a screenshot", "👍")
LONG_TEXT = (
    "Hi team, I have been trying to get this sorted for a while now and I wanted to give "
    "you the full picture: the order arrived damaged, the replacement never shipped, and "
    "the support page keeps sending me in circles. Could someone please call me back or "
    "text me with a clear next step? I would really appreciate it, thank you so much."
)
CAMPAIGN = "Acme: your plan renews next week. Reply to this message with any questions."
REGIONS = ("US",) * 8 + ("CA",) * 2 + ("GB",)
INVALID_NUMBERS = ("+1555", "+1 415 555", "not-a-number", "+99912345")
DISABLED_COUNTRY_NUMBERS = ("+4930901820", "+33142685300", "+61291920000")
# The shifts (UTC hours, active from..until) of the members of the example teams.
SHIFTS = {"dan": (7, 16), "erin": (12, 21), "hugo": (9, 18), "gina": (8, 17), "ivan": (13, 22)}


@dataclass
class _Customer:
    phone: str
    attributes: dict[str, object]
    open: bool = False
    last_at: datetime = START


@dataclass
class _Traffic:
    rng: random.Random
    events: list[tuple[datetime, int, dict[str, object]]] = field(default_factory=list)
    counter: int = 0

    def add(self, at: datetime, event: dict[str, object]) -> None:
        self.counter += 1
        event = {"at": at.isoformat().replace("+00:00", "Z"), **event}
        if event["type"] == "customer":
            del event["at"]
        self.events.append((at, self.counter, event))

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:07d}"


def generate(customers: int = 2000, seed: int = 7, days: int = 21) -> list[dict[str, object]]:
    """The events, in arrival order."""
    rng = random.Random(seed)
    traffic = _Traffic(rng)
    people = [_new_customer(rng, index) for index in range(customers)]
    for person in people:
        traffic.add(START - timedelta(days=1), _customer_event(traffic, person))
        _story(traffic, person, days)
    _campaign(traffic, people, START + timedelta(days=days // 3))
    _bad_numbers(traffic, max(5, customers // 100), days)
    _text_channels(traffic, random.Random(seed + 1), max(2, customers // 10), days)
    _shifts(traffic, days)
    ordered = sorted(traffic.events, key=lambda item: (item[0], item[1]))
    return _with_duplicates(rng, [event for _, _, event in ordered])


def _new_customer(rng: random.Random, index: int) -> _Customer:
    phone = _phone(rng, rng.choice(REGIONS))
    attributes: dict[str, object] = {
        "plan": rng.choice(PLANS),
        "seats": rng.choice((1, 3, 8, 12, 25, 60, 120)),
        "vip": rng.random() < 0.1,
        "signed_up_at": (START - timedelta(days=rng.randint(1, 400))).isoformat(),
        "labels": rng.sample(LABELS, rng.randint(0, 2)),
    }
    if rng.random() < 0.8:
        attributes["name"] = f"{rng.choice(FIRST_NAMES)} {index}"
    if rng.random() < 0.6:
        attributes["email"] = f"customer{index}@example.com"
    return _Customer(phone, attributes)


def _phone(rng: random.Random, region: str) -> str:
    """A valid mobile-looking number of `region`, in E.164."""
    code = phonenumbers.country_code_for_region(region)
    while True:
        digits = {"US": "2", "CA": "4", "GB": "7"}[region] + "".join(
            rng.choice("0123456789") for _ in range(9)
        )
        number = phonenumbers.parse(f"+{code}{digits}")
        if (
            phonenumbers.is_valid_number(number)
            and phonenumbers.region_code_for_number(number) == region
        ):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _customer_event(traffic: _Traffic, person: _Customer) -> dict[str, object]:
    return {
        "type": "customer",
        "id": traffic.next_id("U"),
        "phone": person.phone,
        "attributes": person.attributes,
    }


def _story(traffic: _Traffic, person: _Customer, days: int) -> None:
    """A customer's conversations over the period: a few threads, with what happens in them."""
    rng = traffic.rng
    at = START + timedelta(minutes=rng.randint(0, days * 24 * 60 // 2))
    for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):
        at = _thread(traffic, person, at)
        at += timedelta(hours=rng.choice((2, 30, 80, 100, 150, 300)))


def _thread(traffic: _Traffic, person: _Customer, at: datetime) -> datetime:
    rng = traffic.rng
    roll = rng.random()
    if roll < 0.08:
        return _teammate_start(traffic, person, at)
    traffic.add(at, _inbound(traffic, person, _first_body(rng)))
    for _ in range(rng.choice((0, 1, 1, 2))):
        at += timedelta(minutes=rng.randint(1, 90))
        traffic.add(at, _inbound(traffic, person, *_follow_up(rng)))
    if roll > 0.9:
        at += timedelta(minutes=5)
        traffic.add(at, _inbound(traffic, person, rng.choice(("STOP", "stop", "HELP", "START"))))
    if rng.random() < 0.75:
        at += timedelta(hours=rng.randint(1, 20))
        traffic.add(at, _close(traffic, person))
    return at


def _first_body(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return LONG_TEXT
    return rng.choice(FIRST_MESSAGES).format(order=rng.randint(10000, 99999))


def _follow_up(rng: random.Random) -> tuple[str, list[dict[str, str]]]:
    roll = rng.random()
    if roll < 0.06:
        return "Here is a photo", [_media("image/jpeg")]
    if roll < 0.09:
        return "video of the problem", [_media("video/mp4")]
    return rng.choice(FOLLOW_UPS), []


def _media(content_type: str) -> dict[str, str]:
    extension = content_type.split("/")[1]
    return {"url": f"https://media.example.com/m.{extension}", "content_type": content_type}


def _inbound(
    traffic: _Traffic, person: _Customer, body: str, media: list[dict[str, str]] | None = None
) -> dict[str, object]:
    return {
        "type": "inbound_sms",
        "id": traffic.next_id("SM"),
        "from": person.phone,
        "to": HELP_DESK_NUMBER,
        "body": body,
        "media": media or [],
    }


def _close(traffic: _Traffic, person: _Customer) -> dict[str, object]:
    return {"type": "close_conversation", "id": traffic.next_id("CL"), "customer": person.phone}


def _teammate_start(traffic: _Traffic, person: _Customer, at: datetime) -> datetime:
    """A customer writes, then a teammate starts a new conversation while it is open."""
    rng = traffic.rng
    traffic.add(at, _inbound(traffic, person, _first_body(rng)))
    at += timedelta(minutes=rng.randint(5, 60))
    choice = rng.choice(("continue", "close_and_start_new", None))
    start: dict[str, object] = {
        "type": "start_conversation",
        "id": traffic.next_id("ST"),
        "to": person.phone,
        "subject": "Follow-up on your request",
        "body": "Hi, this is Acme Support following up on your message.",
    }
    if choice is not None:
        start["if_open"] = choice
    traffic.add(at, start)
    return at


def _campaign(traffic: _Traffic, people: list[_Customer], at: datetime) -> None:
    """An outbound campaign to a third of the customers; some of them answer it."""
    rng = traffic.rng
    for person in people[::3]:
        sent = at + timedelta(seconds=rng.randint(0, 600))
        outbound: dict[str, object] = {
            "type": "outbound_sms",
            "id": traffic.next_id("SMO"),
            "to": person.phone,
            "body": CAMPAIGN,
        }
        traffic.add(sent, outbound)
        if rng.random() < 0.3:
            reply_at = sent + timedelta(hours=rng.choice((1, 5, 30, 100, 200)))
            traffic.add(reply_at, _inbound(traffic, person, "Yes, tell me more about the renewal"))


def _bad_numbers(traffic: _Traffic, count: int, days: int) -> None:
    rng = traffic.rng
    for index in range(count):
        at = START + timedelta(minutes=rng.randint(0, days * 24 * 60))
        numbers = INVALID_NUMBERS if index % 2 else DISABLED_COUNTRY_NUMBERS
        event: dict[str, object] = {
            "type": "inbound_sms",
            "id": traffic.next_id("SM"),
            "from": rng.choice(numbers),
            "to": HELP_DESK_NUMBER,
            "body": "hello?",
            "media": [],
        }
        traffic.add(at, event)


def _text_channels(traffic: _Traffic, rng: random.Random, count: int, days: int) -> None:
    """Customers who write by email or chat: a VIP flag for some, then their threads."""
    for index in range(count):
        channel = "email" if index % 2 == 0 else "chat"
        address = f"client{index}@example.org" if channel == "email" else f"user-{index}"
        attributes: dict[str, object] = {"plan": rng.choice(PLANS), "vip": rng.random() < 0.2}
        if rng.random() < 0.8:
            attributes["name"] = f"{rng.choice(FIRST_NAMES)} {index}"
        customer: dict[str, object] = {
            "type": "customer",
            "id": traffic.next_id("U"),
            "channel": channel,
            "customer": address,
            "attributes": attributes,
        }
        traffic.add(START - timedelta(days=1), customer)
        at = START + timedelta(minutes=rng.randint(0, days * 24 * 60 // 2))
        for _ in range(rng.choice((1, 1, 2))):
            at = _text_thread(traffic, rng, channel, address, at)
            at += timedelta(hours=rng.choice((20, 60, 200)))  # within 5 days: reopened


def _text_thread(
    traffic: _Traffic, rng: random.Random, channel: str, address: str, at: datetime
) -> datetime:
    bodies = [_first_body(rng)] + [rng.choice(FOLLOW_UPS) for _ in range(rng.choice((0, 1, 2)))]
    for body in bodies:
        message: dict[str, object] = {
            "type": "inbound_message",
            "id": traffic.next_id("EM" if channel == "email" else "CH"),
            "channel": channel,
            "customer": address,
            "body": body,
        }
        traffic.add(at, message)
        at += timedelta(minutes=rng.randint(1, 90))
    if rng.random() < 0.8:
        close: dict[str, object] = {
            "type": "close_conversation",
            "id": traffic.next_id("CL"),
            "channel": channel,
            "customer": address,
        }
        traffic.add(at, close)
    return at


def _shifts(traffic: _Traffic, days: int) -> None:
    """Each teammate is active from the start of their shift to its end, every day."""
    for day in range(days + 1):
        for teammate, (start, end) in SHIFTS.items():
            for hour, status in ((start, "active"), (end, "away")):
                at = START.replace(hour=0) + timedelta(days=day, hours=hour)
                ident = traffic.next_id("TS")
                event = {"type": "teammate_status", "id": ident, "teammate": teammate}
                traffic.add(at, {**event, "status": status})


def _with_duplicates(
    rng: random.Random, events: list[dict[str, object]]
) -> list[dict[str, object]]:
    """The provider delivers about 2 % of inbound webhooks twice."""
    delivered: list[dict[str, object]] = []
    for event in events:
        delivered.append(event)
        if event["type"] == "inbound_sms" and rng.random() < 0.02:
            delivered.append(dict(event))
    return delivered
