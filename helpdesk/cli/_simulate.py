"""`helpdesk-rules simulate EVENTS.jsonl`: events through the channels, the engine and the store.

One JSON event per line (the README's tour).  With `--json`, one JSON object per input
event, in input order; without it, a table and a summary.  Lines that are not JSON
objects are reported with their line numbers and skipped; the others are processed.

The input is read a line at a time and nothing is kept per event (the summary's final
states come from the store), so memory stays flat however long the file.  On SQLite
the events are committed in groups (`SqliteStore.deferred`), not one fsync each: a
crash loses at most the last group, and running the same file again stores it (the
events already stored are duplicates, skipped by their id).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from helpdesk import HelpDesk, Outcome, RecordingSender, SqliteStore, open_store
from helpdesk._guard import EventTooLarge, parse_json_line
from helpdesk._sql import SqlTransaction, StoreTotals
from rules_engine.errors import ValidationError, WorkflowError
from rules_engine.workspace import EXECUTORS

from .._project import desk_engine
from . import UsageError
from ._summary import Summary

PROGRESS_AFTER = 1000  # lines: a progress bar on standard error for longer inputs


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="run SMS events (JSON Lines) through threading, workflows and the store",
        description="Run events through the channel adapters, the workflows and a store. Exit 0 "
        "when every line was processed (a rejection is a normal outcome), 1 when some lines "
        "could not be read, 2 for a usage error.",
    )
    parser.add_argument(
        "events", metavar="EVENTS.jsonl", help="one JSON event per line ('-': stdin)"
    )
    parser.add_argument("--workflows", default="workflows", metavar="DIR")
    parser.add_argument("--workspace", metavar="FILE")
    parser.add_argument(
        "--database", metavar="PATH", help="SQLite path or postgresql:// URL (default: temporary)"
    )
    parser.add_argument("--engine", choices=EXECUTORS, help="the executor")
    parser.add_argument("--json", action="store_true", help="one JSON object per event")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    with ExitStack() as stack:
        desk = _open_desk(args, stack)
        stack.callback(desk.close)
        source = _open_events(args.events, stack)
        summary = Summary(keep_state=not _is_empty(desk))
        if isinstance(desk.store, SqliteStore):
            stack.enter_context(desk.store.deferred())
        return _simulate(desk, source, args, summary)
    return 0  # pragma: no cover - the with block returns


def _is_empty(desk: HelpDesk) -> bool:
    """Whether the store holds no conversation and no customer yet: then the summary's
    final states are the store's, and nothing per event is kept to count them."""
    with desk.store.snapshot() as view:
        if not isinstance(view, SqlTransaction):
            return False
        totals = view.totals()
    return totals.customers == 0 and totals.conversations == 0


def _final(desk: HelpDesk) -> StoreTotals | None:
    with desk.store.snapshot() as view:
        return view.totals() if isinstance(view, SqlTransaction) else None


def _open_desk(args: argparse.Namespace, stack: ExitStack) -> HelpDesk:
    try:
        engine, config = desk_engine([args.workflows], args.workspace, args.engine)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    except ValidationError as error:
        lines = "\n".join(f.format() for f in error.findings if f.severity == "error")
        raise UsageError(f"the workflows have errors:\n{lines}") from None
    except WorkflowError as error:
        raise UsageError(str(error)) from None
    database = args.database
    if database is None:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="helpdesk-simulate-"))
        database = str(Path(folder) / "helpdesk.db")
    sender = RecordingSender(keep=False)  # simulate sends nothing; the store has the replies
    desk = HelpDesk(engine, open_store(database), settings=config.sms, sender=sender)
    desk.workload.rebalance()  # an existing database: limits may have been raised
    return desk


def _open_events(path: str, stack: ExitStack) -> TextIO:
    if path == "-":
        return sys.stdin
    try:
        return stack.enter_context(open(path, encoding="utf-8", errors="surrogateescape"))
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None


def _simulate(desk: HelpDesk, source: TextIO, args: argparse.Namespace, summary: Summary) -> int:
    unreadable = 0
    table = None if args.json else _Table(sys.stdout)
    for number, line in _progress(source, args.events):
        event = _parse(line, number, args.events)
        if event is None:
            unreadable += line.strip() != ""
            continue
        outcome = desk.handle(event)
        summary.add(outcome.to_dict())
        if table is None:
            print(json.dumps(outcome.to_dict(), ensure_ascii=False), flush=False)
        else:
            table.row(number, outcome)
    if table is not None:
        if not summary.keep_state:
            summary.final = _final(desk)
        print()
        print(summary.render())
    if unreadable:
        print(
            f"{unreadable} line(s) could not be read; the others were processed.", file=sys.stderr
        )
    return 1 if unreadable else 0


def _progress(source: TextIO, path: str) -> Iterator[tuple[int, str]]:
    numbered = enumerate(source, start=1)
    total = _line_count(path)
    if total is None or total < PROGRESS_AFTER:
        return numbered
    bar = tqdm(numbered, total=total, unit=" events", file=sys.stderr, leave=False, disable=None)
    return iter(bar)


def _line_count(path: str) -> int | None:
    """The lines of a file, counted in blocks without keeping them (None for stdin)."""
    if path == "-":
        return None
    count, last = 0, b"\n"
    with open(path, "rb") as data:
        while block := data.read(1 << 20):
            count, last = count + block.count(b"\n"), block[-1:]
    return count + (last != b"\n")


def _parse(line: str, number: int, path: str) -> dict[str, object] | None:
    if not line.strip():
        return None
    try:
        line.encode("utf-8")
    except UnicodeEncodeError as error:  # undecodable bytes, kept by surrogateescape
        print(f"{path}:{number}: not UTF-8 text (column {error.start + 1})", file=sys.stderr)
        return None
    try:
        event = parse_json_line(line)
    except json.JSONDecodeError as error:
        print(f"{path}:{number}: not JSON: {error.msg} (column {error.colno})", file=sys.stderr)
        return None
    except (EventTooLarge, RecursionError) as error:
        print(f"{path}:{number}: not read: {error}", file=sys.stderr)
        return None
    if not isinstance(event, dict):
        print(f"{path}:{number}: an event must be a JSON object", file=sys.stderr)
        return None
    return event


class _Table:
    """The readable form: one line per event."""

    HEADER = f"{'line':>6}  {'event':<12} {'type':<19} {'threading':<10} {'conv':<7} details"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        print(self.HEADER, file=out)

    def row(self, number: int, outcome: Outcome) -> None:
        details = self._details(outcome)
        print(
            f"{number:>6}  {outcome.event or '-':<12.12} {outcome.type:<19.19} "
            f"{outcome.threading or '-':<10} {outcome.conversation or '-':<7} {details}",
            file=self.out,
        )

    @staticmethod
    def _details(outcome: Outcome) -> str:
        if outcome.threading in ("rejected", "duplicate"):
            return outcome.reason or ""
        parts = [f"{run.workflow}: {' → '.join(run.path)}" for run in outcome.workflows]
        if outcome.state is not None and outcome.state.assignee:
            parts.append(f"assignee {outcome.state.assignee}")
        return "; ".join(parts)
