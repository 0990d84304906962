"""`helpdesk-rules summary DECISIONS.jsonl`: what a simulation did, in a few tables.

Reads `simulate --json` output: decisions by threading rule, conversations by team (as
they ended), the workload (per teammate and per team), opt-outs, SMS segments sent and
rejections by reason.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from .._sql import StoreTotals
from . import UsageError
from ._workload_summary import WorkloadSummary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "summary",
        help="summarise `simulate --json` output",
        description="Decisions by threading rule, conversations by team, opt-outs, segments "
        "sent and rejections by reason, from the output of `simulate --json`.",
    )
    parser.add_argument("decisions", metavar="DECISIONS.jsonl")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    summary = Summary()
    try:
        with open(args.decisions, encoding="utf-8") as source:
            for number, line in enumerate(source, start=1):
                summary.add(_line(line, number, args.decisions))
    except OSError as error:
        raise UsageError(f"cannot read {args.decisions}: {error.strerror}") from None
    print(summary.render())
    return 0


def _line(line: str, number: int, path: str) -> Mapping[str, object]:
    try:
        outcome = json.loads(line)
    except json.JSONDecodeError:
        raise UsageError(f"{path}:{number}: not a line of `simulate --json` output") from None
    if not isinstance(outcome, dict) or "threading" not in outcome:
        raise UsageError(f"{path}:{number}: not a line of `simulate --json` output")
    return outcome


@dataclass
class Summary:
    """Counts over outcomes.  With `keep_state=False` it keeps nothing per conversation
    or customer: the caller gives the state things ended in (`final`, from its store)."""

    keep_state: bool = True
    final: StoreTotals | None = None
    events: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    rejections: Counter[str] = field(default_factory=Counter)
    assignees: dict[str, str] = field(default_factory=dict)  # conversation -> as it ended
    opted_out: dict[str, bool] = field(default_factory=dict)  # customer -> as they ended
    workflows: Counter[str] = field(default_factory=Counter)
    segments: int = 0
    replies: int = 0
    workload: WorkloadSummary = field(default_factory=WorkloadSummary)

    def add(self, outcome: Mapping[str, object]) -> None:
        self.events += 1
        threading = outcome.get("threading")
        if threading is not None:
            self.decisions[f"{threading} ({outcome.get('rule')})"] += 1
        if threading == "rejected":
            self.rejections[str(outcome.get("rule"))] += 1
        if self.keep_state:
            self._state(outcome)
        for run in _list(outcome.get("workflows")):
            if isinstance(run, Mapping):
                self.workflows[str(run.get("workflow"))] += 1
        for item in _list(outcome.get("assignments")):
            if isinstance(item, Mapping):
                self.workload.add(item)
        for reply in _list(outcome.get("replies")):
            if isinstance(reply, Mapping) and reply.get("status") == "sent":
                self.replies += 1
                self.segments += int(str(reply.get("segments", 0)))

    def _state(self, outcome: Mapping[str, object]) -> None:
        state, conversation = outcome.get("state"), outcome.get("conversation")
        if isinstance(state, Mapping) and isinstance(conversation, str):
            self.assignees[conversation] = str(state.get("assignee") or "(unassigned)")
        customer = outcome.get("customer")
        if isinstance(customer, Mapping):
            key = customer.get("phone") or customer.get("id")  # SMS, or chat and email
            self.opted_out[str(key)] = bool(customer.get("opted_out"))

    def _by_assignee(self) -> Counter[str]:
        if self.final is not None:
            return Counter(dict(self.final.by_assignee))
        return Counter(self.assignees.values())

    def render(self) -> str:
        if self.final is not None:
            conversations, customers = self.final.conversations, self.final.customers
            opted = self.final.opted_out
        else:
            conversations, customers = len(self.assignees), len(self.opted_out)
            opted = sum(self.opted_out.values())
        sections = [
            f"{_count(self.events, 'event')}, {_count(conversations, 'conversation')}, "
            f"{_count(customers, 'customer')}",
            _table("Decisions by threading rule", self.decisions),
            _table("Conversations by team or teammate (as they ended)", self._by_assignee()),
            _table("Workflow runs", self.workflows),
            self.workload.render(),
            _table("Rejections by reason", self.rejections),
            f"Opt-outs: {_count(opted, 'customer')} opted out at the end",
            f"SMS sent by workflows and HELP: {_count(self.replies, 'message')}, "
            f"{_count(self.segments, 'segment')}",
        ]
        return "\n\n".join(sections)


def _count(number: int, word: str) -> str:
    return f"{number:,} {word}{'' if number == 1 else 's'}"


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _table(title: str, counts: Counter[str]) -> str:
    if not counts:
        return f"{title}: none"
    width = max(len(key) for key in counts)
    rows = [f"  {key:<{width}}  {count:>7,}" for key, count in counts.most_common()]
    return "\n".join([f"{title}:", *rows])
