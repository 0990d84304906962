"""Teams and teammates as the workspace declares them: members, methods and limits.

The engine only reads and checks this configuration; the help desk assigns within a
team, inside the store's transaction (`helpdesk/_workload.py`, `docs/workload.md`).

    teams:
      Billing: {members: [alice, bob, carmen], assignment: balanced, limit: 10}
      Sales: {members: [dan, erin], assignment: round_robin}
      VIP Support: {}                       # manual
    teammates:
      alice: {limit: 3}
      bob: {}

Today's plain lists (`teams: [A, B]`, `teammates: [alice]`) stay valid: manual teams
with no members, teammates with no limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypeAlias

from .model import NOWHERE, Location

Method: TypeAlias = Literal["manual", "round_robin", "balanced"]
METHODS: tuple[Method, ...] = ("manual", "round_robin", "balanced")


@dataclass(frozen=True)
class TeamSpec:
    """A team inbox: who is in it, how a conversation reaches one of them, and the
    most open conversations from this inbox one member may hold (`limit`)."""

    name: str
    members: tuple[str, ...] = ()
    method: Method = "manual"
    limit: int | None = None
    location: Location = field(default=NOWHERE, compare=False)

    def describe(self) -> str:
        """`balanced, limit 10, 3 members` (diagrams, history)."""
        parts = [self.method.replace("_", " ")]
        if self.limit is not None and self.method == "balanced":
            parts.append(f"inbox limit {self.limit}")
        if self.members:
            parts.append(f"{len(self.members)} member{'s' if len(self.members) != 1 else ''}")
        return ", ".join(parts)


@dataclass(frozen=True)
class TeammateSpec:
    """A teammate and the most open conversations they may hold overall (`limit`)."""

    name: str
    limit: int | None = None
    location: Location = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Workload:
    """Every team and teammate of a workspace, by name, in file order."""

    teams: Mapping[str, TeamSpec] = field(default_factory=dict)
    teammates: Mapping[str, TeammateSpec] = field(default_factory=dict)

    def team(self, name: str) -> TeamSpec:
        return self.teams.get(name) or TeamSpec(name)

    def teammate(self, name: str) -> TeammateSpec:
        return self.teammates.get(name) or TeammateSpec(name)

    def teams_of(self, teammate: str) -> tuple[str, ...]:
        return tuple(name for name, team in self.teams.items() if teammate in team.members)

    def group_of(self, kind: Literal["team", "teammate"], name: str) -> str:
        """The lock group of a team or a teammate: teams that share a member, and their
        members, are one group, named after its first team in file order; a teammate in
        no team is a group of their own (`teammate:NAME`)."""
        key = f"{kind}:{name}"
        return self.groups().get(key, key)

    def groups(self) -> dict[str, str]:
        return self._groups

    @cached_property
    def _groups(self) -> dict[str, str]:
        """`team:NAME` and `teammate:NAME` -> their group (a union-find over members)."""
        parent: dict[str, str] = {}

        def root(key: str) -> str:
            while parent.setdefault(key, key) != key:
                key = parent[key]
            return key

        for team in self.teams.values():
            for member in team.members:
                first, second = root(f"team:{team.name}"), root(f"teammate:{member}")
                if first != second:
                    parent[max(first, second, key=self._rank)] = min(first, second, key=self._rank)
        keys = [f"team:{n}" for n in self.teams] + [f"teammate:{n}" for n in self.teammates]
        return {key: root(key) for key in keys}

    def members_of_group(self, group: str) -> tuple[str, ...]:
        """The teammates of a lock group, sorted."""
        groups = self.groups()
        return tuple(
            sorted(
                k.split(":", 1)[1]
                for k, g in groups.items()
                if g == group and k.startswith("teammate:")
            )
        )

    def teams_of_group(self, group: str) -> tuple[str, ...]:
        groups = self.groups()
        return tuple(
            k.split(":", 1)[1] for k, g in groups.items() if g == group and k.startswith("team:")
        )

    def _rank(self, key: str) -> tuple[int, int, str]:
        kind, plain = key.split(":", 1)
        teams = list(self.teams)
        return (0 if kind == "team" else 1, teams.index(plain) if plain in teams else 0, plain)
