"""`matches`: regular expressions run by RE2, in time linear in the text.

Python's `re` backtracks: `(a+)+$` against 1,600 `a`s and a `!` takes longer than the
age of the universe, and holds the GIL while it does.  RE2 (through the `google-re2`
bindings) never backtracks, so a condition can never stall a decision.  Its syntax is
Python's without the constructs that need backtracking: backreferences (`\\1`,
`(?P=name)`), lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`), possessive and atomic groups,
and `\\Z` (write `\\z` or `$`).  Those are a validation error (`pattern_problem`), so
every executor sees the same patterns.  `\\d`, `\\w`, `\\s` and `\\b` are ASCII in RE2.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

import re2


class Pattern(Protocol):
    def search(self, text: str) -> object | None: ...


_OPTIONS: Any = re2.Options()
_OPTIONS.log_errors = False  # an invalid pattern is reported by `validate`, not on stderr
# Patterns longer than this are refused: a workflow condition is a short test.
MAX_PATTERN = 1000
_HINT = (
    "`matches` runs RE2, which guarantees linear time: it has no backreferences "
    "(\\1, (?P=name)), no lookahead or lookbehind ((?=, (?!, (?<=, (?<!) and no \\Z "
    "(use $ or \\z); rewrite the test with `all`/`any`/`not`, `contains` or `starts_with`"
)


def pattern_problem(pattern: str) -> tuple[str, str] | None:
    """(message, hint) when RE2 does not run `pattern`; None when it does."""
    if len(pattern) > MAX_PATTERN:
        return (
            f"the regular expression is {len(pattern)} characters long, over {MAX_PATTERN}",
            "split it into several `matches` tests combined with `any`",
        )
    try:
        compiled_pattern(pattern)
    except re2.error as error:
        detail = error.args[0] if error.args else error
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return f"invalid regular expression {pattern!r} for RE2: {detail}", _HINT
    except (UnicodeEncodeError, ValueError, TypeError) as error:
        return f"invalid regular expression {pattern!r}: {error}", _HINT
    return None


@lru_cache(maxsize=4096)
def compiled_pattern(pattern: str) -> Pattern:
    compiled: Pattern = re2.compile(pattern, _OPTIONS)
    return compiled


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches anywhere in `text` (False for a pattern RE2 refuses)."""
    try:
        compiled = compiled_pattern(pattern)
    except (re2.error, UnicodeEncodeError, ValueError, TypeError):
        return False
    try:
        return compiled.search(text) is not None
    except UnicodeEncodeError:  # a lone surrogate: matched as U+FFFD
        clean = text.encode("utf-8", "replace").decode("utf-8")
        return compiled.search(clean) is not None
