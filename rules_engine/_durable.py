"""The durable executor: the rule network run by durable_rules 2.0.28.

This is the only module that imports durable_rules, and only when a `DurableExecutor`
is built.  It follows ../shared/DURABLE_RULES.md:

- Rulesets are defined from data at run time: per (trigger, channel) one audience
  ruleset (one rule per candidate workflow, `pri` = priority rank, so the event fires
  the highest-priority match), per branch step one ruleset of its mutually exclusive
  rules (`network.BranchNode.rules`).  Both are split into shards that stay inside the
  library's limits (rules, distinct tests, `$or` terms, event properties), checked here
  at compile time; shards are posted in order until one handles the event.
- One fixed session id, no background threads (`_QuietHost._run` does nothing), copies
  of every definition given to `set_rulesets`, unique ruleset names, and a trial
  compilation in a child process with a timeout before the rulesets are used.
- durable_rules has no NOT: negation is pushed inward, keeping the rule that a missing
  attribute makes a comparison false (`not (x equals v)` is `$nex x or $neq x v`).
  Every rule carries a positive test (`on == 1`, always sent).
- Only conditions durable_rules runs exactly are sent to it: equality, `in` and
  `not_in` on text with plain literals, numeric comparisons with whole-number literals
  up to 2**50, boolean equality, `exists` / `missing`.  Everything else (case-folded
  `contains` / `starts_with`, RE2 `matches`, lists, timestamps, literals of
  the wrong type, odd text) is evaluated in Python before the post and sent as a
  synthetic 0/1 property.  Values are sent so that the comparisons durable_rules makes
  give the same answers as `semantics`: numbers clamped beyond the literal range and
  fractions sent as `floor + 0.5` (exact against whole literals), text that no literal
  can equal replaced by a marker.  Attribute names become short generated names whose
  32-bit FNV-1a hashes (durable_rules' only identity for names) are checked unique.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import math
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any, Literal

from .errors import EventError, ExecutorUnavailable, WorkflowError
from .events import BranchVerdict, Run
from .network import (
    ActionNode,
    AllNode,
    BranchNode,
    Network,
    Node,
    NotNode,
    Test,
    TestNode,
    walk,
)
from .reference import verdict_for
from .semantics import test_value
from .workspace import Workspace

Attributes = Mapping[str, object]
Condition = dict[str, Any]  # a durable_rules condition
FieldKind = Literal["string", "number", "boolean", "test", "rule"]

SESSION = "helpdesk-rules"
ON = "on"  # the positive test every rule carries
RESERVED = (ON, "sid", "id", "$s")

# Limits, kept well inside what durable_rules survives (see DURABLE_RULES.md).
MAX_RULES = 32  # rules per ruleset (256 identical conditions segfault)
MAX_ATOMS = 48  # distinct tests per ruleset (512 hang; more than 64 true: error 303)
MAX_TERMS = 64  # `$or` expansion of one rule
MAX_SHARD_TERMS = 128  # `$or` expansion of one ruleset (many groups: error 107)
MAX_FIELDS = 200  # properties per posted event (about 253: error 302)
NUMBER_LIMIT = 2**50  # whole-number literals sent natively; doubles hold them exactly
TEXT_LIMIT = 1000  # characters of a text literal sent natively
NO_TEXT = "~" * (TEXT_LIMIT + 1)  # equals no native literal
TRIAL_TIMEOUT = 30.0

_NAMES = count()
_TRIALLED: dict[str, bool] = {}


# -- loading durable_rules ---------------------------------------------------------------


@dataclass(frozen=True)
class _Library:
    engine: Any  # durable.engine
    core: Any  # durable_rules_engine (the C extension)


def load_library() -> _Library:
    """durable_rules, or `ExecutorUnavailable` saying why it cannot run here."""
    if sys.version_info >= (3, 13):
        raise ExecutorUnavailable(
            "the durable executor needs durable_rules 2.0.28, which fails to import on "
            f"Python {sys.version_info[0]}.{sys.version_info[1]} (3.13 removed a C "
            "API it uses); use the native executor"
        )
    try:
        engine = importlib.import_module("durable.engine")
        core = importlib.import_module("durable_rules_engine")
    except ImportError as error:
        raise ExecutorUnavailable(
            f"the durable executor needs durable_rules 2.0.28, which cannot be imported "
            f"({error}); install it or use the native executor"
        ) from error
    return _Library(engine, core)


def fnv1a(name: str) -> int:
    """durable_rules' 32-bit hash of a property name (FNV-1a over signed chars)."""
    value = 0x811C9DC5
    for byte in name.encode("utf-8"):
        signed = byte if byte < 0x80 else byte | 0xFFFFFF00
        value = ((value ^ signed) * 0x01000193) & 0xFFFFFFFF
    return value


