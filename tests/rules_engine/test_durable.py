"""The durable executor, and every durable_rules behaviour it relies on."""

from __future__ import annotations

import copy
import ctypes
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from builders import attribute, tagging, workspace
from builders import workflow as build
from durable_support import DURABLE, needs_durable

from rules_engine import _durable
from rules_engine._durable import (
    MAX_ATOMS,
    MAX_FIELDS,
    MAX_RULES,
    MAX_SHARD_TERMS,
    NUMBER_LIMIT,
    DurableExecutor,
    fnv1a,
    load_library,
    plan_network,
    trial_compile,
)
from rules_engine._native import NativeExecutor
from rules_engine.compiler import compile_network
from rules_engine.errors import EventError, ExecutorUnavailable
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
    Workflow,
)
from rules_engine.reference import ReferenceInterpreter
from rules_engine.workspace import AttributeSpec, Workspace

pytestmark = needs_durable
LIBRARY = load_library() if DURABLE else None
WORKSPACE = workspace(
    attribute("customer.plan", "string"),
    attribute("customer.seats", "number"),
    attribute("customer.vip", "boolean"),
)


# -- durable_rules itself ----------------------------------------------------------------


class Raw:
    """One ruleset in a quiet host, recording which rules fire."""

    def __init__(self, rules: dict[str, Condition | dict[str, Any]]) -> None:
        self.fired: list[str] = []
        self.host = _durable._quiet_host(LIBRARY.engine)
        self.name = f"raw{next(_durable._NAMES)}"
        definition: dict[str, Any] = {}
        for pri, (name, condition) in enumerate(rules.items()):
            definition[name] = {
                "all": [{"m": {"$and": [{"on": 1}, condition]}}],
                "pri": pri,
                "run": self._recorder(name),
            }
        self.host.set_rulesets({self.name: definition})

    def _recorder(self, name: str) -> Any:
        return lambda closure: self.fired.append(name)

    def post(self, **event: object) -> list[str] | None:
        self.fired.clear()
        try:
            self.host.post(self.name, {"sid": "s", "on": 1, **event})
        except LIBRARY.engine.MessageNotHandledException:
            return None
        return list(self.fired)


def test_post_fires_only_the_lowest_pri_rule_and_consumes_the_event() -> None:
    raw = Raw({"first": {"x": 1}, "second": {"$gte": {"x": 1}}})
    assert raw.post(x=1) == ["first"]
    assert raw.post(x=1) == ["first"]  # the same event again: fires again
    assert raw.post(x=2) == ["second"]
    assert raw.host.get_pending_events(raw.name, "s") == []
    assert raw.host.get_facts(raw.name, "s") == []


def test_an_event_that_matches_nothing_raises_message_not_handled() -> None:
    raw = Raw({"only": {"x": 1}})
    assert raw.post(x=2) is None
    assert raw.post() is None


def test_a_missing_attribute_makes_every_comparison_false_neq_included() -> None:
    raw = Raw({"neq": {"$neq": {"x": "a"}}, "nex": {"$nex": {"x": 1}}})
    assert raw.post() == ["nex"]
    assert raw.post(x="b") == ["neq"]


def test_a_positive_test_on_a_value_never_sent_never_matches() -> None:
    raw = Raw({"never": {"on": 0}, "always": {"on": 1}})
    assert raw.post() == ["always"]


def test_text_equality_is_exact_for_non_ascii() -> None:
    raw = Raw({"sharp": {"x": "straße"}, "dot": {"x": "İ"}, "other": {"$ex": {"x": 1}}})
    assert raw.post(x="straße") == ["sharp"]
    assert raw.post(x="strasse") == ["other"]
    assert raw.post(x="STRASSE") == ["other"]
    assert raw.post(x="i̇") == ["other"]
    assert raw.post(x="İ") == ["dot"]


def test_mixed_types_compare_loosely_which_is_why_literals_have_the_declared_type() -> None:
    raw = Raw({"big": {"$gt": {"seats": "100"}}})
    assert raw.post(seats=20) == ["big"]  # "20" > "100" as text


def test_numbers_sent_as_whole_or_half_compare_exactly() -> None:
    raw = Raw({"gt": {"$gt": {"x": 3}}, "eq": {"x": 3}, "lt": {"$lt": {"x": 3}}})
    assert raw.post(x=3.5) == ["gt"]
    assert raw.post(x=3) == ["eq"]
    assert raw.post(x=2.5) == ["lt"]
    limit = Raw({"gt": {"$gt": {"x": NUMBER_LIMIT}}, "eq": {"x": NUMBER_LIMIT}})
    assert limit.post(x=NUMBER_LIMIT + 1) == ["gt"]
    assert limit.post(x=NUMBER_LIMIT) == ["eq"]


