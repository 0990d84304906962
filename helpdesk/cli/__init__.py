"""The `helpdesk-rules` command: one command, subcommands in their own modules.

Each subcommand module has `register(subparsers)`, which adds its parser and sets
`handler` to a function `(args) -> int` (the exit code).  User errors are one clear
line on standard error and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from channels import ChannelError
from rules_engine.errors import WorkflowError

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpdesk-rules",
        description="Workflow rules engine for help desks that run two-way SMS.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        module = import_module(f"helpdesk.cli._{name}")
        module.register(subparsers)
    return parser


def describe(error: Exception) -> str:
    """One line for an error the command did not expect (control characters escaped)."""
    from helpdesk._logsafe import clean

    format_message = getattr(error, "format_message", None)
    text = format_message() if callable(format_message) else f"{type(error).__name__}: {error}"
    if isinstance(error, ChannelError | WorkflowError):
        return clean(text, 2000)
    return clean(f"unexpected error ({text}); set HELPDESK_RULES_TRACEBACK=1 to see where", 2000)


def missing_sqlite_database(database: str | None) -> str | None:
    """For commands that only read: a SQLite path that does not exist (opening it would
    create an empty database and hide the typo)."""
    if database is None or ("://" in database and not database.startswith("sqlite:///")):
        return None
    path = database.removeprefix("sqlite:///")
    if os.path.exists(path):
        return None
    return f"there is no database at {path!r} (check the path; nothing was created)"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except UsageError as error:
        print(f"helpdesk-rules {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # the last line of defence: one line, never a traceback
        if os.environ.get("HELPDESK_RULES_TRACEBACK"):
            raise
        print(f"helpdesk-rules {args.command}: {describe(error)}", file=sys.stderr)
        return 1
    return code