# -- the plan: rulesets as data ----------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One property of the posted event and how its value is computed."""

    name: str
    kind: FieldKind
    attribute: str | None = None
    test: Test | None = None
    rule: Node | None = None
    tests: tuple[Test, ...] = ()  # the network's tests, for a rule field


@dataclass(frozen=True)
class Expr:
    """A negation-free condition: an atom, or `$and` / `$or` of expressions."""

    op: Literal["atom", "$and", "$or"]
    atom: tuple[str, str, object] | None = None  # (durable operator, field name, literal)
    children: tuple[Expr, ...] = ()

    def atoms(self) -> frozenset[tuple[str, str, object]]:
        if self.atom is not None:
            return frozenset((self.atom,))
        return frozenset().union(*(child.atoms() for child in self.children))

    def terms(self) -> int:
        """How many conjunctions the expression expands to."""
        if self.op == "atom":
            return 1
        sizes = [child.terms() for child in self.children]
        return sum(sizes) if self.op == "$or" else math.prod(sizes)

    def to_json(self) -> Condition:
        if self.atom is not None:
            operator, name, literal = self.atom
            return {name: literal} if operator == "$eq" else {operator: {name: literal}}
        return {self.op: [child.to_json() for child in self.children]}


TRUE = Expr("atom", ("$eq", ON, 1))
FALSE = Expr("atom", ("$eq", ON, 0))


def _atom(operator: str, name: str, literal: object) -> Expr:
    return Expr("atom", (operator, name, literal))


def _join(op: Literal["$and", "$or"], children: Sequence[Expr]) -> Expr:
    if not children:
        return TRUE if op == "$and" else FALSE
    return children[0] if len(children) == 1 else Expr(op, children=tuple(children))


@dataclass(frozen=True)
class PlannedRule:
    outcome: int  # the workflow id (audience) or the rule index (branch step)
    expr: Expr
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Ruleset:
    name: str
    rules: tuple[PlannedRule, ...]
    fields: tuple[Field, ...]

    def definition(self) -> dict[str, Any]:
        """The ruleset as durable_rules takes it (without the `run` actions)."""
        rules: dict[str, Any] = {}
        for pri, rule in enumerate(self.rules):
            condition = _join("$and", (TRUE, rule.expr)).to_json()
            rules[f"r{pri}"] = {"all": [{"m": condition}], "pri": pri}
        return rules


@dataclass(frozen=True)
class BranchPlan:
    name: str
    rows: int
    shards: tuple[Ruleset, ...]
    rules: tuple[tuple[int | None, str | None], ...]  # per rule: (row, target)


@dataclass(frozen=True)
class WorkflowPlan:
    name: str
    trigger: str
    start: str
    steps: Mapping[str, BranchPlan | ActionNode]