def test_boolean_equality() -> None:
    raw = Raw({"yes": {"x": True}, "no": {"x": False}})
    assert raw.post(x=True) == ["yes"]
    assert raw.post(x=False) == ["no"]


def test_the_quiet_host_starts_no_threads() -> None:
    before = threading.active_count()
    Raw({"r": {"x": 1}}).post(x=1)
    assert threading.active_count() == before


def test_fnv1a_is_the_hash_durable_rules_uses_for_names() -> None:
    library = ctypes.CDLL(LIBRARY.core.__file__)
    native_hash = library.fnv1Hash32
    native_hash.restype = ctypes.c_uint
    native_hash.argtypes = [ctypes.c_char_p, ctypes.c_uint]
    for name in ("on", "sid", "a0", "t17", "customer.plan", "ß"):
        data = name.encode("utf-8")
        assert fnv1a(name) == native_hash(data, len(data))


# -- loading -----------------------------------------------------------------------------


# -- trial compilation -------------------------------------------------------------------


def _definitions() -> dict[str, Any]:
    network = compile_network(
        [_workflow("w", 1, Comparison("customer.plan", "equals", "pro"))], WORKSPACE
    )
    rulesets = plan_network(network, WORKSPACE).rulesets()
    return {ruleset.name: ruleset.definition() for ruleset in rulesets}


def test_trial_compilation_accepts_good_rulesets() -> None:
    trial_compile(_definitions(), timeout=60)


def test_trial_compilation_that_times_out_is_refused() -> None:
    with pytest.raises(ExecutorUnavailable, match="did not finish"):
        trial_compile(_definitions(), timeout=0.001)


def test_trial_compilation_that_fails_is_refused() -> None:
    broken = {"broken": {"r0": {"all": [{"m": {"$and": "not a list"}}], "pri": 0}}}
    with pytest.raises(ExecutorUnavailable, match="failed creating"):
        trial_compile(broken, timeout=60)


# -- the plan: negation, literals, synthetic facts, limits --------------------------------


def _workflow(name: str, priority: int, audience: Condition | None, **extra: Any) -> Workflow:
    steps = extra.get("steps", [tagging("go", name)])
    start = extra.get("start", "go")
    return build(
        name,
        steps,
        priority=priority,
        audience=audience,
        channels=extra.get("channels"),
        start=start,
    )


def _audience_json(audience: Condition) -> Any:
    network = compile_network([_workflow("w", 1, audience)], WORKSPACE)
    (shard,) = plan_network(network, WORKSPACE).tables[("customer_sends_first_message", "sms")]
    return shard.definition()["r0"]["all"][0]["m"]["$and"][1]


def test_negation_is_pushed_inward_keeping_the_missing_attribute_rule() -> None:
    (name,) = _audience_json(Comparison("customer.plan", "equals", "pro")).keys()
    negated = _audience_json(Not(Comparison("customer.plan", "equals", "pro")))
    assert negated == {"$or": [{"$nex": {name: 1}}, {"$neq": {name: "pro"}}]}
    both = _audience_json(Not(AnyOf((Comparison("customer.seats", "gt", 5),))))
    assert "$or" in both and "$nex" in both["$or"][0]


def test_conditions_durable_rules_cannot_run_exactly_become_synthetic_facts() -> None:
    for audience in (
        Comparison("message.body", "contains", "refund"),
        Comparison("message.body", "matches", r"\d+"),
        Comparison("conversation.tags", "in", ("vip",)),
        Comparison("customer.seats", "gt", 2.5),  # not a whole number
        Comparison("customer.seats", "gt", "100"),  # not of the declared type
        Comparison("customer.plan", "equals", 'say "hi"'),
    ):
        condition = _audience_json(audience)
        ((name, value),) = condition.items()
        assert name.startswith("t") and value == 1, audience


def test_numbers_beyond_the_literal_range_are_clamped() -> None:
    field = _durable.Field("a0", "number", attribute="customer.seats")
    assert _durable.field_value(field, {"customer.seats": 2**60}) == NUMBER_LIMIT + 1
    assert _durable.field_value(field, {"customer.seats": -1e300}) == -(NUMBER_LIMIT + 1)
    assert _durable.field_value(field, {"customer.seats": 2.7}) == 2.5
    assert _durable.field_value(field, {"customer.seats": -2.3}) == -2.5
    assert _durable.field_value(field, {"customer.seats": 4.0}) == 4
    with pytest.raises(EventError):
        _durable.field_value(field, {"customer.seats": float("nan")})


