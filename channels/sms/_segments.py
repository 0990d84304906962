"""Segments: how carriers split a text message, and the GSM-7 rewrite that saves some.

GSM-7 carries 160 septets in one segment, 153 per segment once split; UCS-2 carries 70
units, 67 once split.  GSM extension characters take two septets (an escape and the
character), characters outside the Basic Multilingual Plane take two UCS-2 units (a
surrogate pair); neither is ever split across two segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ._smart_map import TWILIO_SMART_ENCODING

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_LIMITS: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}

# Unicode look-alikes and their GSM-7 spelling ("smart encoding"): every character
# Twilio's own smart encoding rewrites, as it rewrites it (`_smart_map`: no-break and
# other wide spaces become two spaces, a tab seven), so that a text counts the same
# segments here as in Twilio's calculator.  Two exceptions keep the meaning: Twilio maps
# `‹` to `>` and `›` to `<`; here they keep their direction (same length, same count).
# (U+2017 is `_` as in the calculator's source; its published build has `'`.)
# Then a few look-alikes Twilio leaves alone but that have an obvious GSM-7 spelling.
_SMART: dict[str, str] = {
    **TWILIO_SMART_ENCODING,
    "‹": "<",
    "›": ">",
    **dict.fromkeys("′‵", "'"),
    **dict.fromkeys("″‶", '"'),
    **dict.fromkeys("‑‒−", "-"),
    **dict.fromkeys("\u200c\u200d\u00ad", ""),
    "×": "x",
}


@dataclass(frozen=True)
class SegmentCount:
    """What a text costs to send: its encoding, length and segments.

    `characters` counts code points (an emoji is one character even where it takes
    two UCS-2 units); `units` counts septets (GSM-7) or UCS-2 code units.
    """

    text: str
    encoding: Encoding
    characters: int
    units: int
    segments: int
    units_per_segment: int
    parts: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "encoding": self.encoding,
            "characters": self.characters,
            "segments": self.segments,
            "units_per_segment": self.units_per_segment,
            "text": self.text,
        }

    def describe(self) -> str:
        """`N characters, M segments (GSM-7)`: what a teammate sees before sending."""
        chars = "character" if self.characters == 1 else "characters"
        segs = "segment" if self.segments == 1 else "segments"
        return f"{self.characters} {chars}, {self.segments} {segs} ({self.encoding})"


def encoding_of(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM-7 alphabet, else UCS-2."""
    gsm = all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)
    return "GSM-7" if gsm else "UCS-2"


def unit_cost(char: str, encoding: Encoding) -> int:
    """Septets (GSM-7) or UCS-2 code units one character takes."""
    if encoding == "GSM-7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def count_segments(text: str) -> SegmentCount:
    """Encoding, characters and segments of `text`, as carriers count them."""
    encoding = encoding_of(text)
    single, split = _LIMITS[encoding]
    units = sum(unit_cost(char, encoding) for char in text)
    parts: tuple[str, ...]
    if units <= single:
        parts = (text,) if text else ()
        per_segment = single
    else:
        parts = _split(text, encoding, split)
        per_segment = split
    return SegmentCount(
        text=text,
        encoding=encoding,
        characters=len(text),
        units=units,
        segments=len(parts),
        units_per_segment=per_segment,
        parts=parts,
    )


def _split(text: str, encoding: Encoding, limit: int) -> tuple[str, ...]:
    parts: list[str] = []
    start, used = 0, 0
    for index, char in enumerate(text):
        cost = unit_cost(char, encoding)
        if used + cost > limit:
            parts.append(text[start:index])
            start, used = index, 0
        used += cost
    parts.append(text[start:])
    return tuple(parts)


def smart_encode(text: str) -> str:
    """`text` with Unicode look-alikes (curly quotes, long dashes, …) spelt in GSM-7."""
    return "".join(_SMART.get(char, char) for char in text)


def suggest_smart_encoding(text: str) -> SegmentCount | None:
    """The GSM-7 rewrite of `text`, when (and only when) it takes fewer segments."""
    rewritten = smart_encode(text)
    if rewritten == text:
        return None
    before, after = count_segments(text), count_segments(rewritten)
    return after if after.segments < before.segments else None
