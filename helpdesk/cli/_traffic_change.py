"""`--traffic EVENTS.jsonl` and `--max-changed PERCENT` for `diff` and `review`: replay
recorded events through both versions and gate CI on how much would be re-routed."""

from __future__ import annotations

import argparse
import sys

from rules_engine.errors import WorkflowError
from rules_engine.loader import Project

from .._replay import TrafficChange, read_events, replay
from . import UsageError


def add_traffic_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--traffic",
        metavar="EVENTS.jsonl",
        help="replay these events through both versions and report what is routed differently",
    )
    parser.add_argument(
        "--max-changed",
        type=float,
        metavar="PERCENT",
        help="exit 1 when more than PERCENT of the routed events would be routed differently",
    )


def traffic_change(args: argparse.Namespace, old: Project, new: Project) -> TrafficChange | None:
    if args.traffic is None:
        if args.max_changed is not None:
            raise UsageError("--max-changed needs --traffic EVENTS.jsonl")
        return None
    try:
        events = read_events(args.traffic)
    except OSError as error:
        raise UsageError(f"cannot read {args.traffic}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(str(error)) from None
    for label, side in (("old", old), ("new", new)):
        if side.errors:
            first = side.errors[0].format()
            raise UsageError(f"cannot replay traffic: the {label} workflows have errors ({first})")
    try:
        return replay(old, new, events)
    except WorkflowError as error:
        raise UsageError(str(error)) from None


def describe(change: TrafficChange) -> list[str]:
    """The replay in a few lines of text, for the terminal."""
    lines = [
        f"traffic: {change.rerouted} of {change.routed} routed events ({change.percent:.1f}%) "
        f"and {change.rerouted_conversations} of {change.conversations} conversations "
        f"would be routed differently ({change.events} events replayed in {change.seconds:.1f} s)"
    ]
    for old, new, count, examples in change.routes:
        was = f"{old.workflow}: {old.path} → {old.assignee}" if old else "no workflow"
        now = f"{new.workflow}: {new.path} → {new.assignee}" if new else "no workflow"
        lines.append(f"  {count:>6}  {was}  ⇒  {now}  (e.g. {', '.join(examples)})")
    for label, rows in (("now sent", change.now_sent), ("no longer sent", change.no_longer_sent)):
        for text, count, examples in rows:
            lines.append(f"  reply {label} {count}×: {text!r} (e.g. {', '.join(examples)})")
    return lines


def over_limit(args: argparse.Namespace, change: TrafficChange | None) -> bool:
    """True (and says so) when more traffic would be re-routed than `--max-changed`."""
    if change is None or args.max_changed is None or change.percent <= args.max_changed:
        return False
    print(
        f"{change.percent:.1f}% of routed events would be routed differently, "
        f"more than --max-changed {args.max_changed:g}%",
        file=sys.stderr,
    )
    return True
