"""`helpdesk-rules segments [TEXT] [--smart-encoding] [--json]`: what a text costs.

Prints "N characters, M segments (GSM-7)"; with `--smart-encoding` the text is counted
after the GSM-7 rewrite (curly quotes, long dashes, ellipsis, Unicode spaces), and the
saving is shown.  Without it, the saving the rewrite would bring is suggested.
"""

from __future__ import annotations

import argparse
import json
import sys

from channels.sms import SegmentCount, count_segments, smart_encode, suggest_smart_encoding


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "segments",
        help="count the characters and SMS segments of a text",
        description="Count a text's encoding, characters and SMS segments as carriers do.",
    )
    parser.add_argument("text", nargs="?", metavar="TEXT", help="the text (default: stdin)")
    parser.add_argument(
        "--smart-encoding",
        action="store_true",
        help="count the text after the GSM-7 rewrite of quotes, dashes and spaces",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = args.text if args.text is not None else _read_stdin()
    original = count_segments(text)
    counted = count_segments(smart_encode(text)) if args.smart_encoding else original
    if args.json:
        print(json.dumps(counted.to_dict(), ensure_ascii=False))
        return 0
    print(counted.describe())
    note = _saving_line(original, counted, args.smart_encoding)
    if note:
        print(note)
    return 0


def _read_stdin() -> str:
    text = sys.stdin.read()
    return text[:-1] if text.endswith("\n") else text


def _saving_line(original: SegmentCount, counted: SegmentCount, rewritten: bool) -> str | None:
    if rewritten:
        saved = original.segments - counted.segments
        if saved <= 0:
            return None
        return f"Smart encoding saved {_segments(saved)} ({original.describe()} before)."
    suggestion = suggest_smart_encoding(original.text)
    if suggestion is None:
        return None
    saved = original.segments - suggestion.segments
    return (
        f"Smart encoding would save {_segments(saved)}: {suggestion.describe()} "
        "(use --smart-encoding)."
    )


def _segments(count: int) -> str:
    return f"{count} segment" if count == 1 else f"{count} segments"