def test_rulesets_are_split_to_stay_inside_the_limits() -> None:
    workflows = [
        _workflow(
            f"w{k}",
            k,
            AllOf(
                (
                    Comparison("customer.seats", "gte", k),
                    Comparison("customer.plan", "equals", f"p{k}"),
                )
            ),
        )
        for k in range(300)
    ]
    plan = plan_network(compile_network(workflows, WORKSPACE), WORKSPACE)
    shards = plan.tables[("customer_sends_first_message", "sms")]
    assert len(shards) > 1
    assert sum(len(shard.rules) for shard in shards) == 300
    for shard in shards:
        assert len(shard.rules) <= MAX_RULES
        assert len(frozenset().union(*(r.expr.atoms() for r in shard.rules))) < MAX_ATOMS
        assert sum(r.expr.terms() for r in shard.rules) <= MAX_SHARD_TERMS
        assert len(shard.fields) <= MAX_FIELDS
    names = [ruleset.name for ruleset in plan.rulesets()]
    assert len(names) == len(set(names))


def test_a_rule_too_big_for_durable_rules_is_evaluated_in_python() -> None:
    wide = AllOf(
        tuple(
            AnyOf(
                (
                    Comparison("customer.seats", "equals", k),
                    Comparison("customer.seats", "equals", -k),
                )
            )
            for k in range(1, 9)
        )
    )
    network = compile_network([_workflow("w", 1, wide)], WORKSPACE)
    (shard,) = plan_network(network, WORKSPACE).tables[("customer_sends_first_message", "sms")]
    (field,) = shard.fields
    assert field.kind == "rule"


def test_a_workflow_without_audience_ends_the_candidates() -> None:
    workflows = [_workflow("catch_all", 5, None), _workflow("never", 1, None)]
    plan = plan_network(compile_network(workflows, WORKSPACE), WORKSPACE)
    (shard,) = plan.tables[("customer_sends_first_message", "sms")]
    assert [rule.outcome for rule in shard.rules] == [0]


# -- the executor ------------------------------------------------------------------------


@pytest.fixture
def many() -> Iterator[tuple[list[Workflow], DurableExecutor]]:
    workflows = []
    for k in range(300):
        branch = BranchStep(
            "route",
            (
                BranchRow(Comparison("customer.vip", "equals", True), "vip"),
                BranchRow(Not(Comparison("customer.plan", "in", (f"p{k}", "x"))), "other"),
            ),
            None,
        )
        steps = {
            "route": branch,
            "vip": ActionStep("vip", (Action("tag", ("vip",)),), None),
            "other": ActionStep("other", (Action("note", f"w{k}"),), None),
        }
        audience = AllOf(
            (
                Comparison("customer.seats", "gte", k % 50),
                Not(Comparison("message.body", "contains", f"{k}")),
            )
        )
        workflows.append(
            _workflow(
                f"w{k}",
                k,
                audience,
                steps=steps,
                start="route",
                channels=("sms",) if k % 2 else None,
            )
        )
    network = compile_network(workflows, WORKSPACE)
    executor = DurableExecutor(network, WORKSPACE)  # with the trial compilation
    yield workflows, executor
    executor.close()


def test_three_hundred_workflows_agree_with_the_reference(
    many: tuple[list[Workflow], DurableExecutor],
) -> None:
    workflows, durable = many
    reference = ReferenceInterpreter(workflows)
    native = NativeExecutor(compile_network(workflows, WORKSPACE))
    for seats in (0, 10, 49, 60, 299):
        for body in ("1", "29", "hello"):
            for channel in ("sms", "email"):
                attributes = {
                    "customer.seats": seats,
                    "message.body": body,
                    "customer.plan": "p3",
                    "conversation.channel": channel,
                }
                expected = reference.decide("customer_sends_first_message", channel, attributes)
                assert (
                    durable.decide("customer_sends_first_message", channel, attributes) == expected
                )
                assert (
                    native.decide("customer_sends_first_message", channel, attributes) == expected
                )


def test_an_unknown_trigger_or_channel_decides_nothing(
    many: tuple[list[Workflow], DurableExecutor],
) -> None:
    _, durable = many
    assert durable.decide("conversation_reopened", "sms", {}) is None
    assert durable.decide("customer_sends_first_message", "fax", {}) is None


def test_rulesets_are_defined_from_copies() -> None:
    network = compile_network(
        [_workflow("w", 1, Comparison("customer.plan", "equals", "pro"))], WORKSPACE
    )
    plan = plan_network(network, WORKSPACE)
    before = [copy.deepcopy(ruleset.definition()) for ruleset in plan.rulesets()]
    executor = DurableExecutor(network, WORKSPACE, trial_timeout=None)
    try:
        assert (
            executor.decide("customer_sends_first_message", "sms", {"customer.plan": "pro"})
            is not None
        )
    finally:
        executor.close()
    assert [ruleset.definition() for ruleset in plan.rulesets()] == before
    assert datetime.now(UTC)  # the executor keeps no per-event state to compare here


