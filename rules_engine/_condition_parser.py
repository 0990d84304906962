"""Reading conditions: `{customer.plan: {in: [pro, enterprise]}}`, `all`, `any`, `not`.

A mapping of attribute names to tests; several keys in one mapping must all hold.  A
test is `{operator: value}` or a bare value, which means `equals`.  Attributes are
checked against the workspace here, where the node's position is known.
"""

from __future__ import annotations

from collections.abc import Iterable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import _yaml
from ._reader import Reader, did_you_mean, one_of
from ._regex import pattern_problem
from .model import (
    OPERATORS,
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    Location,
    Not,
    Scalar,
    Value,
)
from .semantics import parse_timestamp
from .workspace import AttributeSpec, Workspace

COMBINATORS = ("all", "any", "not")

# Which operators make sense for which attribute type.
OPERATORS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "string": ("equals", "not_equals", "in", "not_in", "contains", "starts_with", "matches"),
    "enum": ("equals", "not_equals", "in", "not_in"),
    "number": ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"),
    "boolean": ("equals", "not_equals"),
    "list": ("contains", "in", "not_in"),
    "timestamp": ("equals", "not_equals", "gt", "gte", "lt", "lte"),
}


class ConditionParser:
    def __init__(self, reader: Reader, workspace: Workspace, step: str | None = None) -> None:
        self.reader = reader
        self.workspace = workspace
        self.step = step

    def parse(self, node: Node) -> Condition | None:
        if not isinstance(node, MappingNode) or not node.value:
            self._report("E-syntax", node, f"a condition must be a mapping, not {_yaml.kind(node)}")
            return None
        parts = [self._entry(key, key_node, value) for key, key_node, value in self._items(node)]
        if None in parts:
            return None
        conditions = tuple(p for p in parts if p is not None)
        if len(conditions) == 1:
            return conditions[0]
        return AllOf(conditions, self.reader.at(node))

    def _items(self, node: Node) -> Iterable[tuple[str, ScalarNode, Node]]:
        return self.reader.items(node, "a condition")

    def _report(self, code: str, node: Node, message: str, hint: str | None = None) -> None:
        self.reader.report(code, node, message, hint, self.step)

    def _entry(self, key: str, key_node: ScalarNode, value: Node) -> Condition | None:
        if key in ("all", "any"):
            return self._combination(key, key_node, value)
        if key == "not":
            inner = self.parse(value)
            return Not(inner, self.reader.at(key_node)) if inner is not None else None
        return self._attribute_tests(key, key_node, value)

    def _combination(self, key: str, key_node: Node, node: Node) -> Condition | None:
        if not isinstance(node, SequenceNode) or not node.value:
            self._report("E-syntax", node, f"`{key}` takes a non-empty list of conditions")
            return None
        parts = [self.parse(item) for item in node.value]
        if None in parts:
            return None
        conditions = tuple(p for p in parts if p is not None)
        where = self.reader.at(key_node)
        return AllOf(conditions, where) if key == "all" else AnyOf(conditions, where)

    def _attribute_tests(self, name: str, key_node: Node, node: Node) -> Condition | None:
        spec = self._attribute(name, key_node)
        if not isinstance(node, MappingNode):
            return self._comparison(spec, name, "equals", key_node, node)
        tests = [
            self._comparison(spec, name, op, op_node, value)
            for op, op_node, value in self.reader.items(node, f"the tests on `{name}`")
        ]
        if not tests:
            self._report("E-syntax", node, f"no test given for `{name}`")
            return None
        if None in tests:
            return None
        found = tuple(t for t in tests if t is not None)
        return found[0] if len(found) == 1 else AllOf(found, self.reader.at(key_node))

    def _attribute(self, name: str, node: Node) -> AttributeSpec | None:
        spec = self.workspace.attribute(name)
        if spec is None:
            hint = did_you_mean(name, self.workspace.attributes)
            if hint is None and "." not in name:
                hint = f"name attributes with their scope, e.g. `customer.{name}`"
            self._report("E-unknown-attribute", node, f"unknown attribute `{name}`", hint)
        return spec

    def _comparison(
        self, spec: AttributeSpec | None, name: str, operator: str, op_node: Node, node: Node
    ) -> Comparison | None:
        where = self.reader.at(op_node)
        if operator not in OPERATORS:
            hint = did_you_mean(operator, OPERATORS) or f"expected {one_of(OPERATORS)}"
            self._report("E-schema", op_node, f"unknown operator `{operator}`", hint)
            return None
        if operator in ("exists", "missing"):
            return self._presence(name, operator, node, where)
        value = self._literal(operator, node)
        if value is None:
            return None
        if spec is not None:
            value = self.typed(spec, operator, value, node)
            if value is None:
                return None
        return Comparison(name, operator, value, where)

    def _presence(self, name: str, operator: str, node: Node, where: Location) -> Comparison | None:
        value = _yaml.scalar(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, bool):
            self._report("E-syntax", node, f"`{operator}` takes `true` or `false`")
            return None
        flipped = {"exists": "missing", "missing": "exists"}[operator]
        return Comparison(name, operator if value else flipped, None, where)

    def _literal(self, operator: str, node: Node) -> Value:
        if operator in ("in", "not_in"):
            if not isinstance(node, SequenceNode) or not node.value:
                self._report("E-syntax", node, f"`{operator}` takes a non-empty list of values")
                return None
            items = [self.scalar(item) for item in node.value]
            found = tuple(item for item in items if item is not None)
            return found if len(found) == len(items) else None
        return self.scalar(node)

    def scalar(self, node: Node) -> Scalar | None:
        value = _yaml.scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, str | int | float | bool):
            return value
        self._report("E-syntax", node, f"expected a value here, not {_yaml.kind(node)}")
        return None

    def typed(self, spec: AttributeSpec, operator: str, value: Value, node: Node) -> Value:
        """The literal in the attribute's type, or report a type mismatch."""
        allowed = OPERATORS_BY_TYPE[spec.type]
        if operator not in allowed:
            hint = f"`{spec.name}` ({spec.type}) takes {one_of((*allowed, 'exists', 'missing'))}"
            message = f"`{operator}` cannot apply to `{spec.name}`, which is {_a(spec.type)}"
            self._report("E-type-mismatch", node, message, hint)
            return None
        items = value if isinstance(value, tuple) else (value,)
        typed = [self._typed_item(spec, operator, item, node) for item in items if item is not None]
        if None in typed:
            return None
        if isinstance(value, tuple):
            return tuple(t for t in typed if t is not None)
        return typed[0]

    def _typed_item(
        self, spec: AttributeSpec, operator: str, item: Scalar, node: Node
    ) -> Scalar | None:
        kind = spec.type
        if operator == "matches":
            return self._pattern(item, node)
        if kind == "number" and isinstance(item, int | float) and not isinstance(item, bool):
            return item
        if kind == "boolean" and isinstance(item, bool):
            return item
        if kind in ("string", "list") and isinstance(item, str):
            return item
        if kind == "enum" and isinstance(item, str):
            return self._enum_value(spec, item, node)
        if kind == "timestamp":
            moment = parse_timestamp(item)
            if moment is not None:
                return moment
        self._mismatch(spec, operator, item, node)
        return None

    def _pattern(self, item: Scalar, node: Node) -> Scalar | None:
        if not isinstance(item, str):
            self._report("E-type-mismatch", node, "`matches` takes a regular expression as text")
            return None
        problem = pattern_problem(item)
        if problem is not None:
            self._report("E-schema", node, *problem)
            return None
        return item

    def _enum_value(self, spec: AttributeSpec, item: str, node: Node) -> Scalar | None:
        if item in spec.values:
            return item
        hint = did_you_mean(item, spec.values) or f"expected {one_of(spec.values)}"
        message = f"`{item}` is not a value of `{spec.name}`"
        self._report("E-type-mismatch", node, message, hint)
        return None

    def _mismatch(self, spec: AttributeSpec, operator: str, item: Scalar, node: Node) -> None:
        expected = {
            "number": "a number",
            "boolean": "`true` or `false`",
            "string": "text",
            "list": "text",
            "enum": "text",
            "timestamp": "an ISO 8601 time with a zone, e.g. `2026-01-05T10:00:00Z`",
        }[spec.type]
        shown = _yaml.kind(node) if isinstance(node, SequenceNode) else repr(item)
        message = f"`{spec.name}` is {_a(spec.type)}: `{operator} {shown}` can never hold"
        self._report("E-type-mismatch", node, message, f"compare it with {expected}")


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"
