"""Events the help desk refuses before it reads them: hostile or impossible values.

`event_problem` finds what would otherwise raise deep inside the adapter, the engine or
the store (a traceback instead of a `rejected` outcome):

- text that is not valid Unicode (a lone surrogate such as `"\\ud800"`) or holds a NUL
  (PostgreSQL cannot store one), in any key or value;
- text over `MAX_TEXT` characters, an `id` over `MAX_ID` (a provider's id is an index
  key: a 5,000-character one exceeds PostgreSQL's index row size);
- integers of more than `MAX_DIGITS` digits, nesting deeper than `MAX_DEPTH`, more
  than `MAX_VALUES` values;
- an `at` that cannot be converted to UTC (`0001-01-01T00:00:00+01:00`).

`parse_json_line` reads one line of JSON Lines within the same limits, and
`store_refusal` tells a database error that refuses this event for good (bad data, a
value over a limit) from one worth trying again (a conflict, a lost connection).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import psycopg

from ._store import ConversationStore

MAX_DEPTH = 32
MAX_DIGITS = 100
MAX_TEXT = 20_000
MAX_ID = 256
MAX_VALUES = 10_000
_BOUND = 10**MAX_DIGITS
_ID_FIELDS = frozenset({"id", "customer", "from", "to", "phone", "teammate"})


class EventTooLarge(ValueError):
    """A JSON line over the limits (deep nesting, a huge number)."""


def event_problem(event: object) -> str | None:
    """Why `event` cannot be handled at all, or None."""
    if not isinstance(event, Mapping):
        return "an event must be a JSON object (a mapping)"
    problem = _walk(event)
    if problem is not None:
        return problem
    at = event.get("at")
    return _time_problem(at) if isinstance(at, str) else None


def _walk(event: Mapping[object, object]) -> str | None:
    stack: list[tuple[object, int, str]] = [(event, 0, "the event")]
    seen = 0
    while stack:
        value, depth, where = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            return f"the event holds more than {MAX_VALUES:,} values"
        if depth > MAX_DEPTH:
            return f"the event is nested deeper than {MAX_DEPTH} levels"
        if isinstance(value, str):
            problem = text_problem(value, where)
        elif isinstance(value, int) and not isinstance(value, bool):
            problem = None if -_BOUND < value < _BOUND else f"{where} has over {MAX_DIGITS} digits"
        elif isinstance(value, Mapping):
            problem = _items(value, depth, where, stack)
        elif isinstance(value, Sequence | set | frozenset) and not isinstance(value, bytes):
            stack.extend((item, depth + 1, f"{where}[{i}]") for i, item in enumerate(value))
            problem = None
        else:
            problem = None
        if problem is not None:
            return problem
    return None


def _items(
    value: Mapping[object, object], depth: int, where: str, stack: list[tuple[object, int, str]]
) -> str | None:
    for key, item in value.items():
        if not isinstance(key, str):
            return f"{where} has a key that is not text"
        problem = text_problem(key, f"a key of {where}")
        if problem is not None:
            return problem
        name = f"`{key}`" if depth == 0 else f"{where}.{key}"
        if depth == 0 and key in _ID_FIELDS and isinstance(item, str) and len(item) > MAX_ID:
            return f"{name} is {len(item):,} characters long, over {MAX_ID}"
        stack.append((item, depth + 1, name))
    return None


def text_problem(text: str, where: str) -> str | None:
    """Why `text` cannot be stored: not valid Unicode, a NUL, too long."""
    if len(text) > MAX_TEXT:
        return f"{where} is {len(text):,} characters long, over {MAX_TEXT:,}"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"{where} is not valid Unicode text (a lone surrogate at {error.start + 1})"
    if "\x00" in text:
        return f"{where} holds a NUL character"
    return None


def _time_problem(at: str) -> str | None:
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None  # the event model says what is wrong with it
    try:
        moment.astimezone(UTC) if moment.tzinfo is not None else moment
    except (OverflowError, ValueError):
        return f"`at` {at!r} is out of range once converted to UTC"
    return None


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise EventTooLarge(f"a number of {len(digits):,} digits (at most {MAX_DIGITS})")
    return int(digits)


def _depth(line: str) -> int:
    """How deeply brackets nest in `line`, ignoring those inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in line:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def parse_json_line(line: str) -> object:
    """One JSON value; `EventTooLarge` or `json.JSONDecodeError` (both ValueError)."""
    if line.count("[") + line.count("{") > MAX_DEPTH and _depth(line) > MAX_DEPTH:
        raise EventTooLarge(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    return json.loads(line, parse_int=_bounded_int)


def store_refusal(store: ConversationStore, error: BaseException) -> str | None:
    """Why the database refused an event for good, or None for an error that running
    the call again may cure (or that is not the database's)."""
    if isinstance(error, psycopg.Error) and not store.is_retryable(error):
        state = f" (SQLSTATE {error.sqlstate})" if error.sqlstate else ""
        return f"the database refused it{state}: {_first_line(error)}"
    deterministic = (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.InterfaceError)
    if isinstance(error, deterministic) and not store.is_retryable(error):
        return f"the database refused it: {_first_line(error)}"
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
