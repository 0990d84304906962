"""`helpdesk-rules validate PATH...`: every finding, `file:line:col: CODE message (hint)`."""

from __future__ import annotations

import argparse
import json
import sys

from rules_engine.findings import has_errors, summary

from .._project import load_desk_project
from . import UsageError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check workflow files and report every problem",
        description="Check workflows against the workspace. Exit 0 when there are no "
        "errors, 1 when there are, 2 for a usage error.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="workflow files or folders")
    parser.add_argument("--workspace", metavar="FILE", help="the workspace file to check against")
    parser.add_argument("--json", action="store_true", help="print the findings as a JSON list")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        project, _ = load_desk_project(args.paths, args.workspace)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    if args.json:
        json.dump([f.to_dict() for f in project.findings], sys.stdout, indent=2)
        print()
    else:
        for finding in project.findings:
            print(finding.format())
        print(summary(project.findings, len(project.files)))
    return 1 if has_errors(project.findings, strict=args.strict) else 0
