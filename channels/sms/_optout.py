"""Opt-out keywords (docs/channels.md, "Opt-out") and messages that only read like an opt-out."""

from __future__ import annotations

import re

from .._protocol import Keyword

OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})

_TRAILING = ".!?,;:…'\")"
_READS_AS_OPT_OUT = re.compile(
    r"\b(?:stop\s+(?:texting|txting|messaging|sending|contacting|calling|spamming)"
    r"|unsubscribe|opt\s*-?\s*(?:me\s+)?out|remove\s+me|take\s+me\s+off"
    r"|(?:do\s+not|don'?t|dont)\s+(?:text|txt|message|contact)"
    r"|no\s+more\s+(?:texts|messages|sms))\b",
    re.IGNORECASE,
)


def keyword_of(body: str) -> Keyword | None:
    """The keyword a whole message is (any case, spaces and trailing punctuation ignored)."""
    word = body.strip().rstrip(_TRAILING).strip().upper()
    if word in OPT_OUT_WORDS:
        return "opt_out"
    if word in OPT_IN_WORDS:
        return "opt_in"
    if word in HELP_WORDS:
        return "help"
    return None


def reads_as_opt_out(body: str) -> bool:
    """A longer message asking to stop ("please stop texting me"): a teammate decides."""
    return keyword_of(body) is None and _READS_AS_OPT_OUT.search(body) is not None
