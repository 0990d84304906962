"""The segment calculator and the GSM-7 rewrite."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.sms import count_segments, smart_encode, suggest_smart_encoding
from channels.sms._segments import GSM7_BASIC, GSM7_EXTENSION, unit_cost

GSM_CHARS = st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION))
ANY_CHARS = st.one_of(
    GSM_CHARS,
    st.sampled_from(["é", "ü", "€", "{", "“", "—", "中", "😀", "👍", "🏽", "\u00a0", "𝄞"]),
    st.characters(exclude_categories=["Cs"]),
)
TEXTS = st.text(ANY_CHARS, max_size=400)


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "per_segment"),
    [
        ("", "GSM-7", 0, 160),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 153),
        ("a" * 306, "GSM-7", 2, 153),
        ("a" * 307, "GSM-7", 3, 153),
        ("é" * 160, "GSM-7", 1, 160),
        ("€" * 80, "GSM-7", 1, 160),
        ("€" * 81, "GSM-7", 2, 153),
        ("ж" * 70, "UCS-2", 1, 70),
        ("ж" * 71, "UCS-2", 2, 67),
        ("😀" * 35, "UCS-2", 1, 70),
        ("😀" * 36, "UCS-2", 2, 67),
    ],
)
def test_known_values(text: str, encoding: str, segments: int, per_segment: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.segments, count.units_per_segment) == (
        encoding,
        segments,
        per_segment,
    )
    assert count.characters == len(text)


def test_extension_characters_take_two_septets() -> None:
    count = count_segments("{}[]~|^\\€")
    assert (count.encoding, count.characters, count.units) == ("GSM-7", 9, 18)


def test_an_escape_is_never_split() -> None:
    parts = count_segments("a" * 152 + "€" + "b" * 10).parts
    assert parts[0] == "a" * 152
    assert parts[1].startswith("€")


def test_a_surrogate_pair_is_never_split() -> None:
    parts = count_segments("ж" * 66 + "😀" + "ж" * 10).parts
    assert parts[0] == "ж" * 66
    assert parts[1].startswith("😀")


def test_describe() -> None:
    assert count_segments("hello").describe() == "5 characters, 1 segment (GSM-7)"
    assert count_segments("😀" * 36).describe() == "36 characters, 2 segments (UCS-2)"


def test_smart_encoding() -> None:
    assert smart_encode("“Hi” — it’s here…") == '"Hi" - it\'s here...'
    # As Twilio's smart encoding (and its calculator) write a no-break space: two spaces.
    assert smart_encode("it’s\u00a0here") == "it's  here"
    text = "It’s " + "a" * 80
    suggestion = suggest_smart_encoding(text)
    assert suggestion is not None
    assert (suggestion.encoding, suggestion.segments) == ("GSM-7", 1)
    assert count_segments(text).segments == 2


def test_no_suggestion_when_it_saves_nothing() -> None:
    assert suggest_smart_encoding("It’s short") is None  # 1 segment either way
    assert suggest_smart_encoding("plain") is None
    assert suggest_smart_encoding("中文 “quotes” " * 5) is None  # stays UCS-2


@given(TEXTS)
def test_joined_segments_give_back_the_text(text: str) -> None:
    count = count_segments(text)
    assert "".join(count.parts) == text
    assert len(count.parts) == count.segments


@given(TEXTS)
def test_no_segment_exceeds_its_limit(text: str) -> None:
    count = count_segments(text)
    for part in count.parts:
        assert sum(unit_cost(char, count.encoding) for char in part) <= count.units_per_segment
    if count.segments > 1:
        assert count.units_per_segment in (153, 67)


@given(TEXTS, TEXTS)
def test_appending_never_lowers_the_count(text: str, more: str) -> None:
    assert count_segments(text + more).segments >= count_segments(text).segments


@given(TEXTS)
def test_a_suggestion_always_saves(text: str) -> None:
    suggestion = suggest_smart_encoding(text)
    if suggestion is not None:
        assert suggestion.segments < count_segments(text).segments
        assert suggestion.text == smart_encode(text)