# -- the expression limit (error 113) and integers beyond float range ---------------------


def _nested(depth: int) -> dict[str, Any]:
    """`depth` `$and` nodes, each inside the previous one (wrapper included)."""
    condition: dict[str, Any] = {"on": 1}
    for k in range(depth):
        condition = {"$and": [{f"x{k}": "v"}, condition]}
    return condition


@pytest.mark.parametrize(("nodes", "created"), [(15, True), (16, False)])
def test_durable_rules_refuses_a_rule_of_sixteen_connectives(nodes: int, created: bool) -> None:
    """Each `$and` / `$or` takes two of 32 expression slots: the 16th fills the last."""
    definition = {"r0": {"all": [{"m": _nested(nodes)}], "pri": 0}}
    name = f"limit{next(_durable._NAMES)}"
    if created:
        trial_compile({name: definition}, timeout=30)
    else:
        with pytest.raises(ExecutorUnavailable, match="113"):
            trial_compile({name: definition}, timeout=30)


def _nine_tests() -> Condition:
    """Five `in` lists and four `equals` on text: refused by durable_rules before."""
    tests: list[Condition] = [
        Comparison(f"customer.t{k}", "in", (f"a{k}", f"b{k}", f"c{k}")) for k in range(5)
    ]
    tests += [Comparison(f"customer.t{k}", "equals", f"e{k}") for k in range(5, 9)]
    return AllOf(tuple(tests))


def _nine_deep() -> Condition:
    condition: Condition = Comparison("customer.t0", "equals", "e0")
    for k in range(1, 9):
        condition = AllOf((Comparison(f"customer.t{k}", "equals", f"e{k}"), condition))
    return condition


TEXT_WORKSPACE = Workspace(
    attributes={
        **WORKSPACE.attributes,
        **{f"customer.t{k}": AttributeSpec(f"customer.t{k}", "string") for k in range(9)},
    },
    channels=("sms", "email"),
)


@pytest.mark.parametrize("condition", [_nine_tests(), _nine_deep()], ids=["wide", "deep"])
def test_rows_past_the_expression_limit_run_on_durable(condition: Condition) -> None:
    rows = (
        BranchRow(condition, "hit"),
        BranchRow(Not(condition), "miss"),
        BranchRow(AllOf((condition, Comparison("customer.plan", "equals", "p"))), "both"),
    )
    steps = {
        "route": BranchStep("route", rows, None),
        "hit": ActionStep("hit", (Action("tag", ("hit",)),), None),
        "miss": ActionStep("miss", (Action("tag", ("miss",)),), None),
        "both": ActionStep("both", (Action("tag", ("both",)),), None),
    }
    workflows = [
        _workflow("w", 1, condition, steps=steps, start="route"),
        _workflow("v", 0, Not(condition)),
    ]
    network = compile_network(workflows, TEXT_WORKSPACE)
    for ruleset in plan_network(network, TEXT_WORKSPACE).rulesets():
        for rule in ruleset.rules:
            assert _durable._join("$and", (_durable.TRUE, rule.expr)).connectives() <= 15
    durable = DurableExecutor(network, TEXT_WORKSPACE)  # trial compilation included
    reference = ReferenceInterpreter(workflows)
    try:
        hit = {f"customer.t{k}": (f"b{k}" if k < 5 else f"e{k}") for k in range(9)}
        for attributes in (hit, {**hit, "customer.t3": "z"}, {}, {**hit, "customer.plan": "p"}):
            expected = reference.decide("customer_sends_first_message", "sms", attributes)
            assert durable.decide("customer_sends_first_message", "sms", attributes) == expected
    finally:
        durable.close()


def test_integers_beyond_float_range_run_on_durable() -> None:
    huge = int("9" * 401)
    audience = AnyOf(
        (Comparison("customer.seats", "gt", 10), Comparison("customer.seats", "lt", -huge))
    )
    workflows = [
        _workflow("big", 2, audience),
        _workflow("exact", 1, Comparison("customer.seats", "equals", huge)),
    ]
    network = compile_network(workflows, WORKSPACE)
    durable = DurableExecutor(network, WORKSPACE)
    reference = ReferenceInterpreter(workflows)
    try:
        for seats in (huge, -huge, -huge - 1, 5, 2**1400, -(2**1400)):
            attributes = {"customer.seats": seats}
            expected = reference.decide("customer_sends_first_message", "sms", attributes)
            assert durable.decide("customer_sends_first_message", "sms", attributes) == expected
    finally:
        durable.close()
