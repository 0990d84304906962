"""SMS: phone numbers, content rules, segments and opt-out keywords (docs/channels.md).

>>> from channels.sms import SmsChannel, SmsSettings, count_segments
>>> count_segments("Hi there").segments
1
>>> SmsChannel(SmsSettings(sms_countries=("US",))).identity("(415) 555-0101", field="to").address
'+14155550101'
"""

from __future__ import annotations

from ._channel import SmsChannel as SmsChannel
from ._content import check_outbound as check_outbound
from ._content import receive_content as receive_content
from ._content import render_macro as render_macro
from ._optout import keyword_of as keyword_of
from ._optout import reads_as_opt_out as reads_as_opt_out
from ._phone import PhoneNumber as PhoneNumber
from ._phone import label as label
from ._phone import parse_phone as parse_phone
from ._segments import GSM7_BASIC as GSM7_BASIC
from ._segments import GSM7_EXTENSION as GSM7_EXTENSION
from ._segments import SegmentCount as SegmentCount
from ._segments import count_segments as count_segments
from ._segments import smart_encode as smart_encode
from ._segments import suggest_smart_encoding as suggest_smart_encoding
from ._segments import unit_cost as unit_cost
from ._settings import DEFAULT_HELP_TEXT as DEFAULT_HELP_TEXT
from ._settings import SmsSettings as SmsSettings

__all__ = [
    "DEFAULT_HELP_TEXT",
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "PhoneNumber",
    "SegmentCount",
    "SmsChannel",
    "SmsSettings",
    "check_outbound",
    "count_segments",
    "keyword_of",
    "label",
    "parse_phone",
    "reads_as_opt_out",
    "receive_content",
    "render_macro",
    "smart_encode",
    "suggest_smart_encoding",
    "unit_cost",
]
