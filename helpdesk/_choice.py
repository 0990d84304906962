"""Who in a team gets the next conversation: the pure rules of docs/workload.md.

No database here: the store gives a `Roster` (what each member holds, who is away, when
each was last assigned, whose turn it is), `choose` answers with a member (or nobody)
and a sentence for the decision log.  The help desk calls it under the team's lock
(`_workload.py`); the tests run it against a plain model too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rules_engine.workload import TeammateSpec, TeamSpec


@dataclass
class Roster:
    """The members of one lock group as the store sees them, kept up to date while a
    transaction assigns."""

    open: dict[str, int] = field(default_factory=dict)  # member -> open conversations
    from_team: dict[tuple[str, str], int] = field(default_factory=dict)  # (member, team)
    away: set[str] = field(default_factory=set)
    last: dict[str, int] = field(default_factory=dict)  # member -> assignment number (0: never)
    turns: dict[str, str | None] = field(default_factory=dict)  # team -> last member served

    def held(self, member: str, team: str | None = None) -> int:
        if team is None:
            return self.open.get(member, 0)
        return self.from_team.get((member, team), 0)

    def assign(self, member: str, team: str | None, number: int) -> None:
        self.open[member] = self.held(member) + 1
        if team is not None:
            self.from_team[(member, team)] = self.held(member, team) + 1
            self.turns[team] = member
        self.last[member] = number


@dataclass(frozen=True)
class Choice:
    member: str | None  # None: nobody is eligible, the conversation waits
    reason: str


def choose(team: TeamSpec, teammates: Mapping[str, TeammateSpec], roster: Roster) -> Choice:
    """The member who gets a conversation of `team` now, by the team's method."""
    if team.method == "balanced":
        return _balanced(team, teammates, roster)
    if team.method == "round_robin":
        return _round_robin(team, roster)
    return Choice(None, f"manual: the conversation stays in the {team.name} inbox")


def limit_problem(
    member: str, team: TeamSpec | None, teammates: Mapping[str, TeammateSpec], roster: Roster
) -> str | None:
    """Why `member` may not take one more conversation (of `team`), or None."""
    if member in roster.away:
        return f"{member} away"
    limit = teammates[member].limit if member in teammates else None
    if limit is not None and roster.held(member) >= limit:
        return f"{member} at their limit ({limit})"
    if team is not None and team.limit is not None and roster.held(member, team.name) >= team.limit:
        return f"{member} at the {team.name} limit ({team.limit})"
    return None


def _balanced(team: TeamSpec, teammates: Mapping[str, TeammateSpec], roster: Roster) -> Choice:
    problems = {m: limit_problem(m, team, teammates, roster) for m in team.members}
    eligible = [m for m in team.members if problems[m] is None]
    order = {m: i for i, m in enumerate(team.members)}
    eligible.sort(key=lambda m: (roster.held(m), roster.last.get(m, 0), order[m]))
    blocked = "; ".join(p for p in problems.values() if p is not None)
    if not eligible:
        return Choice(None, f"balanced: nobody free ({blocked or 'no members'}); waiting")
    first, *others = eligible
    text = f"balanced: {first} had {roster.held(first)} open"
    text += "".join(f", {m} {roster.held(m)}" for m in others)
    return Choice(first, text + (f"; {blocked}" if blocked else ""))


def _round_robin(team: TeamSpec, roster: Roster) -> Choice:
    members = team.members
    active = [m for m in members if m not in roster.away]
    away = "; ".join(f"{m} away" for m in members if m in roster.away)
    if not active:
        return Choice(None, f"round robin: nobody active ({away or 'no members'}); waiting")
    last = roster.turns.get(team.name)
    start = members.index(last) + 1 if last in members else 0
    member = next(m for m in members[start:] + members[:start] if m not in roster.away)
    after = f" after {last}" if last in members and last != member else ""
    return Choice(member, f"round robin: {member}'s turn{after}" + (f"; {away}" if away else ""))
