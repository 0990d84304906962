"""The GSM-7 rewrite agrees with Twilio's message-segment-calculator.

`data/twilio_calculator_smart.json` holds the calculator's own results (version 1.2.0,
smart encoding on) for 341 texts: each character of its smart-encoding map followed by
159 letters (one segment exactly when the rewrite is one GSM-7 character), all of them
at once, and random mixes.  The rewrite here must cover every character the calculator
rewrites, and count the same encoding and segments for every text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels.sms._segments import _SMART, count_segments, smart_encode
from channels.sms._smart_map import TWILIO_SMART_ENCODING

CASES = json.loads((Path(__file__).parent / "data" / "twilio_calculator_smart.json").read_text())
# Rewritten to one GSM-7 character like the calculator's, but another: `‹` and `›` keep
# their direction (the calculator swaps them); U+2017 DOUBLE LOW LINE is `_` as in the
# calculator's source, where its published build still has `'`.
KEPT = {"‹": "<", "›": ">"}
SAME_LENGTH = frozenset("‹›\u2017")


def test_every_character_twilio_rewrites_is_rewritten_the_same_way() -> None:
    differ = {
        f"U+{ord(char):04X}": (_SMART.get(char), value)
        for char, value in TWILIO_SMART_ENCODING.items()
        if _SMART.get(char) != KEPT.get(char, value)
    }
    assert differ == {}
    assert len(TWILIO_SMART_ENCODING) == 270


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda case: f"{len(case['text'])}")
def test_segments_agree_with_the_calculator(case: dict[str, object]) -> None:
    text = str(case["text"])
    rewritten = smart_encode(text)
    counted = count_segments(rewritten)
    assert (counted.encoding, counted.segments) == (case["encoding"], case["segments"])
    if SAME_LENGTH.isdisjoint(text):
        assert rewritten == case["rewritten"]
    else:
        assert len(rewritten) == len(str(case["rewritten"]))