@dataclass(frozen=True)
class Plan:
    tables: Mapping[tuple[str, str], tuple[Ruleset, ...]]
    workflows: tuple[WorkflowPlan, ...]

    def rulesets(self) -> tuple[Ruleset, ...]:
        found = [shard for shards in self.tables.values() for shard in shards]
        for workflow in self.workflows:
            for step in workflow.steps.values():
                if isinstance(step, BranchPlan):
                    found.extend(step.shards)
        return tuple(found)


class _Planner:
    """Turns the network into rulesets: fields, negation-free conditions, shards."""

    def __init__(self, network: Network, workspace: Workspace, prefix: str) -> None:
        self._network = network
        self._workspace = workspace
        self._prefix = prefix
        self._fields: dict[tuple[str, object], Field] = {}
        self._hashes = {fnv1a(name): name for name in RESERVED}
        self._rulesets = count()

    def plan(self) -> Plan:
        tables = {
            key: self._audience_shards(table.ordered) for key, table in self._network.tables.items()
        }
        workflows = tuple(self._workflow(wf.id) for wf in self._network.workflows)
        return Plan(tables, workflows)

    # fields

    def _field(self, key: tuple[str, object], stem: str, make: Callable[[str], Field]) -> Field:
        found = self._fields.get(key)
        if found is None:
            found = self._fields[key] = make(self._unique(stem))
        return found

    def _unique(self, stem: str) -> str:
        name = stem
        while fnv1a(name) in self._hashes:
            name += "_"
        self._hashes[fnv1a(name)] = name
        return name

    def _attribute_field(self, attribute: str, kind: FieldKind) -> Field:
        stem = f"a{len(self._fields)}"
        return self._field(("a", attribute), stem, lambda n: Field(n, kind, attribute=attribute))

    def _test_field(self, test: Test) -> Field:
        return self._field(("t", test.id), f"t{test.id}", lambda n: Field(n, "test", test=test))

    def _rule_field(self, node: Node) -> Field:
        stem = f"c{len(self._fields)}"
        return self._field(
            ("c", node), stem, lambda n: Field(n, "rule", rule=node, tests=self._network.tests)
        )

    # conditions

    def _expr(self, node: Node, negated: bool, used: dict[str, Field]) -> Expr:
        if isinstance(node, TestNode):
            return self._test_expr(self._network.tests[node.test], negated, used)
        if isinstance(node, NotNode):
            return self._expr(node.child, not negated, used)
        children = [self._expr(child, negated, used) for child in node.children]
        conjunction = isinstance(node, AllNode) != negated
        return _join("$and" if conjunction else "$or", children)

    def _test_expr(self, test: Test, negated: bool, used: dict[str, Field]) -> Expr:
        native = self._native(test)
        if native is not None:
            field, positive, negative = native
            used[field.name] = field
            return negative if negated else positive
        field = self._test_field(test)
        used[field.name] = field
        return _atom("$eq", field.name, 0 if negated else 1)

    def _native(self, test: Test) -> tuple[Field, Expr, Expr] | None:
        spec = self._workspace.attribute(test.attribute)
        if spec is None or spec.type in ("list", "timestamp"):
            return None
        kind: FieldKind = "string" if spec.type == "enum" else spec.type  # type: ignore[assignment]
        literals = _native_literals(kind, test)
        if literals is None:
            return None
        field = self._attribute_field(test.attribute, kind)
        forms = _native_forms(test.operator, field.name, literals)
        return None if forms is None else (field, *forms)

    def _rule(self, outcome: int, node: Node | None) -> PlannedRule:
        if node is None:
            return PlannedRule(outcome, TRUE, ())
        used: dict[str, Field] = {}
        expr = self._expr(node, False, used)
        if expr.terms() > MAX_TERMS or len(expr.atoms()) >= MAX_ATOMS:
            field = self._rule_field(node)  # too big for durable_rules: evaluated here
            return PlannedRule(outcome, _atom("$eq", field.name, 1), (field,))
        return PlannedRule(outcome, expr, tuple(used.values()))

    # rulesets

    def _audience_shards(self, ordered: Sequence[int]) -> tuple[Ruleset, ...]:
        rules: list[PlannedRule] = []
        for workflow_id in ordered:
            audience = self._network.workflows[workflow_id].audience
            rules.append(self._rule(workflow_id, audience))
            if audience is None:
                break  # later workflows can never run
        return self._shards(rules, "aud")

    def _workflow(self, workflow_id: int) -> WorkflowPlan:
        wf = self._network.workflows[workflow_id]
        steps: dict[str, BranchPlan | ActionNode] = {}
        for name, step in wf.steps.items():
            steps[name] = step if isinstance(step, ActionNode) else self._branch(step)
        return WorkflowPlan(wf.name, wf.trigger, wf.start, steps)

    def _branch(self, step: BranchNode) -> BranchPlan:
        rules = [self._rule(index, rule.condition) for index, rule in enumerate(step.rules)]
        outcomes = tuple((rule.row, rule.target) for rule in step.rules)
        return BranchPlan(step.name, len(step.rows), self._shards(rules, "br"), outcomes)

    def _shards(self, rules: Sequence[PlannedRule], kind: str) -> tuple[Ruleset, ...]:
        shards: list[list[PlannedRule]] = []
        for rule in rules:
            if not shards or not _fits(shards[-1], rule):
                shards.append([])
            shards[-1].append(rule)
        return tuple(self._ruleset(shard, kind) for shard in shards)

    def _ruleset(self, rules: Sequence[PlannedRule], kind: str) -> Ruleset:
        fields = {field.name: field for rule in rules for field in rule.fields}
        name = f"{self._prefix}_{kind}{next(self._rulesets)}"
        return Ruleset(name, tuple(rules), tuple(fields.values()))


