"""Logging that cannot be forged or flooded.

`clean` escapes control characters (a `MessageSid` with a newline would otherwise write
a line of its own into the log) and shortens what a client sent to a readable length.
`once_a_second` logs the same failure at most once a second, with a count of the ones
it held back: a flood of bad connections must not fill the disk with tracebacks.
"""

from __future__ import annotations

import logging
import threading
import time

MAX_SHOWN = 200

_lock = threading.Lock()
_last: dict[tuple[str, str], tuple[float, int]] = {}


def clean(value: object, limit: int = MAX_SHOWN) -> str:
    """`value` as one printable line: control characters escaped, long text cut."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def once_a_second(
    logger: logging.Logger, message: str, *args: object, level: int = logging.ERROR
) -> None:
    """Log `message % args` unless the same message was logged less than 1 s ago."""
    key = (logger.name, message)
    now = time.monotonic()
    with _lock:
        last, held = _last.get(key, (0.0, 0))
        if now - last < 1.0:
            _last[key] = (last, held + 1)
            return
        _last[key] = (now, 0)
        if len(_last) > 1000:
            _last.clear()
    shown = tuple(clean(arg) if isinstance(arg, str | BaseException) else arg for arg in args)
    if held:
        logger.log(level, message + " (and %d more like it in the last second)", *shown, held)
    else:
        logger.log(level, message, *shown)
