"""Hypothesis strategies: workspaces, workflows and events that hunt for disagreements.

Values come mostly from small pools of traps (case-folding pairs like 'ß'/'SS' and
'İ'/'i̇', combining marks, quotes and backslashes, numbers at the edges of what doubles
and durable_rules hold exactly), so that conditions and events meet often.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from rules_engine.events import ConversationEvent
from rules_engine.model import (
    Action,
    ActionStep,
    AllOf,
    AnyOf,
    BranchRow,
    BranchStep,
    Comparison,
    Condition,
    Not,
    Step,
    Workflow,
)
from rules_engine.workspace import AttributeSpec, Workspace, builtin_attributes

TRIGGERS = ("customer_sends_first_message", "conversation_reopened")
CHANNELS = ("sms", "email", "chat")

TEXTS = (
    "pro", "Pro", "PRO", "enterprise", "ß", "SS", "ss", "straße", "STRASSE", "İ", "i̇", "i",
    "I", "ı", "ﬁ", "fi", "", " ", "refund", "Refund please", "REFUND", "a.b", "ä", "ä",
    '"q"', "back\\slash", "tab\tx", "nul\x00x", "😀", "~" * 1001, "%d", ".*", "x" * 40,
)  # fmt: skip
NUMBERS = (
    0, 1, -1, 2, 99, 100, 101, 100.5, 99.999, -0.5, 0.1, 1.0, -0.0, 2**50, 2**50 + 1,
    -(2**50) - 1, 2**53 + 1, -(2**60), 1e300, -1e300, 5e-324, 3.5,
)  # fmt: skip
BASE = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
TIMES = (BASE, BASE + timedelta(seconds=1), BASE - timedelta(days=5), BASE + timedelta(days=30))
PATTERNS = ("^re", "fund$", "(?i)pro", r"\d+", "a.b", "ß", "[a-z]+", "^$", "😀", "(a+)+$")

# The attributes a generated workspace may declare, with their types.
CUSTOM = (
    ("customer.plan", "enum"),
    ("customer.name", "string"),
    ("customer.seats", "number"),
    ("customer.vip", "boolean"),
    ("customer.labels", "list"),
    ("conversation.priority", "number"),
    ("conversation.due", "timestamp"),
)
BUILTIN_USED = (
    "customer.country",
    "customer.opted_out",
    "conversation.channel",
    "conversation.started_by",
    "conversation.tags",
    "message.body",
    "message.has_media",
    "message.segments",
)

texts = st.one_of(st.sampled_from(TEXTS), st.text(max_size=4))
numbers = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


@dataclass(frozen=True)
class Case:
    workspace: Workspace
    workflows: tuple[Workflow, ...]
    events: tuple[ConversationEvent, ...]


@st.composite
def workspaces(draw: st.DrawFn) -> Workspace:
    attributes = builtin_attributes(CHANNELS)
    for name, kind in CUSTOM:
        if draw(st.booleans()) or name == "customer.plan":
            values = tuple(draw(st.lists(st.sampled_from(TEXTS), min_size=1, max_size=4)))
            attributes[name] = AttributeSpec(name, kind, values if kind == "enum" else ())  # type: ignore[arg-type]
    return Workspace(attributes=attributes, channels=CHANNELS)


def values_of(spec: AttributeSpec) -> st.SearchStrategy[object]:
    """Values an event may carry for the attribute (always of its type)."""
    if spec.type == "enum":
        return st.sampled_from(spec.values)
    if spec.type == "string":
        return texts
    if spec.type == "number":
        return numbers
    if spec.type == "boolean":
        return st.booleans()
    if spec.type == "list":
        return st.lists(texts, max_size=3).map(tuple)
    return st.sampled_from(TIMES)


def literal_for(spec: AttributeSpec, operator: str) -> st.SearchStrategy[object]:
    """A literal for `attribute operator literal`: mostly of the type, sometimes not."""
    if operator == "matches":
        return st.sampled_from(PATTERNS)
    if operator in ("contains", "starts_with"):
        return texts if spec.type != "list" else st.sampled_from(TEXTS)
    wrong = st.sampled_from(("5", 5, True, "true", 1.5))
    own = texts if spec.type in ("list", "enum") else values_of(spec)
    single = (
        st.one_of(st.sampled_from(spec.values), own, wrong)
        if spec.values
        else st.one_of(own, wrong)
    )
    if operator in ("in", "not_in"):
        return st.lists(single, min_size=1, max_size=3).map(tuple)
    return single


OPERATORS_BY_TYPE = {
    "string": ("equals", "not_equals", "in", "not_in", "contains", "starts_with", "matches"),
    "enum": ("equals", "not_equals", "in", "not_in", "contains", "starts_with", "matches"),
    "number": ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"),
    "boolean": ("equals", "not_equals"),
    "list": ("contains", "in", "not_in", "equals"),
    "timestamp": ("gt", "gte", "lt", "lte", "equals"),
}


@st.composite
def comparisons(draw: st.DrawFn, workspace: Workspace) -> Comparison:
    names = [n for n, _ in CUSTOM if n in workspace.attributes] + list(BUILTIN_USED)
    name = draw(st.sampled_from(names))
    spec = workspace.attributes[name]
    operator = draw(st.sampled_from((*OPERATORS_BY_TYPE[spec.type], "exists", "missing")))
    if operator in ("exists", "missing"):
        return Comparison(name, operator, None)
    return Comparison(name, operator, draw(literal_for(spec, operator)))  # type: ignore[arg-type]


def conditions(workspace: Workspace) -> st.SearchStrategy[Condition]:
    leaves: st.SearchStrategy[Condition] = comparisons(workspace)
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: AllOf(tuple(cs))),
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: AnyOf(tuple(cs))),
            inner.map(Not),
        ),
        max_leaves=5,
    )


actions = st.sampled_from(
    (
        Action("assign", {"team": "VIP Support"}),
        Action("assign", {"teammate": "ana"}),
        Action("tag", ("sms", "vip")),
        Action("note", "check the plan"),
        Action("reply", "Thanks, we are on it"),
        Action("set", {"conversation.priority": 1}),
        Action("close", True),
    )
)


@st.composite
def steps(draw: st.DrawFn, workspace: Workspace) -> dict[str, Step]:
    """A DAG: step k only leads to later steps."""
    count = draw(st.integers(1, 5))
    names = [f"s{k}" for k in range(count)]
    found: dict[str, Step] = {}
    for k, name in enumerate(names):
        later = st.sampled_from(names[k + 1 :]) if k + 1 < count else st.none()
        maybe_later = st.one_of(st.none(), later)
        if k + 1 < count and draw(st.booleans()):
            rows = draw(
                st.lists(st.builds(BranchRow, conditions(workspace), later), min_size=1, max_size=3)
            )
            found[name] = BranchStep(name, tuple(rows), draw(maybe_later))
        else:
            acts = tuple(draw(st.lists(actions, min_size=1, max_size=2)))
            found[name] = ActionStep(name, acts, draw(maybe_later))
    return found


@st.composite
def workflows(draw: st.DrawFn, workspace: Workspace) -> tuple[Workflow, ...]:
    count = draw(st.integers(1, 4))
    priorities = draw(st.lists(st.integers(-5, 20), min_size=count, max_size=count, unique=True))
    found = []
    for k in range(count):
        channels = draw(
            st.one_of(st.none(), st.lists(st.sampled_from(CHANNELS), min_size=1, unique=True))
        )
        audience = draw(st.one_of(st.none(), conditions(workspace)))
        found.append(
            Workflow(
                name=f"wf{k}",
                trigger=draw(st.sampled_from(TRIGGERS)),
                channels=tuple(channels) if channels is not None else None,
                audience=audience,
                priority=priorities[k],
                start="s0",
                steps=draw(steps(workspace)),
                file=f"wf{k}.yaml",
            )
        )
    return tuple(found)


@st.composite
def events(draw: st.DrawFn, workspace: Workspace) -> ConversationEvent:
    scopes: dict[str, dict[str, object]] = {"customer": {}, "conversation": {}, "message": {}}
    for name, spec in workspace.attributes.items():
        if name == "conversation.channel" or draw(st.integers(0, 3)) == 0:
            continue  # missing
        scope, key = name.split(".", 1)
        scopes[scope][key] = draw(values_of(spec))
    if draw(st.booleans()):
        scopes["customer"]["undeclared"] = "pro"
    return ConversationEvent(
        trigger=draw(st.sampled_from(TRIGGERS)),
        channel=draw(st.sampled_from(CHANNELS)),
        at=BASE,
        customer=scopes["customer"],
        conversation=scopes["conversation"],
        message=scopes["message"],
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    workspace = draw(workspaces())
    flows = draw(workflows(workspace))
    found = tuple(draw(st.lists(events(workspace), min_size=1, max_size=4)))
    return Case(workspace, flows, found)