def _fits(shard: Sequence[PlannedRule], rule: PlannedRule) -> bool:
    rules = [*shard, rule]
    atoms = frozenset().union(*(r.expr.atoms() for r in rules))
    fields = {field.name for r in rules for field in r.fields}
    return (
        len(rules) <= MAX_RULES
        and len(atoms) < MAX_ATOMS
        and sum(r.expr.terms() for r in rules) <= MAX_SHARD_TERMS
        and len(fields) <= MAX_FIELDS
    )


def _native_literals(kind: FieldKind, test: Test) -> tuple[object, ...] | None:
    """The literals as durable_rules should see them, or None when it cannot be exact."""
    if test.operator in ("exists", "missing"):
        return ()
    values = test.value if test.operator in ("in", "not_in") else (test.value,)
    if not isinstance(values, tuple) or not values:
        return None
    sent = tuple(_native_literal(kind, test.operator, value) for value in values)
    return None if any(value is None for value in sent) else sent


def _native_literal(kind: FieldKind, operator: str, value: object) -> object:
    if kind == "string" and operator in ("equals", "not_equals", "in", "not_in"):
        return value if isinstance(value, str) and _plain_text(value) else None
    if kind == "boolean" and operator in ("equals", "not_equals"):
        return value if isinstance(value, bool) else None
    if kind == "number" and operator not in ("contains", "starts_with", "matches"):
        whole = isinstance(value, int | float) and not isinstance(value, bool)
        if whole and math.isfinite(value) and float(value).is_integer():  # type: ignore[arg-type]
            number = int(value)  # type: ignore[call-overload]
            return number if abs(number) <= NUMBER_LIMIT else None
    return None


