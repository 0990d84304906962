"""Workspace sections the engine keeps for the layers above it, with where they are.

A workspace file holds what workflows may refer to (the engine's part: attributes,
teams, teammates, channels, the executor) and settings the engine never reads, such as
a channel's (SMS countries, threading windows, the HELP text).  The engine keeps each
of those top-level keys as a `Setting`: the plain value with its location, so the layer
that owns it can check it and report a finding at `file:line:column`.

    >>> from rules_engine.sections import parse_duration
    >>> parse_duration("12h")
    datetime.timedelta(seconds=43200)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from ._reader import did_you_mean, one_of
from .findings import Finding
from .model import NOWHERE, Location

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|h|m|s|days?|hours?|minutes?|seconds?)\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


@dataclass(frozen=True)
class Setting:
    """One value of a section: a scalar (str, int, float, bool, None), a tuple of
    settings (a YAML list) or a mapping of names to settings, with its location."""

    value: object
    location: Location = NOWHERE
    key_location: Location = field(default=NOWHERE, compare=False)

    def mapping(self) -> Mapping[str, Setting] | None:
        return self.value if isinstance(self.value, dict) else None

    def items(self) -> tuple[Setting, ...] | None:
        return self.value if isinstance(self.value, tuple) else None

    def text(self) -> str | None:
        return self.value if isinstance(self.value, str) else None

    def finding(self, message: str, hint: str | None = None, *, code: str = "E-schema") -> Finding:
        return Finding(code, self.location, message, hint)


def parse_duration(value: object) -> timedelta | None:
    """`5d`, `12h`, `30m`, `45s`, or a number of days; None when it is not a positive one."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(days=value) if value > 0 else None
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or float(match.group(1)) <= 0:
        return None
    return timedelta(**{_UNITS[match.group(2)[0]]: float(match.group(1))})


def unknown_keys(entries: Mapping[str, Setting], known: Iterable[str], where: str) -> list[Finding]:
    """An `E-schema` finding for each key of `entries` not in `known`, with a hint."""
    choices = tuple(known)
    findings = []
    for key, setting in entries.items():
        if key not in choices:
            hint = did_you_mean(key, choices) or f"expected {one_of(choices)}"
            findings.append(
                Finding("E-schema", setting.key_location, f"unknown key `{key}` in {where}", hint)
            )
    return findings
