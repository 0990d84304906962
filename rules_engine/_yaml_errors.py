"""YAML syntax errors in plain language: what is wrong, where, and what to do.

PyYAML's own wording ("mapping values are not allowed here", "expected <block end>,
but found '<block mapping start>'") names its parser's states, not the writer's
mistake.  `explain` maps each kind of error to a sentence and a hint, and picks the mark
that points at the mistake (an unclosed quote is reported where it opens, not at the
end of the file).  Unknown kinds get a general sentence, never the parser's text.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .model import Location


@dataclass(frozen=True)
class _Kind:
    problem: str  # a fragment of PyYAML's `problem`
    context: str  # a fragment of its `context` ("" matches any)
    message: str
    hint: str
    at_context: bool  # point at the context mark (where the construct opened)


_KINDS: tuple[_Kind, ...] = (
    _Kind(
        "'\\t'",
        "",
        "a tab character: YAML indents with spaces only",
        "replace the tab with spaces (two per level of indentation)",
        False,
    ),
    _Kind(
        "could not find expected ':'",
        "",
        "a key without a `:` after it",
        "write `key: value`, with a space after the colon",
        True,
    ),
    _Kind(
        "end of stream",
        "quoted scalar",
        "a quote that is never closed",
        "close the text with the same quote it opens with (\" or ') on the same line",
        True,
    ),
    _Kind(
        "']'",
        "",
        "a `[` that is never closed",
        "end the list with `]` (items are separated by commas)",
        True,
    ),
    _Kind(
        "'}'",
        "",
        "a `{` that is never closed",
        "end the mapping with `}` (pairs are separated by commas)",
        True,
    ),
    _Kind(
        "mapping values are not allowed",
        "",
        "a `:` that cannot start a value here",
        "put text that contains `: ` in quotes; check that this line is indented like the "
        "keys beside it, and that the line above has its `:`",
        False,
    ),
    _Kind(
        "expected <block end>",
        "",
        "this line is indented differently from the lines around it",
        "line up the keys of one mapping (or the `-` of one list) at the same column; "
        "nested keys go two spaces further in",
        False,
    ),
    _Kind(
        "did not find expected key",
        "",
        "this line is indented differently from the lines around it",
        "line up the keys of one mapping at the same column",
        False,
    ),
    _Kind(
        "did not find expected '-'",
        "",
        "a list item that is not lined up with the items above it",
        "start every item of one list with `-` at the same column",
        False,
    ),
    _Kind(
        "cannot start any token",
        "",
        "a value that cannot start with this character",
        "put the value in quotes",
        False,
    ),
    _Kind(
        "unexpected end of stream",
        "",
        "the file ends in the middle of a value",
        "close every quote and bracket that is opened",
        True,
    ),
    _Kind(
        "undefined alias",
        "",
        "an alias (`*name`) with no anchor (`&name`) before it",
        "define the anchor first, or write the value out",
        False,
    ),
)
_GENERAL = (
    "this is not valid YAML",
    "check the indentation, the colons, the quotes and the brackets on this line and the one "
    "before",
)


def explain(error: yaml.MarkedYAMLError, file: str) -> tuple[Location, str, str]:
    """(where, message, hint) for one PyYAML error."""
    problem, context = error.problem or "", error.context or ""
    kind = next((k for k in _KINDS if k.problem in problem and k.context in context), None)
    marks = (error.context_mark, error.problem_mark) if kind and kind.at_context else ()
    mark = next((m for m in (*marks, error.problem_mark, error.context_mark) if m), None)
    where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
    message, hint = (kind.message, kind.hint) if kind else _GENERAL
    return where, f"invalid YAML: {message}", hint
