"""`helpdesk-rules explain [--engine E] [--workspace FILE] WORKFLOW_DIR EVENT_JSON [--json]`.

Shows which workflow would run for one event and why: the workflows of the event's
trigger in priority order with the reason each was skipped, then the path with every
branch row's verdict (✓ matched, ✗ false, · not evaluated) and the actions.

EVENT_JSON is a file (or `-` for standard input) holding one JSON object:
`{"trigger": ..., "channel": "sms", "at": ISO time (optional), "customer": {...},
"conversation": {...}, "message": {...}}`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from channels import ChannelError, channel_config
from channels.sms import count_segments, parse_phone
from rules_engine.engine import Engine, Explanation
from rules_engine.errors import EventError, ExecutorUnavailable
from rules_engine.events import BranchVerdict, ConversationEvent, Run
from rules_engine.loader import load_project
from rules_engine.model import ActionStep, BranchStep, Workflow, condition_text
from rules_engine.semantics import parse_timestamp
from rules_engine.workspace import EXECUTORS, Workspace

from . import UsageError

MARKS = {"matched": "✓", "false": "✗", "not_evaluated": "·"}
SCOPES = ("customer", "conversation", "message")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="show which workflow would run for one event, and why",
        description="Show which workflow would run for one event and each branch's verdict.",
    )
    parser.add_argument("--engine", choices=EXECUTORS, help="the executor")
    parser.add_argument("--workspace", metavar="FILE", help="the workspace file")
    parser.add_argument("workflows", metavar="WORKFLOW_DIR", help="the workflow directory")
    parser.add_argument("event", metavar="EVENT_JSON", help="a JSON event file, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    event = read_event(args.event)
    try:
        project = load_project([args.workflows], args.workspace)
    except FileNotFoundError as error:
        raise UsageError(f"no such file or directory: {error.filename or error}") from error
    if project.errors:
        for finding in project.errors:
            print(finding.format(), file=sys.stderr)
        return 1
    event = with_builtins(event, project.workspace)
    try:
        with Engine(project.workflows, project.workspace, args.engine) as engine:
            explanation = engine.explain(event)
    except (EventError, ExecutorUnavailable) as error:
        raise UsageError(str(error)) from error
    workflows = {wf.name: wf for wf in project.workflows}
    if args.json:
        print(json.dumps(explanation_dict(explanation), ensure_ascii=False, indent=2))
    else:
        print("\n".join(describe(explanation, workflows)))
    return 0


# -- reading the event -------------------------------------------------------------------


def read_event(source: str) -> ConversationEvent:
    """The event in `source` (a path or `-`), or `UsageError` saying what is wrong."""
    text = _read_text(source)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, ValueError) as error:
        raise UsageError(f"{source}: not valid JSON ({error})") from error
    return event_from_dict(data, source)


def with_builtins(event: ConversationEvent, workspace: Workspace) -> ConversationEvent:
    """The event with the built-ins the SMS adapter fills in, where it does not give them.

    On `sms`: `customer.country` from `customer.phone`, `message.segments` from
    `message.body` and `message.has_media` from `message.media_types`.  The engine
    derives nothing: this is what an SMS conversation would carry.
    """
    if event.channel != "sms":
        return event
    customer, message = dict(event.customer), dict(event.message)
    phone = customer.get("phone")
    if "country" not in customer and isinstance(phone, str):
        try:
            parsed = parse_phone(phone, channel_config(workspace).sms, allow_short_code=True)
        except ChannelError:
            parsed = None  # an invalid number: no country, as the adapter would refuse it
        if parsed is not None:
            customer["country"] = parsed.country
    body = message.get("body")
    if "segments" not in message and isinstance(body, str):
        message["segments"] = count_segments(body).segments
    media = message.get("media_types")
    if "has_media" not in message and isinstance(media, list):
        message["has_media"] = bool(media)
    return replace(event, customer=customer, message=message)


def _read_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise UsageError(f"{source}: no such file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{source}: cannot read it ({error})") from error


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def event_from_dict(data: object, source: str = "event") -> ConversationEvent:
    if not isinstance(data, dict):
        raise UsageError(f"{source}: expected one JSON object")
    for key in ("trigger", "channel"):
        if not isinstance(data.get(key), str):
            raise UsageError(f"{source}: {key!r} must be text")
    scopes = {scope: _scope(data, scope, source) for scope in SCOPES}
    return ConversationEvent(
        trigger=data["trigger"],
        channel=data["channel"],
        at=_time(data.get("at"), source),
        customer=scopes["customer"],
        conversation=scopes["conversation"],
        message=scopes["message"],
        id=str(data["id"]) if data.get("id") is not None else None,
    )


def _scope(data: Mapping[str, object], scope: str, source: str) -> dict[str, object]:
    value = data.get(scope, {})
    if not isinstance(value, dict):
        raise UsageError(f"{source}: {scope!r} must be a JSON object")
    return value


def _time(value: object, source: str) -> datetime:
    if value is None:
        return datetime.now(UTC)
    parsed = parse_timestamp(value)
    if parsed is None:
        raise UsageError(f"{source}: 'at' must be an ISO 8601 time with a time zone")
    return parsed


# -- output ------------------------------------------------------------------------------


def explanation_dict(explanation: Explanation) -> dict[str, object]:
    event = explanation.event
    return {
        "event": {
            "trigger": event.trigger,
            "channel": event.channel,
            "at": event.at.isoformat().replace("+00:00", "Z"),
            "customer": dict(event.customer),
            "conversation": dict(event.conversation),
            "message": dict(event.message),
        },
        "executor": explanation.executor,
        "candidates": [candidate.to_dict() for candidate in explanation.candidates],
        "runs": [explanation.run.to_dict()] if explanation.run is not None else [],
    }


def describe(explanation: Explanation, workflows: Mapping[str, Workflow]) -> list[str]:
    event = explanation.event
    lines = [f"Event: {event.trigger} on {event.channel} (executor: {explanation.executor})"]
    lines.append("")
    if not explanation.candidates:
        lines.append(f"No workflow has the trigger {event.trigger}.")
    else:
        lines.append("Candidates, highest priority first:")
        for candidate in explanation.candidates:
            mark = "✓" if candidate.chosen else ("·" if "not tried" in candidate.reason else "✗")
            lines.append(
                f"  {mark} {candidate.workflow} (priority {candidate.priority}): {candidate.reason}"
            )
    lines.append("")
    run = explanation.run
    if run is None:
        lines.append("No workflow runs for this event.")
        return lines
    lines += _describe_run(run, workflows[run.workflow])
    return lines


def _describe_run(run: Run, workflow: Workflow) -> list[str]:
    lines = [f"Runs {run.workflow} ({workflow.file}): " + " → ".join(run.path)]
    verdicts = {verdict.step: verdict for verdict in run.verdicts}
    for name in run.path:
        step = workflow.steps[name]
        if isinstance(step, BranchStep):
            lines += _describe_branch(step, verdicts[name])
        elif isinstance(step, ActionStep):
            lines.append(f"  {name}:")
            lines += [f"    do {_action_text(action.to_dict())}" for action in step.actions]
            lines.append(f"    → {step.next}" if step.next else "    (end)")
    lines.append("Actions:")
    lines += [f"  {n}. {_action_text(a.to_dict())}" for n, a in enumerate(run.actions, 1)]
    if not run.actions:
        lines.append("  (none)")
    return lines


def _describe_branch(step: BranchStep, verdict: BranchVerdict) -> list[str]:
    lines = [f"  {step.name}:"]
    for row, outcome in zip(step.rows, verdict.rows, strict=True):
        lines.append(f"    {MARKS[outcome]} {condition_text(row.when)} → {row.then}")
    otherwise = step.otherwise if step.otherwise is not None else "(end)"
    none_held = all(outcome == "false" for outcome in verdict.rows)
    mark = "✓" if none_held else "·"
    lines.append(f"    {mark} else → {otherwise}")
    return lines


def _action_text(action: Mapping[str, object]) -> str:
    ((kind, value),) = action.items()
    return f"{kind} {json.dumps(value, ensure_ascii=False, default=str)}"
