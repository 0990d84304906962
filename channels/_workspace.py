"""The channels' settings in a workspace file, checked with `file:line:column` findings.

    threading: {reopen_window: 5d, reply_window: 7d}   every channel
    sms_countries: [US, CA]                              SMS
    help_text: "Reply STOP to opt out."                  SMS (the answer to HELP)

The engine keeps these keys as sections (`rules_engine.sections`); this module reads
them, and reports any top-level key that neither the engine nor a channel knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from rules_engine import Finding, Workspace
from rules_engine.sections import Setting, parse_duration, unknown_keys
from rules_engine.workspace import WORKSPACE_KEYS

from ._threading import ThreadingWindows
from .sms import SmsSettings

CHANNEL_KEYS: tuple[str, ...] = ("threading", "sms_countries", "help_text")
_WINDOWS = ("reopen_window", "reply_window")


@dataclass(frozen=True)
class ChannelConfig:
    """Every channel's settings from one workspace, and what was wrong with them."""

    windows: ThreadingWindows = field(default_factory=ThreadingWindows)
    sms: SmsSettings = field(default_factory=SmsSettings)
    findings: tuple[Finding, ...] = ()


def channel_config(workspace: Workspace) -> ChannelConfig:
    """Read the channels' settings; a bad value keeps its default and is a finding."""
    sections = workspace.sections
    findings = unknown_keys(sections, (*WORKSPACE_KEYS, *CHANNEL_KEYS), "the workspace")
    windows = _windows(sections.get("threading"), findings)
    countries = _countries(sections.get("sms_countries"), findings)
    help_text = _text(sections.get("help_text"), "`help_text`", findings)
    sms = SmsSettings(
        reopen_window=windows.reopen_window,
        reply_window=windows.reply_window,
        sms_countries=countries or SmsSettings().sms_countries,
        help_text=help_text or SmsSettings().help_text,
    )
    return ChannelConfig(windows, sms, tuple(findings))


def _windows(setting: Setting | None, findings: list[Finding]) -> ThreadingWindows:
    if setting is None:
        return ThreadingWindows()
    entries = _mapping(setting, "`threading`", findings)
    findings += unknown_keys(entries, _WINDOWS, "`threading`")
    values: dict[str, timedelta] = {}
    for key in _WINDOWS:
        if key in entries:
            window = parse_duration(entries[key].value)
            if window is None:
                findings.append(
                    entries[key].finding(
                        f"`threading.{key}` must be a positive duration",
                        "write it as `5d`, `12h` or `30m`",
                    )
                )
            else:
                values[key] = window
    return ThreadingWindows(**values)


def _countries(setting: Setting | None, findings: list[Finding]) -> tuple[str, ...] | None:
    if setting is None:
        return None
    items = setting.items()
    if items is None:
        findings.append(setting.finding("`sms_countries` must be a list of region codes"))
        return None
    codes: list[str] = []
    for item in items:
        code = item.text()
        if code is None or len(code) != 2 or not code.isalpha() or not code.isupper():
            findings.append(
                item.finding(
                    f"`sms_countries` holds {item.value!r}, not an ISO region code",
                    "write two capital letters, like `US` or `GB`",
                )
            )
        else:
            codes.append(code)
    if not items:
        findings.append(setting.finding("`sms_countries` must name at least one country"))
    return tuple(codes) or None


def _text(setting: Setting | None, what: str, findings: list[Finding]) -> str | None:
    if setting is None:
        return None
    text = setting.text()
    if text is None or not text.strip():
        findings.append(setting.finding(f"{what} must be a non-empty text"))
        return None
    return text


def _mapping(setting: Setting, what: str, findings: list[Finding]) -> Mapping[str, Setting]:
    entries = setting.mapping()
    if entries is None:
        findings.append(setting.finding(f"{what} must be a mapping"))
        return {}
    return entries
