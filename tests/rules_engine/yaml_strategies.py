"""Hypothesis strategies for whole projects as YAML text, and events as JSON.

`strategies.py` builds workflows in memory with small conditions; these reach the
edges instead: conditions nested 20 to 35 deep, branch rows of 10 to 14 tests (text
`in` lists and `equals`, past durable_rules' expression limit), many workflows, many
steps (a ladder of branch steps has up to 128 paths, past the native executor's
generated code), number literals written as YAML reads them (big and tiny numbers,
integers of 400 digits, `.inf`, `-.inf`), timestamps at the ends of the range, and
events shaped as JSON (lists, ISO 8601 strings, big and tiny numbers).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from rules_engine._yaml_limits import MAX_DIGITS

TRIGGERS = ("customer_sends_first_message", "conversation_reopened")
CHANNELS = ("sms", "email", "chat")
PLANS = ("free", "pro", "Pro", "ß", "SS")
WIDE = tuple(f"customer.t{k}" for k in range(10))  # text attributes for wide rows

ATTRIBUTES: dict[str, Any] = {
    "customer.plan": {"type": "enum", "values": list(PLANS)},
    "customer.name": "string",
    "customer.seats": "number",
    "customer.vip": "boolean",
    "customer.labels": "list",
    "conversation.score": "number",
    "conversation.due": "timestamp",
    **{name: "string" for name in WIDE},
}
TYPES = {
    name: (kind if isinstance(kind, str) else kind["type"]) for name, kind in ATTRIBUTES.items()
}
TYPES.update(
    {
        "message.body": "string",
        "message.segments": "number",
        "message.has_media": "boolean",
        "conversation.tags": "list",
        "customer.country": "string",
    }
)
OPERATORS = {
    "string": ("equals", "not_equals", "in", "not_in", "contains", "starts_with", "matches"),
    "enum": ("equals", "not_equals", "in", "not_in"),
    "number": ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"),
    "boolean": ("equals", "not_equals"),
    "list": ("contains", "in", "not_in"),
    "timestamp": ("equals", "not_equals", "gt", "gte", "lt", "lte"),
}

TEXTS = (
    "pro", "Pro", "ß", "SS", "straße", "STRASSE", "İ", "i̇", "", " ", "refund", "REFUND",
    "a.b", '"q"', "back\\slash", "tab\tx", "😀", "%d", "x" * 30, "1e3", "0x10", "yes",
)  # fmt: skip
BIG = 10**400 + 7
NUMBERS = (
    0, 1, -1, 2, 100, 100.5, -0.5, 0.1, 2**50, 2**50 + 1, 2**53, 2**53 + 1, -(2**60),
    1e16, 1e16 + 2, 1e300, -1e300, 5e-324, -5e-324, 1.7976931348623157e308, BIG, -BIG,
    BIG + 1,
)  # fmt: skip
# Workflow files refuse integers of over MAX_DIGITS digits (a finding, like any hostile
# input), so literals stay within it; events carry the bigger ones to the engine.
LITERAL_NUMBERS = (
    *(n for n in NUMBERS if not isinstance(n, int) or len(str(abs(n))) <= MAX_DIGITS),
    10**MAX_DIGITS - 1,
    -(10**MAX_DIGITS - 1),
    math.inf,
    -math.inf,
)
TIMES = (
    "2026-01-05T10:00:00Z", "2026-01-05T10:00:00.000001Z", "2026-01-05T11:00:00+01:00",
    "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59.9995Z", "9999-12-31T23:59:59-05:00",
)  # fmt: skip
PATTERNS = ("^re", "fund$", "(?i)pro", r"\d+", "a.b", "ß", "[a-z]+", "^$")

texts = st.one_of(st.sampled_from(TEXTS), st.text(max_size=3))
event_numbers = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(-3, 3),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
)


# -- YAML text --------------------------------------------------------------------------


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar: printable ASCII as is, everything else escaped."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _number(value: int | float) -> str:
    """A number as YAML 1.1 reads it back (`1e+300` alone would be text)."""
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if "." not in mantissa:
            mantissa += ".0"
        sign = "" if exponent[0] in "+-" else "+"
        text = f"{mantissa}e{sign}{exponent}"
    return text


def to_yaml(data: object) -> str:
    """Flow-style YAML (JSON-like, keys quoted) that reads back as `data`."""
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | float):
        return _number(data)
    if isinstance(data, str):
        return _quoted(data)
    if isinstance(data, dict):
        return "{" + ", ".join(f"{_quoted(k)}: {to_yaml(v)}" for k, v in data.items()) + "}"
    if isinstance(data, list | tuple):
        return "[" + ", ".join(to_yaml(item) for item in data) + "]"
    raise TypeError(data)


def document(data: dict[str, object]) -> str:
    """A block mapping at the top, one key a line, each value in flow style."""
    return "".join(f"{key}: {to_yaml(value)}\n" for key, value in data.items())


WORKSPACE = document(
    {
        "workspace": "generated",
        "channels": list(CHANNELS),
        "teams": ["VIP Support", "Billing"],
        "teammates": ["ana"],
        "attributes": ATTRIBUTES,
    }
)


# -- conditions -------------------------------------------------------------------------


def literal(kind: str, operator: str, name: str) -> st.SearchStrategy[object]:
    if operator == "matches":
        return st.sampled_from(PATTERNS)
    if kind == "number":
        one: st.SearchStrategy[object] = st.sampled_from(LITERAL_NUMBERS)
    elif kind == "boolean":
        one = st.booleans()
    elif kind == "enum":
        one = st.sampled_from(PLANS)
    elif kind == "timestamp":
        one = st.sampled_from(TIMES)
    elif name in WIDE:
        one = st.sampled_from(("a", "b", "c", "d"))
    else:
        one = texts
    if operator in ("in", "not_in"):
        return st.lists(one, min_size=1, max_size=4)
    return one


@st.composite
def tests(draw: st.DrawFn, names: tuple[str, ...] = tuple(TYPES)) -> dict[str, object]:
    name = draw(st.sampled_from(names))
    kind = TYPES[name]
    operator = draw(st.sampled_from((*OPERATORS[kind], "exists", "missing")))
    if operator in ("exists", "missing"):
        return {name: {operator: draw(st.booleans())}}
    value = draw(literal(kind, operator, name))
    if operator == "equals" and not isinstance(value, dict) and draw(st.booleans()):
        return {name: value}  # the short form
    return {name: {operator: value}}


def small_conditions() -> st.SearchStrategy[dict[str, object]]:
    return st.recursive(
        tests(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"all": cs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: {"any": cs}),
            inner.map(lambda c: {"not": c}),
        ),
        max_leaves=8,
    )


@st.composite
def deep_conditions(draw: st.DrawFn) -> dict[str, object]:
    """A chain 20 to 35 levels deep, a test beside each level."""
    condition = draw(tests())
    for _ in range(draw(st.integers(20, 35))):
        how = draw(st.sampled_from(("all", "any", "not")))
        if how == "not":
            condition = {"not": condition}
        else:
            pair = [draw(tests()), condition]
            condition = {how: pair if draw(st.booleans()) else pair[::-1]}
    return condition


@st.composite
def wide_conditions(draw: st.DrawFn) -> dict[str, object]:
    """10 to 14 tests in one row, mostly `in` lists and `equals` on text."""
    count = draw(st.integers(10, 14))
    found: list[dict[str, object]] = []
    for k in range(count):
        if draw(st.integers(0, 4)) == 0:
            found.append(draw(tests()))
            continue
        name = WIDE[k % len(WIDE)]
        if draw(st.booleans()):
            found.append({name: {"in": draw(st.lists(st.sampled_from("abcd"), min_size=2))}})
        else:
            found.append({name: draw(st.sampled_from("abcd"))})
    return {"all": found}


def conditions() -> st.SearchStrategy[dict[str, object]]:
    return st.one_of(small_conditions(), small_conditions(), deep_conditions(), wide_conditions())


# -- workflows ----------------------------------------------------------------------------

ACTIONS = (
    {"assign": {"team": "VIP Support"}},
    {"assign": {"teammate": "ana"}},
    {"tag": ["vip"]},
    {"note": "check the plan"},
    {"close": True},
)


@st.composite
def steps(draw: st.DrawFn) -> dict[str, object]:
    """A DAG of up to 12 steps (step k leads only to later steps), or a ladder."""
    if draw(st.integers(0, 4)) == 0:  # a ladder: 2**rungs paths
        rungs = draw(st.integers(5, 7))
        found: dict[str, object] = {}
        for k in range(rungs):
            after = f"r{k + 1}" if k + 1 < rungs else "end"
            rows = [{"when": draw(conditions()), "then": f"t{k}"}]
            found[f"r{k}"] = {"branch": rows, "else": after}
            found[f"t{k}"] = {**draw(st.sampled_from(ACTIONS)), "next": after}
        found["end"] = {"tag": ["end"]}
        return {"r0": found.pop("r0"), **found}
    count = draw(st.integers(1, 12))
    names = [f"s{k}" for k in range(count)]
    found = {}
    for k, name in enumerate(names):
        later = names[k + 1 :]
        if later and draw(st.booleans()):
            rows = [
                {"when": draw(conditions()), "then": draw(st.sampled_from(later))}
                for _ in range(draw(st.integers(1, 4)))
            ]
            step: dict[str, object] = {"branch": rows}
            if draw(st.booleans()):
                step["else"] = draw(st.sampled_from(later))
        else:
            step = dict(draw(st.sampled_from(ACTIONS)))
            if later and draw(st.booleans()):
                step["next"] = draw(st.sampled_from(later))
        found[name] = step
    return found


@st.composite
def workflows(draw: st.DrawFn, many: bool = False) -> list[dict[str, object]]:
    count = draw(st.integers(8, 30) if many else st.integers(1, 4))
    priorities = draw(st.lists(st.integers(-50, 50), min_size=count, max_size=count, unique=True))
    found = []
    for k in range(count):
        flow = {
            "workflow": f"wf{k}",
            "trigger": draw(st.sampled_from(TRIGGERS)),
            "priority": priorities[k],
        }
        if draw(st.booleans()):
            flow["channels"] = draw(st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True))
        if draw(st.booleans()):
            flow["audience"] = draw(small_conditions() if many else conditions())
        flow_steps = draw(steps()) if not many or k < 3 else {"s0": {"tag": [f"w{k}"]}}
        flow["start"] = next(iter(flow_steps))
        flow["steps"] = flow_steps
        found.append(flow)
    return found


# -- events -------------------------------------------------------------------------------


def values_of(kind: str, name: str) -> st.SearchStrategy[object]:
    if kind == "enum":
        return st.sampled_from(PLANS)
    if kind == "number":
        return event_numbers
    if kind == "boolean":
        return st.booleans()
    if kind == "list":
        return st.lists(texts, max_size=3)
    if kind == "timestamp":
        return st.sampled_from(TIMES)
    if name in WIDE:
        return st.sampled_from(("a", "b", "c", "d", "e"))
    return texts


@st.composite
def events(draw: st.DrawFn) -> dict[str, object]:
    """An event as JSON text would hold it (then read back with `json.loads`)."""
    event: dict[str, Any] = {
        "trigger": draw(st.sampled_from(TRIGGERS)),
        "channel": draw(st.sampled_from(CHANNELS)),
        "customer": {},
        "conversation": {},
        "message": {},
    }
    for name, kind in TYPES.items():
        if draw(st.integers(0, 3)) == 0:
            continue  # missing
        scope, key = name.split(".", 1)
        event[scope][key] = draw(values_of(kind, name))
    return json.loads(json.dumps(event))


@dataclass(frozen=True)
class Project:
    files: dict[str, str]  # file name: YAML text
    events: tuple[dict[str, object], ...]


@st.composite
def projects(draw: st.DrawFn) -> Project:
    flows = draw(workflows(many=draw(st.integers(0, 5)) == 0))
    files = {"workspace.yaml": WORKSPACE}
    files.update({f"{flow['workflow']}.yaml": document(flow) for flow in flows})
    found = tuple(draw(st.lists(events(), min_size=1, max_size=6)))
    return Project(files, found)
