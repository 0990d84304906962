"""Replay recorded events through two versions of the workflows, each in a throwaway
SQLite store, and say what the change does to that traffic.

    base workflows ──┐                     ┌─ routed differently: (workflow, path, assignee)
                     ├─ the same events ───┤    → (workflow, path, assignee), counts, examples
    new workflows ───┘   (two processes)   └─ replies now sent / no longer sent

An event's *route* is the workflows it ran (with the steps each took) and the
conversation's assignee after it; events that ran no workflow in either version are not
compared (their conversation's assignee follows from earlier events).  The result is
plain data (`TrafficChange.to_dict()`), which the review page and report read.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from channels import channel_config
from rules_engine import Engine, Project

from ._desk import HelpDesk, Outcome
from ._sqlite import SqliteStore

EXAMPLES = 3  # event ids kept per row of the tables
NOBODY = "nobody"
Event = Mapping[str, object]


@dataclass(frozen=True, order=True)
class Route:
    """Where one event went: the workflows it ran, the steps they took, the assignee after."""

    workflow: str
    path: str
    assignee: str

    def to_dict(self) -> dict[str, str]:
        return {"workflow": self.workflow, "path": self.path, "assignee": self.assignee}


_Seen = tuple[str | None, Route | None, tuple[str, ...]]  # conversation, route, replies


@dataclass
class _Count:
    count: int = 0
    examples: list[str] = field(default_factory=list)

    def add(self, event_id: str) -> None:
        self.count += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(event_id)


@dataclass(frozen=True)
class TrafficChange:
    """What replaying the same events through both versions showed."""

    events: int
    routed: int  # events that ran a workflow in either version
    rerouted: int
    conversations: int
    rerouted_conversations: int
    routes: tuple[tuple[Route | None, Route | None, int, tuple[str, ...]], ...]
    now_sent: tuple[tuple[str, int, tuple[str, ...]], ...]
    no_longer_sent: tuple[tuple[str, int, tuple[str, ...]], ...]
    seconds: float

    @property
    def percent(self) -> float:
        """Share of routed events that would be routed differently, in percent."""
        return 100.0 * self.rerouted / self.routed if self.routed else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "events": self.events,
            "routed": self.routed,
            "rerouted": self.rerouted,
            "percent": round(self.percent, 2),
            "conversations": self.conversations,
            "rerouted_conversations": self.rerouted_conversations,
            "routes": [
                {
                    "from": None if old is None else old.to_dict(),
                    "to": None if new is None else new.to_dict(),
                    "count": count,
                    "examples": list(examples),
                }
                for old, new, count, examples in self.routes
            ],
            "replies": {
                "now_sent": [_reply(*row) for row in self.now_sent],
                "no_longer_sent": [_reply(*row) for row in self.no_longer_sent],
            },
            "seconds": round(self.seconds, 2),
        }


def _reply(text: str, count: int, examples: tuple[str, ...]) -> dict[str, object]:
    return {"text": text, "count": count, "examples": list(examples)}


def read_events(path: str | Path) -> list[dict[str, object]]:
    """The events of a JSON Lines file; `ValueError` names the first line that is not an
    event (a JSON object)."""
    events: list[dict[str, object]] = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON: {error.msg}") from None
            if not isinstance(event, dict):
                raise ValueError(f"{path}:{number}: an event must be a JSON object")
            events.append(event)
    return events


def replay(base: Project, changed: Project, events: Sequence[Event]) -> TrafficChange:
    """Run `events` through both projects (in two processes when there are many)."""
    started = time.perf_counter()
    if len(events) < 2000 or (os.cpu_count() or 1) < 2:
        before, after = run_events(base, events), run_events(changed, events)
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            2, mp_context=context, initializer=_share, initargs=(events,)
        ) as pool:
            first, second = pool.submit(_run_shared, base), pool.submit(_run_shared, changed)
            before, after = first.result(), second.result()
    return compare(events, before, after, time.perf_counter() - started)


_SHARED: Sequence[Event] = ()


def _share(events: Sequence[Event]) -> None:
    global _SHARED
    _SHARED = events


def _run_shared(project: Project) -> list[_Seen]:
    return run_events(project, _SHARED)


def run_events(project: Project, events: Sequence[Event]) -> list[_Seen]:
    """Each event's conversation, route and replies, through a throwaway store."""
    engine = Engine(project.workflows, project.workspace)
    settings = channel_config(project.workspace).sms
    with tempfile.TemporaryDirectory(prefix="helpdesk-replay-") as folder:
        store = _ThrowawayStore(Path(folder) / "replay.db")
        desk = HelpDesk(engine, store, settings=settings)
        try:
            return [_seen(desk.handle(event)) for event in events]
        finally:
            desk.close()


class _ThrowawayStore(SqliteStore):
    """A SQLite store that is deleted after the replay: no fsync on commit."""

    def _connect(self) -> sqlite3.Connection:
        conn = super()._connect()
        conn.execute("PRAGMA synchronous = OFF")
        return conn


def _seen(outcome: Outcome) -> _Seen:
    replies = tuple(
        str(action.value)
        for run in outcome.workflows
        for action in run.actions
        if action.kind == "reply"
    )
    if not outcome.workflows:
        return outcome.conversation, None, replies
    workflow = " + ".join(run.workflow for run in outcome.workflows)
    path = " | ".join(" → ".join(run.path) for run in outcome.workflows)
    assignee = outcome.state.assignee if outcome.state and outcome.state.assignee else NOBODY
    return outcome.conversation, Route(workflow, path, assignee), replies


def compare(
    events: Sequence[Event], before: Sequence[_Seen], after: Sequence[_Seen], seconds: float
) -> TrafficChange:
    routes: dict[tuple[Route | None, Route | None], _Count] = {}
    now_sent: dict[str, _Count] = {}
    no_longer: dict[str, _Count] = {}
    conversations: set[str] = set()
    rerouted_conversations: set[str] = set()
    routed = 0
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        event_id = str(events[index].get("id", f"line {index + 1}"))
        _replies(old[2], new[2], event_id, now_sent, no_longer)
        if old[1] is None and new[1] is None:
            continue
        routed += 1
        conversation = new[0] or old[0] or event_id
        conversations.add(conversation)
        if old[1] != new[1]:
            routes.setdefault((old[1], new[1]), _Count()).add(event_id)
            rerouted_conversations.add(conversation)
    return TrafficChange(
        events=len(events),
        routed=routed,
        rerouted=sum(c.count for c in routes.values()),
        conversations=len(conversations),
        rerouted_conversations=len(rerouted_conversations),
        routes=tuple(
            (old, new, c.count, tuple(c.examples))
            for (old, new), c in sorted(routes.items(), key=lambda item: -item[1].count)
        ),
        now_sent=_rows(now_sent),
        no_longer_sent=_rows(no_longer),
        seconds=seconds,
    )


def _replies(
    old: tuple[str, ...],
    new: tuple[str, ...],
    event_id: str,
    now_sent: dict[str, _Count],
    no_longer: dict[str, _Count],
) -> None:
    if old == new:
        return
    before, after = Counter(old), Counter(new)
    for text in after - before:
        now_sent.setdefault(text, _Count()).add(event_id)
    for text in before - after:
        no_longer.setdefault(text, _Count()).add(event_id)


def _rows(counts: dict[str, _Count]) -> tuple[tuple[str, int, tuple[str, ...]], ...]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1].count, item[0]))
    return tuple((text, c.count, tuple(c.examples)) for text, c in ordered)
