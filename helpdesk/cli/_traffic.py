"""`helpdesk-rules traffic`: realistic SMS traffic as JSON Lines, for `simulate`."""

from __future__ import annotations

import argparse
import json
import sys

from helpdesk import generate_traffic

from . import UsageError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "traffic",
        help="generate realistic SMS traffic (JSON Lines) to simulate",
        description="Seeded, realistic SMS traffic: customers, first messages and follow-ups, "
        "closes, campaigns and replies to them, help-desk starts, STOP/START/HELP, images and "
        "videos, duplicate deliveries and invalid numbers. The same seed gives the same events.",
    )
    parser.add_argument("--customers", type=int, default=2000, metavar="N")
    parser.add_argument("--days", type=int, default=21, metavar="N")
    parser.add_argument("--seed", type=int, default=7)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.customers < 1 or args.days < 1:
        raise UsageError("--customers and --days must be at least 1")
    for event in generate_traffic(args.customers, seed=args.seed, days=args.days):
        sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    return 0
