"""`helpdesk-rules review PATH... --out DIR`: the review page and report.json; exit 1
on errors (and on warnings with --strict), so CI can gate a change on it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rules_engine.findings import has_errors
from visualize import VisualizeError, build_review, load_revision, review_markdown, write_review

from . import UsageError
from ._render import load
from ._traffic_change import add_traffic_options, describe, over_limit, traffic_change


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "review",
        help="write the review page (index.html) and report.json",
        description="Write a self-contained review page and report.json. Exit 0 when "
        "there are no errors, 1 when there are (or warnings, with --strict), 2 for a "
        "usage error.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="workflow files or folders")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    parser.add_argument("--base", metavar="REV", help="show what changed since this git revision")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--workspace", metavar="FILE", help="the workspace file")
    add_traffic_options(parser)
    parser.add_argument(
        "--markdown",
        metavar="FILE",
        help="also write a Markdown summary to post as a pull-request comment ('-': stdout)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    project = load(args.paths, args.workspace)
    base = None
    if args.base is not None:
        try:
            base = load_revision(args.base, args.paths, args.workspace)
        except VisualizeError as error:
            raise UsageError(str(error)) from None
    if args.traffic is not None and base is None:
        raise UsageError("--traffic needs --base REV: the version to compare with")
    traffic = traffic_change(args, base, project) if base is not None else None
    data = traffic.to_dict() if traffic is not None else None
    review = build_review(project, base, args.base, data)
    for path in write_review(review, Path(args.out)):
        print(f"wrote {path}")
    if args.markdown:
        _write_markdown(review_markdown(review), args.markdown)
    print(review.summary())
    if traffic is not None:
        print("\n".join(describe(traffic)))
    failed = has_errors(project.findings, strict=args.strict)
    return 1 if over_limit(args, traffic) or failed else 0


def _write_markdown(text: str, target: str) -> None:
    if target == "-":
        sys.stdout.write(text)
        return
    Path(target).write_text(text, encoding="utf-8")
    print(f"wrote {target}")
