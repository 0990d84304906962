"""The workload invariants of SPEC section 8, checked from the database alone.

Used by the hammer (at the end and at random moments while the workers run) and by
the state machine.  Each check returns the problems it found, as sentences.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

import psycopg

from rules_engine.workload import Workload


def read(target: str, sql: str) -> list[tuple[Any, ...]]:
    """One consistent read: a SQLite file path, or a PostgreSQL URL (REPEATABLE READ)."""
    if target.startswith("postgresql"):
        with psycopg.connect(target) as pg:
            pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return [tuple(row) for row in pg.execute(sql)]
    conn = sqlite3.connect(target, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


SNAPSHOT = (
    "SELECT w.conversation_seq, w.team, w.teammate, w.open, c.status, c.assignee,"
    " COALESCE(t.away, FALSE)"
    " FROM workload_conversations w JOIN conversations c ON c.seq = w.conversation_seq"
    " LEFT JOIN workload_teammates t ON t.name = w.teammate"
)


def limits_held(rows: list[tuple[Any, ...]], config: Workload) -> list[str]:
    """No teammate holds more open conversations than their limit or a balanced team's."""
    problems: list[str] = []
    held = Counter(r[2] for r in rows if r[3] and r[2] is not None)
    from_team = Counter((r[2], r[1]) for r in rows if r[3] and r[2] is not None and r[1])
    for name, count in held.items():
        limit = config.teammate(name).limit
        if limit is not None and count > limit:
            problems.append(f"{name} holds {count} open, over their limit {limit}")
    for (name, team), count in from_team.items():
        spec = config.team(team)
        if spec.method == "balanced" and spec.limit is not None and count > spec.limit:
            problems.append(f"{name} holds {count} of {team}, over its limit {spec.limit}")
    return problems


def mirrors_agree(rows: list[tuple[Any, ...]]) -> list[str]:
    """`conversations.assignee` shows the holder, else the team; open matches status."""
    problems = []
    for seq, team, teammate, is_open, status, assignee, _ in rows:
        if assignee != (teammate or team):
            problems.append(f"C{seq}: assignee {assignee!r}, workload {teammate or team!r}")
        if bool(is_open) != (status == "open"):
            problems.append(f"C{seq}: status {status}, workload open={bool(is_open)}")
    return problems


def nobody_free_while_waiting(target: str, config: Workload) -> list[str]:
    """No conversation waits in a team inbox while a member could take it."""
    rows = read(target, SNAPSHOT)
    away = {r[0] for r in read(target, "SELECT name FROM workload_teammates WHERE away")}
    held = Counter(r[2] for r in rows if r[3] and r[2] is not None)
    from_team = Counter((r[2], r[1]) for r in rows if r[3] and r[2] is not None and r[1])
    problems = []
    for seq, team, teammate, is_open, *_ in rows:
        spec = config.team(team) if team else None
        if not is_open or teammate is not None or spec is None or spec.method == "manual":
            continue
        for member in spec.members:
            if member in away:
                continue
            if spec.method == "round_robin":
                problems.append(f"C{seq} waits in {team} while {member} is active")
                continue
            limit = config.teammate(member).limit
            if (limit is None or held[member] < limit) and (
                spec.limit is None or from_team[(member, team)] < spec.limit
            ):
                problems.append(f"C{seq} waits in {team} while {member} has room")
    return problems


def assigned_once(target: str) -> list[str]:
    """The log never gives an open conversation to a second teammate without it being
    released, closed or moved first."""
    holder: dict[int, str | None] = {}
    problems = []
    for seq, kind, teammate in read(
        target,
        "SELECT conversation_seq, kind, teammate FROM workload_log"
        " WHERE conversation_seq IS NOT NULL ORDER BY seq",
    ):
        if kind == "assigned":
            if holder.get(seq) is not None:
                problems.append(f"C{seq} given to {teammate} while {holder[seq]} held it")
            holder[seq] = teammate
        elif kind in ("released", "closed", "inbox", "reopened"):
            holder[seq] = None if kind != "reopened" else teammate
    return problems