def _plain_text(text: str) -> bool:
    """Text durable_rules compares exactly (strcmp on UTF-8, no escapes to undo)."""
    if len(text) > TEXT_LIMIT or '"' in text or "\\" in text:
        return False
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _native_forms(
    operator: str, name: str, literals: tuple[object, ...]
) -> tuple[Expr, Expr] | None:
    """(positive, negated) forms; a missing attribute makes every comparison false."""
    missing, present = _atom("$nex", name, 1), _atom("$ex", name, 1)
    equal = [_atom("$eq", name, value) for value in literals]
    differ = [_atom("$neq", name, value) for value in literals]
    if operator == "exists":
        return present, missing
    if operator == "missing":
        return missing, present
    if operator in ("equals", "in"):
        return _join("$or", equal), _join("$or", (missing, _join("$and", differ)))
    if operator in ("not_equals", "not_in"):
        return _join("$and", differ), _join("$or", (missing, *equal))
    ordered = {"gt": ("$gt", "$lte"), "gte": ("$gte", "$lt"), "lt": ("$lt", "$gte"),
               "lte": ("$lte", "$gt")}.get(operator)  # fmt: skip
    if ordered is None:
        return None
    positive, opposite = ordered
    literal = literals[0]
    return _atom(positive, name, literal), _join("$or", (missing, _atom(opposite, name, literal)))


def plan_network(network: Network, workspace: Workspace, prefix: str | None = None) -> Plan:
    """The rulesets for `network` (pure data: durable_rules is not imported)."""
    return _Planner(network, workspace, prefix or f"hr{next(_NAMES)}").plan()


# -- values sent with each post ----------------------------------------------------------


def field_value(field: Field, attributes: Attributes) -> object:
    """The property's value for this event, or None to leave it out."""
    if field.kind == "test":
        assert field.test is not None
        test = field.test
        return int(test_value(test.operator, attributes.get(test.attribute), test.value))
    if field.kind == "rule":
        assert field.rule is not None
        return int(_evaluate(field.rule, field.tests, attributes))
    assert field.attribute is not None
    value = attributes.get(field.attribute)
    if value is None:
        return None
    if field.kind == "string":
        return value if isinstance(value, str) and _plain_text(value) else NO_TEXT
    if field.kind == "number":
        return _number(field.attribute, value)
    if not isinstance(value, bool):
        raise EventError(f"{field.attribute}: expected true or false, got {value!r}")
    return value


def _number(attribute: str, value: object) -> int | float:
    """A number that compares with every native literal as `value` does."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise EventError(f"{attribute}: expected a finite number, got {value!r}")
    if abs(value) > NUMBER_LIMIT:
        return (NUMBER_LIMIT + 1) * (1 if value > 0 else -1)
    if isinstance(value, int) or value.is_integer():
        return int(value)
    return math.floor(value) + 0.5


def _evaluate(node: Node, tests: Sequence[Test], attributes: Attributes) -> bool:
    """A whole condition, in Python, with `semantics` (for rules too big to send)."""
    if isinstance(node, TestNode):
        test = tests[node.test]
        return test_value(test.operator, attributes.get(test.attribute), test.value)
    if isinstance(node, NotNode):
        return not _evaluate(node.child, tests, attributes)
    results = (_evaluate(child, tests, attributes) for child in node.children)
    return all(results) if isinstance(node, AllNode) else any(results)


# -- trial compilation -------------------------------------------------------------------

_TRIAL = """
import json, sys
import durable.engine as engine
class Host(engine.Host):
    def _run(self):
        pass
host = Host()
for name, definition in json.load(sys.stdin).items():
    for rule in definition.values():
        rule["run"] = lambda c: None
    host.set_rulesets({name: definition})
    try:
        host.post(name, {"sid": "trial", "on": 1})
    except engine.MessageNotHandledException:
        pass
