"""The workload part of `summary`: per teammate and per team, replayed from the
`assignments` of `simulate --json` lines (docs/workload.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class WorkloadSummary:
    assigned: Counter[str] = field(default_factory=Counter)  # teammate -> assignments
    open: Counter[str] = field(default_factory=Counter)  # teammate -> open now
    highest: Counter[str] = field(default_factory=Counter)  # teammate -> most open at once
    queued: dict[str, datetime] = field(default_factory=dict)  # conversation -> in inbox since
    waiting: set[str] = field(default_factory=set)  # conversations that found nobody free
    waited: Counter[str] = field(default_factory=Counter)  # team -> conversations that waited
    longest: dict[str, timedelta] = field(default_factory=dict)  # team -> longest wait

    def add(self, item: Mapping[str, object]) -> None:
        kind, teammate = item.get("kind"), item.get("teammate")
        conversation, team = str(item.get("conversation")), item.get("team")
        at = datetime.fromisoformat(str(item.get("at")))
        if kind == "inbox" or (kind == "reopened" and teammate is None and team):
            self.queued[conversation] = at
        elif kind == "waiting":
            self.queued.setdefault(conversation, at)
            self.waiting.add(conversation)
        elif kind == "assigned" and isinstance(teammate, str):
            self.assigned[teammate] += 1
            self._held(teammate, +1)
            self._served(conversation, str(team), at)
        elif kind in ("released", "closed") and isinstance(teammate, str):
            self._held(teammate, -1)
        elif kind == "reopened" and isinstance(teammate, str):
            self._held(teammate, +1)
        if kind == "closed" and teammate is None:
            self.waiting.discard(conversation)

    def _held(self, teammate: str, change: int) -> None:
        self.open[teammate] += change
        self.highest[teammate] = max(self.highest[teammate], self.open[teammate])

    def _served(self, conversation: str, team: str, at: datetime) -> None:
        since = self.queued.pop(conversation, None)
        if conversation in self.waiting and since is not None:
            self.waiting.discard(conversation)
            self.waited[team] += 1
            self.longest[team] = max(self.longest.get(team, timedelta()), at - since)

    def render(self) -> str:
        if not self.assigned and not self.waited and not self.waiting:
            return "Workload: no assignments"
        names = sorted(set(self.assigned) | set(self.open))
        width = max([len(n) for n in names] + [8])
        rows = [f"  {'teammate':<{width}}  assigned  open at end  highest open"]
        rows += [
            f"  {n:<{width}}  {self.assigned[n]:>8,}  {self.open[n]:>11,}  {self.highest[n]:>12,}"
            for n in names
        ]
        teams = sorted(set(self.waited) | {str(t) for t in self.longest})
        still = len(self.waiting)
        lines = ["Workload by teammate:", *rows, "", "Waits by team:"]
        lines += [
            f"  {t}: {self.waited[t]:,} waited, longest {self.longest.get(t, timedelta())}"
            for t in teams
        ] or ["  nobody waited"]
        lines += [f"  still waiting at the end: {still:,}"] if still else []
        return "\n".join(lines)
