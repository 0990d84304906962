"""The `helpdesk-rules` command: one command, subcommands in their own modules.

Each subcommand module has `register(subparsers)`, which adds its parser and sets
`handler` to a function `(args) -> int` (the exit code); only the module of the
subcommand named is imported (all of them for `--help`).  User errors are one clear
line on standard error and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

# Subcommand modules, in the order `--help` lists them.
_COMMANDS: tuple[str, ...] = (
    "validate",
    "explain",
    "simulate",
    "history",
    "traffic",
    "summary",
    "segments",
    "render",
    "diff",
    "review",
    "serve",
    "bench",
)


class UsageError(Exception):
    """Bad command-line use: exit status 2."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser.  Given one of our subcommands, only its module is imported, so that
    `helpdesk-rules validate` does not load the webhook's or the stores' libraries."""
    parser = argparse.ArgumentParser(
        prog="helpdesk-rules",
        description="Workflow rules engine for help desks that run two-way SMS.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in (command,) if command in _COMMANDS else _COMMANDS:
        module = import_module(f"helpdesk.cli._{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    try:
        code: int = args.handler(args)
    except UsageError as error:
        print(f"helpdesk-rules {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return code
