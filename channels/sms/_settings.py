"""The workspace settings the SMS channel reads."""

from __future__ import annotations

from dataclasses import dataclass

from .._threading import ThreadingWindows

DEFAULT_HELP_TEXT = "Reply STOP to opt out. Msg&data rates may apply."
DEFAULT_COUNTRIES = ("US", "CA")


@dataclass(frozen=True)
class SmsSettings(ThreadingWindows):
    """Threading windows, SMS-enabled countries and the HELP reply of one workspace.

    `sms_countries`: ISO 3166 region codes where the workspace may text customers.
    """

    sms_countries: tuple[str, ...] = DEFAULT_COUNTRIES
    help_text: str = DEFAULT_HELP_TEXT

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.sms_countries:
            raise ValueError("SmsSettings.sms_countries must name at least one country.")
        for code in self.sms_countries:
            if len(code) != 2 or not code.isalpha() or not code.isupper():
                raise ValueError(
                    f"SmsSettings.sms_countries holds {code!r}; use ISO region codes like 'US'."
                )