"""


def trial_compile(definitions: Mapping[str, Any], timeout: float) -> None:
    """Create the rulesets in a child process first: the library hangs or crashes there."""
    text = json.dumps(definitions, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if digest in _TRIALLED:
        return
    try:
        done = subprocess.run(
            [sys.executable, "-c", _TRIAL],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ExecutorUnavailable(
            f"durable_rules did not finish creating {len(definitions)} rulesets within "
            f"{timeout:g} s (it hangs past its limits); use the native executor"
        ) from error
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ExecutorUnavailable(
            f"durable_rules failed creating the rulesets (exit {done.returncode}: "
            f"{reason[0]}); use the native executor"
        )
    if len(_TRIALLED) > 256:
        _TRIALLED.clear()
    _TRIALLED[digest] = True


# -- the executor ------------------------------------------------------------------------


class DurableExecutor:
    """Runs a `Network` as durable_rules rulesets; our actions run outside it."""

    name = "durable"

    def __init__(
        self,
        network: Network,
        workspace: Workspace,
        trial_timeout: float | None = TRIAL_TIMEOUT,
    ) -> None:
        self._library = load_library()
        self._plan = plan_network(network, workspace)
        rulesets = self._plan.rulesets()
        if trial_timeout is not None:
            trial_compile({rs.name: rs.definition() for rs in rulesets}, trial_timeout)
        self._host = _quiet_host(self._library.engine)
        self._fired: list[int] = []
        self._lock = threading.Lock()
        self._handles: list[Any] = []
        for ruleset in rulesets:
            self._register(ruleset)

    def _register(self, ruleset: Ruleset) -> None:
        definition = copy.deepcopy(ruleset.definition())  # set_rulesets mutates it
        for rule_name, rule in definition.items():
            rule["run"] = self._action(ruleset.rules[int(rule_name[1:])].outcome)
        self._host.set_rulesets({ruleset.name: definition})
        self._handles.append(self._host.get_ruleset(ruleset.name)._handle)

    def _action(self, outcome: int) -> Callable[[Any], None]:
        def run(closure: Any) -> None:
            self._fired.append(outcome)

        return run

    def decide(self, trigger: str, channel: str, attributes: Attributes) -> Run | None:
        """The run of the workflow durable_rules chooses, walked with durable_rules."""
        shards = self._plan.tables.get((trigger, channel))
        if not shards:
            return None
        with self._lock:
            values: dict[str, object] = {}
            chosen = self._first(shards, attributes, values)
            if chosen is None:
                return None
            return self._walk(self._plan.workflows[chosen], attributes, values)

    def close(self) -> None:
        """Delete the rulesets (no background threads run, so this is safe)."""
        with self._lock:
            for handle in self._handles:
                self._library.core.delete_ruleset(handle)
            self._handles.clear()

    def _first(
        self, shards: Sequence[Ruleset], attributes: Attributes, values: dict[str, object]
    ) -> int | None:
        """The outcome of the first shard that handles the event."""
        for shard in shards:
            event = _event(shard, attributes, values)
            self._fired.clear()
            try:
                self._host.post(shard.name, event)
            except self._library.engine.MessageNotHandledException:
                continue
            if len(self._fired) != 1:
                raise WorkflowError(f"durable_rules fired {len(self._fired)} rules in {shard.name}")
            return self._fired[0]
        return None

    def _walk(
        self, workflow: WorkflowPlan, attributes: Attributes, values: dict[str, object]
    ) -> Run:
        def choose(step: BranchPlan) -> tuple[BranchVerdict, str | None]:
            outcome = self._first(step.shards, attributes, values)
            if outcome is None:
                raise WorkflowError(f"durable_rules fired no rule for step {step.name!r}")
            row, target = step.rules[outcome]
            return verdict_for(step.name, step.rows, row, target), target

        return walk(workflow.name, workflow.trigger, workflow.start, workflow.steps, choose)


def _event(shard: Ruleset, attributes: Attributes, values: dict[str, object]) -> dict[str, object]:
    event: dict[str, object] = {"sid": SESSION, ON: 1}
    for field in shard.fields:
        if field.name not in values:
            values[field.name] = field_value(field, attributes)
        value = values[field.name]
        if value is not None:
            event[field.name] = value
    return event


def _quiet_host(engine: Any) -> Any:
    class QuietHost(engine.Host):  # type: ignore[misc]
        """A Host without the background dispatcher threads."""

        def _run(self) -> None:
            return None

    return QuietHost()
