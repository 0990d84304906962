"""`helpdesk-rules diff OLD NEW` or `diff --base REV PATH...`: one union picture per
changed workflow, and its one-line summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from rules_engine.loader import Project
from visualize import VisualizeError, diff_workflows, load_revision, pair_workflows

from . import UsageError
from ._render import add_format_option, load, parse_formats, write_all
from ._traffic_change import add_traffic_options, describe, over_limit, traffic_change


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="draw what changed between two versions of workflows",
        description="Compare two workflow files or folders (OLD NEW), or the given paths "
        "against a git revision (--base REV PATH...). Workflows are matched by name.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="OLD NEW, or the paths")
    parser.add_argument("--base", metavar="REV", help="compare PATH... with this git revision")
    parser.add_argument("--out", metavar="DIR", help="write the union pictures here")
    add_format_option(parser)
    parser.add_argument("--workspace", metavar="FILE", help="the workspace file")
    add_traffic_options(parser)
    parser.set_defaults(handler=run)


def sides(args: argparse.Namespace) -> tuple[Project, Project, tuple[str, str]]:
    if args.base is not None:
        try:
            old = load_revision(args.base, args.paths, args.workspace)
        except VisualizeError as error:
            raise UsageError(str(error)) from None
        return old, load(args.paths, args.workspace), (args.base, "working tree")
    if len(args.paths) != 2:
        raise UsageError("give OLD and NEW (two files or two folders), or --base REV PATH...")
    old_path, new_path = args.paths
    labels = (old_path, new_path)
    return load([old_path], args.workspace), load([new_path], args.workspace), labels


def run(args: argparse.Namespace) -> int:
    formats, explicit = parse_formats(args.format) if args.out else ([], False)
    old, new, labels = sides(args)
    diffs = [
        diff_workflows(before, after, labels)
        for _, before, after in pair_workflows(old.workflows, new.workflows)
    ]
    changed = [d for d in diffs if d.changed]
    for diff in changed:
        print(f"{diff.name}: {diff.summary}")
        for change in diff.changes:
            print(f"  {change.text()}")
    if not changed:
        print("no workflow changed")
    traffic = traffic_change(args, old, new)
    if traffic is not None:
        print("\n".join(describe(traffic)))
    code = 0
    if args.out:
        code = write_all([d.diagram for d in changed], Path(args.out), formats, explicit)
    return 1 if over_limit(args, traffic) else code
