"""What conditions mean: the one definition every executor and check agrees with.

Values are the normalised attribute values of an event (see `normalise_attributes`):
str, int or float (never bool) for numbers, bool, a tuple of str for lists, an aware
datetime for timestamps.  The rules:

- A missing attribute makes every comparison false (`exists` false, `missing` true),
  never an error.  `not` is plain negation, so `not (plan equals pro)` holds when the
  plan is missing, while `plan not_equals pro` does not.
- `equals`, `not_equals`, `in`, `not_in` compare exactly (case matters).
- `contains` and `starts_with` on text ignore case (Unicode case folding).  On a list,
  `contains` means "has this element"; `in` / `not_in` mean "has one of" / "has none of".
- `matches` is a regular expression searched anywhere in the text, run by RE2 in linear
  time (`_regex`: Python's syntax without backreferences and lookaround).
- `gt`, `gte`, `lt`, `lte` compare numbers, or timestamps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache

from . import _regex
from .errors import EventError
from .model import AllOf, AnyOf, Comparison, Condition, Value
from .workspace import AttributeSpec, Workspace

Attributes = Mapping[str, object]


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    return text.casefold()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ordered(value: object, literal: Value) -> bool:
    """Whether `value` and `literal` can be ordered against each other."""
    if _is_number(value) and _is_number(literal):
        return True
    return isinstance(value, datetime) and isinstance(literal, datetime)


def _equals(value: object, literal: Value) -> bool:
    if _is_number(value) and _is_number(literal):
        return value == literal
    return type(value) is type(literal) and value == literal


def _in(value: object, literals: Value) -> bool:
    assert isinstance(literals, tuple)  # guaranteed by the parser
    if isinstance(value, tuple):
        return any(_equals(item, lit) for item in value for lit in literals)
    return any(_equals(value, lit) for lit in literals)


def _contains(value: object, literal: Value) -> bool:
    if isinstance(value, tuple):
        return any(_equals(item, literal) for item in value)
    return isinstance(value, str) and isinstance(literal, str) and fold(literal) in fold(value)


def _starts_with(value: object, literal: Value) -> bool:
    return (
        isinstance(value, str)
        and isinstance(literal, str)
        and fold(value).startswith(fold(literal))
    )


def _matches(value: object, literal: Value) -> bool:
    return isinstance(value, str) and isinstance(literal, str) and _regex.search(literal, value)


def _compare(test: Callable[[object, object], bool]) -> Callable[[object, Value], bool]:
    def run(value: object, literal: Value) -> bool:
        return _ordered(value, literal) and test(value, literal)

    return run


_OPERATIONS: dict[str, Callable[[object, Value], bool]] = {
    "equals": _equals,
    "not_equals": lambda value, literal: (
        not isinstance(value, tuple) and not _equals(value, literal)
    ),
    "in": _in,
    "not_in": lambda value, literal: not _in(value, literal),
    "contains": _contains,
    "starts_with": _starts_with,
    "matches": _matches,
    "gt": _compare(lambda a, b: a > b),  # type: ignore[operator]
    "gte": _compare(lambda a, b: a >= b),  # type: ignore[operator]
    "lt": _compare(lambda a, b: a < b),  # type: ignore[operator]
    "lte": _compare(lambda a, b: a <= b),  # type: ignore[operator]
}


def test_value(operator: str, value: object, literal: Value) -> bool:
    """One comparison on a value that may be None (missing)."""
    if operator == "exists":
        return value is not None
    if operator == "missing":
        return value is None
    if value is None:
        return False
    return _OPERATIONS[operator](value, literal)


def evaluate_comparison(comparison: Comparison, attributes: Attributes) -> bool:
    value = attributes.get(comparison.attribute)
    return test_value(comparison.operator, value, comparison.value)


def evaluate(condition: Condition, attributes: Attributes) -> bool:
    """The truth of a condition for an event's normalised attributes."""
    if isinstance(condition, Comparison):
        return evaluate_comparison(condition, attributes)
    if isinstance(condition, AllOf):
        return all(evaluate(c, attributes) for c in condition.conditions)
    if isinstance(condition, AnyOf):
        return any(evaluate(c, attributes) for c in condition.conditions)
    return not evaluate(condition.condition, attributes)


def normalise_value(spec: AttributeSpec, value: object) -> object:
    """The value in the form conditions compare, or raise `EventError` naming it."""
    if value is None:
        return None
    if spec.type == "string" and isinstance(value, str):
        return value
    if spec.type == "enum" and isinstance(value, str):
        if value in spec.values:
            return value
        allowed = ", ".join(spec.values)
        raise EventError(f"{spec.name}: {value!r} is not one of its values ({allowed})")
    if spec.type == "number" and _is_number(value):
        return value
    if spec.type == "boolean" and isinstance(value, bool):
        return value
    if spec.type == "list" and _is_text_list(value):
        return tuple(value)  # type: ignore[arg-type]
    if spec.type == "timestamp":
        parsed = parse_timestamp(value)
        if parsed is not None:
            return parsed
    expected = {
        "string": "text",
        "enum": "text",
        "number": "a number",
        "boolean": "true or false",
        "list": "a list of text",
        "timestamp": "an ISO 8601 timestamp with a time zone",
    }[spec.type]
    raise EventError(f"{spec.name}: expected {expected}, got {value!r}")


def _is_text_list(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


def parse_timestamp(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def normalise_attributes(workspace: Workspace, attributes: Attributes) -> dict[str, object]:
    """Keep the attributes the workspace declares, each in its normal form.

    Undeclared attributes are dropped (no workflow can refer to them); a declared one
    with a value of the wrong type raises `EventError`.
    """
    normal: dict[str, object] = {}
    for name, value in attributes.items():
        spec = workspace.attribute(name)
        if spec is None or value is None:
            continue
        normal[name] = normalise_value(spec, value)
    return normal
