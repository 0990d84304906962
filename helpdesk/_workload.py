"""Assignment within a team, inside the store's transactions (docs/workload.md).

`WorkloadStore` wraps the help desk's store.  Each `transaction(customer)` runs as
before; just before the commit, `Balancer.settle` compares the customer's
conversations with the workload table and applies what changed: a conversation put in
a team inbox, given to a teammate, moved, unassigned, closed or reopened.  Then every
team whose slots or queue changed is drained: its waiting conversations, highest
`conversation.priority` first, then oldest, go to the member `_choice.choose` names.

Locks, always in this order (so no two transactions wait on each other in a circle):

1. the customer's lock (the store's `transaction(customer)`: SQLite `BEGIN IMMEDIATE`,
   PostgreSQL an advisory lock on the customer);
2. the team locks, sorted by name: on PostgreSQL a transaction-scoped advisory lock per
   lock group (teams that share a member are one group, so the counts of every member
   are stable while the group's lock is held); SQLite has one writer at a time already.

A transaction reads and writes the workload rows of a team only under that team's
lock.  Draining may assign a waiting conversation of another customer, whose lock it
does not hold: it touches that conversation's row only if `FOR UPDATE SKIP LOCKED`
gets it; when the other customer's transaction has written the row, the drain stops
there and that transaction, which always drains a team it has a waiting conversation
in, assigns it under the team lock just after.  The `conversations.assignee` column is
a mirror of the workload row; a transaction that wrote a stale value back restores it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rules_engine.workload import Workload
from rules_engine.workspace import Workspace

from ._choice import Choice, Roster, choose, limit_problem
from ._records import Note
from ._sql import Row, SqlTransaction, conversation_id, conversation_seq
from ._store import ConversationStore, StoreTransaction

# The event being handled, so that the assignments it causes are logged under its id and
# its time (the help desk sets it; a direct API call uses the clock).
_EVENT: ContextVar[tuple[str | None, datetime | None]] = ContextVar(
    "workload_event", default=(None, None)
)
_SAME = object()  # the transaction left a conversation's inbox as it was


@contextmanager
def handling(event_id: str | None, at: datetime | None) -> Iterator[None]:
    token = _EVENT.set((event_id, at))
    try:
        yield
    finally:
        _EVENT.reset(token)


@dataclass(frozen=True)
class Assignment:
    """One line of the workload log: what happened to a conversation's inbox, and why."""

    event_id: str | None
    conversation: str | None
    at: datetime
    kind: str  # assigned, waiting, inbox, released, closed, reopened, refused, status
    team: str | None
    teammate: str | None
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "conversation": self.conversation,
            "kind": self.kind,
            "team": self.team,
            "teammate": self.teammate,
            "reason": self.reason,
            "at": self.at.isoformat().replace("+00:00", "Z"),
        }


@dataclass(frozen=True)
class Slot:
    """A conversation's workload row."""

    seq: int
    team: str | None
    teammate: str | None
    open: bool
    priority: int

    @property
    def mirror(self) -> str | None:
        """What `conversations.assignee` shows: the teammate, else the team inbox."""
        return self.teammate or self.team


class WorkloadStore:
    """A `ConversationStore` that also assigns within teams, in the same transactions."""

    def __init__(self, store: ConversationStore, workspace: Workspace) -> None:
        self.store = store
        self.config = workspace.workload
        spec = workspace.attribute("conversation.priority")
        self.priorities = {
            value: rank + 1 for rank, value in enumerate(spec.values if spec else ())
        }

    @property
    def retry_policy(self) -> object:
        return getattr(self.store, "retry_policy", None)

    @contextmanager
    def transaction(self, customer: str) -> Iterator[StoreTransaction]:
        with self.store.transaction(customer) as tx:
            yield tx
            balancer = self._balancer(tx)
            if balancer is not None:
                balancer.settle(customer)

    def snapshot(self) -> Any:
        return self.store.snapshot()

    def is_retryable(self, error: BaseException) -> bool:
        return self.store.is_retryable(error)

    def close(self) -> None:
        self.store.close()

    def _balancer(self, tx: StoreTransaction) -> Balancer | None:
        if not isinstance(tx, SqlTransaction) or not self.config.teams:
            return None
        event_id, at = _EVENT.get()
        return Balancer(tx, self.config, self.priorities, event_id, at or datetime.now(UTC))

    # calls of their own --------------------------------------------------------------

    def set_status(self, teammate: str, away: bool, at: datetime, event_id: str | None) -> None:
        """A teammate becomes away (keeps their conversations) or active (gets new ones)."""
        with self.store.transaction(f"teammate:{teammate}") as tx:
            assert isinstance(tx, SqlTransaction)
            balancer = Balancer(tx, self.config, self.priorities, event_id, at)
            group = self.config.group_of("teammate", teammate)
            balancer.lock({group})
            balancer.set_status(teammate, away)
            if not away:
                balancer.drain(group)

    def rebalance(self, at: datetime | None = None) -> None:
        """Drain every team (after a start, where a limit may have been raised)."""
        if all(team.method == "manual" for team in self.config.teams.values()):
            return
        with self.store.transaction("workload:rebalance") as tx:
            assert isinstance(tx, SqlTransaction)
            balancer = Balancer(tx, self.config, self.priorities, None, at or datetime.now(UTC))
            groups = {self.config.group_of("team", name) for name in self.config.teams}
            balancer.lock(groups)
            for group in sorted(groups):
                balancer.drain(group)

    def log(
        self, conversation: str | None = None, event_id: str | None = None
    ) -> tuple[Assignment, ...]:
        """The workload log of a conversation, of an event, or all of it, oldest first."""
        with self.store.snapshot() as tx:
            return read_log(tx, conversation, event_id)

    def team_of(self, conversation: str) -> str | None:
        with self.store.snapshot() as tx:
            return team_in(tx, conversation)


def team_in(tx: StoreTransaction, conversation: str) -> str | None:
    """The team inbox a conversation is in (its assignee may be a member), or None."""
    sql = "SELECT team FROM workload_conversations WHERE conversation_seq = ?"
    rows = _rows(tx, sql, conversation_seq(conversation))
    return rows[0]["team"] if rows else None


def read_log(
    tx: StoreTransaction, conversation: str | None = None, event_id: str | None = None
) -> tuple[Assignment, ...]:
    if not isinstance(tx, SqlTransaction):
        return ()
    sql, params = "SELECT * FROM workload_log", tuple[object, ...]()
    if conversation is not None:
        sql, params = sql + " WHERE conversation_seq = ?", (conversation_seq(conversation),)
    elif event_id is not None:
        sql, params = sql + " WHERE event_id = ?", (event_id,)
    d = tx.dialect
    return tuple(
        Assignment(
            row["event_id"],
            None if row["conversation_seq"] is None else conversation_id(row["conversation_seq"]),
            d.read_time(row["at"]),
            row["kind"],
            row["team"],
            row["teammate"],
            row["reason"],
        )
        for row in tx.query(sql + " ORDER BY seq", *params)
    )


def _rows(tx: StoreTransaction, sql: str, *params: Any) -> list[Row]:
    return tx.query(sql, *params) if isinstance(tx, SqlTransaction) else []


def lock_key(group: str) -> int:
    """The advisory lock key of a lock group (PostgreSQL)."""
    digest = hashlib.blake2b(f"helpdesk-rules/workload/{group}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Balancer:
    """The workload work of one transaction."""

    def __init__(
        self,
        tx: SqlTransaction,
        config: Workload,
        priorities: Mapping[str, int],
        event_id: str | None,
        at: datetime,
    ) -> None:
        self.tx = tx
        self.config = config
        self.priorities = priorities
        self.event_id = event_id
        self.at = at
        self.postgres = tx.dialect.name == "PostgreSQL"
        self.queued: set[int] = set()  # conversations put in a team inbox by this transaction
        self.customer = ""  # the customer whose conversations `settle` looks at

    # locks ---------------------------------------------------------------------------

    def lock(self, groups: set[str]) -> None:
        """The team locks, in sorted order, after the customer's lock."""
        if self.postgres:
            for group in sorted(groups):
                self.tx.query("SELECT pg_advisory_xact_lock(?)", lock_key(group))

    # a customer's conversations ------------------------------------------------------

    def settle(self, customer: str) -> None:
        rows = self._customer_rows(customer)
        groups = {g for row in rows for g in self._groups_for(row)}
        if not groups:
            return
        self.lock(groups)
        self.customer = customer
        # PostgreSQL: read again under the team locks (a drain elsewhere may have given a
        # waiting conversation of this customer to a member); SQLite has one writer.
        for row in self._customer_rows(customer) if self.postgres else rows:
            self._settle(row)
        for group in sorted(groups):
            self.drain(group)

    def _customer_rows(self, customer: str) -> list[Row]:
        return self.tx.query(
            "SELECT c.seq AS seq, c.status AS status, c.assignee AS assignee,"
            " c.attributes AS attributes, w.conversation_seq AS tracked, w.team AS team,"
            " w.teammate AS teammate, w.open AS w_open, w.priority AS priority"
            " FROM conversations c LEFT JOIN workload_conversations w"
            " ON w.conversation_seq = c.seq WHERE c.customer = ?"
            " AND (c.status = 'open' OR w.open = ?) ORDER BY c.seq",
            customer,
            True,
        )

    def _slot(self, row: Row) -> Slot | None:
        if row["tracked"] is None:
            return None
        return Slot(row["seq"], row["team"], row["teammate"], bool(row["w_open"]), row["priority"])

    def _target(self, row: Row, slot: Slot | None) -> object:
        """Where the transaction put the conversation: `_SAME`, a name, or None."""
        assignee = row["assignee"]
        if slot is None and assignee is None:
            return _SAME
        if slot is not None and assignee is not None and assignee in (slot.team, slot.teammate):
            return _SAME
        return assignee

    def _group(self, name: object) -> str | None:
        if name in self.config.teams:
            return self.config.group_of("team", str(name))
        if name in self.config.teammates:
            return self.config.group_of("teammate", str(name))
        return None

    def _groups_for(self, row: Row) -> set[str]:
        slot, target = self._slot(row), None
        target = self._target(row, slot)
        groups: set[str | None] = set()
        if target is not _SAME:
            groups.add(self._group(target))
        if slot is not None:
            old = self._group(slot.team) if slot.team else self._group(slot.teammate)
            priority = self._priority(row)
            moved = target is not _SAME or (row["status"] == "open") != slot.open
            if moved or row["assignee"] != slot.mirror or priority != slot.priority:
                groups.add(old)
            if slot.open and slot.teammate is None and self._waits(slot.team):
                groups.add(old)
        return {g for g in groups if g is not None}

    def _waits(self, team: str | None) -> bool:
        return team is not None and self.config.team(team).method != "manual"

    def _priority(self, row: Row) -> int:
        attributes = self.tx.dialect.read_json(row["attributes"])
        value = attributes.get("priority") if isinstance(attributes, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
        return self.priorities.get(str(value), 0) if value is not None else 0

    def _settle(self, row: Row) -> None:
        slot, target = self._slot(row), None
        target = self._target(row, slot)
        is_open = row["status"] == "open"
        seq, priority = row["seq"], self._priority(row)
        if target is _SAME and slot is not None:
            self._keep(slot, is_open, priority, row["assignee"])
        elif target is not _SAME and target in self.config.teams:
            self._release(slot, "moved")
            self._put(seq, str(target), None, is_open, priority)
            if not self._waits(str(target)):  # else the drain logs "assigned" or "waiting"
                self._log("inbox", seq, str(target), None, f"in the {target} inbox")
        elif target is not _SAME and target in self.config.teammates:
            self._direct(slot, seq, str(target), is_open, priority)
        elif target is not _SAME and slot is not None:
            self._release(slot, "unassigned")
            self.tx.write("DELETE FROM workload_conversations WHERE conversation_seq = ?", seq)

    def _keep(self, slot: Slot, is_open: bool, priority: int, assignee: str | None) -> None:
        seq = slot.seq
        teammate = slot.teammate
        why = f"{'reopened' if is_open else 'closed'} ({teammate or slot.team})"
        if is_open and not slot.open and teammate is not None:
            team = self.config.teams.get(slot.team) if slot.team else None
            roster = self._roster((teammate,))
            problem = limit_problem(teammate, team, self.config.teammates, roster)
            if problem is not None:
                where = f"back in the {slot.team} inbox" if slot.team else "unassigned"
                why, teammate = f"reopened; {problem}: {where}", None
        if is_open != slot.open:
            self._log("reopened" if is_open else "closed", seq, slot.team, teammate, why)
        if teammate is None and slot.team is None:
            self.tx.write("DELETE FROM workload_conversations WHERE conversation_seq = ?", seq)
            self._mirror(seq, None)
            return
        queued = is_open and teammate is None and (slot.teammate is not None or not slot.open)
        if (is_open, priority, teammate) != (slot.open, slot.priority, slot.teammate):
            self._update(seq, is_open, priority, teammate, queued)
        if queued:
            self.queued.add(seq)
        if assignee != (teammate or slot.team):
            self._mirror(seq, teammate or slot.team)

    def _update(
        self, seq: int, is_open: bool, priority: int, teammate: str | None, queued: bool
    ) -> None:
        self.tx.write(
            "UPDATE workload_conversations SET open = ?, priority = ?, teammate = ?"
            + (", queued_at = ?" if queued else "")
            + " WHERE conversation_seq = ?",
            *(is_open, priority, teammate),
            *((self.tx.dialect.write_time(self.at),) if queued else ()),
            seq,
        )

    def _direct(
        self, slot: Slot | None, seq: int, teammate: str, is_open: bool, priority: int
    ) -> None:
        roster = self._roster((teammate,))
        problem = limit_problem(teammate, None, self.config.teammates, roster) if is_open else None
        if problem is not None:
            text = f"not assigned to {teammate}: {problem}"
            self._log("refused", seq, None, teammate, text)
            self.tx.add_note(
                Note(conversation_id(seq), text.capitalize() + ".", self.at, "workload")
            )
            self._mirror(seq, slot.mirror if slot else None)
            return
        self._release(slot, "moved")
        self._put(seq, None, teammate, is_open, priority)
        held = roster.held(teammate)
        text = f"direct: {teammate} had {held} open"
        self._numbered(teammate, self._log("assigned", seq, None, teammate, text))
        self._mirror(seq, teammate)

    def _release(self, slot: Slot | None, why: str) -> None:
        if slot is not None and slot.teammate is not None and slot.open:
            self._log("released", slot.seq, slot.team, slot.teammate, why)

    def _put(
        self, seq: int, team: str | None, teammate: str | None, is_open: bool, priority: int
    ) -> None:
        now = self.tx.dialect.write_time(self.at)
        self.tx.write(
            "INSERT INTO workload_conversations (conversation_seq, customer, team, teammate,"
            " open, priority, queued_at, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (conversation_seq) DO UPDATE SET team = excluded.team,"
            " teammate = excluded.teammate, open = excluded.open,"
            " priority = excluded.priority, queued_at = excluded.queued_at,"
            " assigned_at = excluded.assigned_at",
            seq,
            self.customer,
            team,
            teammate,
            is_open,
            priority,
            now,
            now if teammate is not None else None,
        )
        if teammate is None:
            self.queued.add(seq)

    def _mirror(self, seq: int, assignee: str | None) -> None:
        self.tx.write(
            "UPDATE conversations SET assignee = ? WHERE seq = ? AND assignee IS DISTINCT FROM ?"
            if self.postgres
            else "UPDATE conversations SET assignee = ? WHERE seq = ? AND assignee IS NOT ?",
            assignee,
            seq,
            assignee,
        )

    # teams ---------------------------------------------------------------------------

    def drain(self, group: str) -> None:
        """Give the group's waiting conversations to members with room, best first."""
        teams = [t for t in self.config.teams_of_group(group) if self._waits(t)]
        if not teams:
            return
        marks = ", ".join("?" for _ in teams)
        waiting = self.tx.query(
            "SELECT conversation_seq, team FROM workload_conversations WHERE open = ?"
            f" AND teammate IS NULL AND team IN ({marks})"
            " ORDER BY priority DESC, queued_at, conversation_seq",
            True,
            *teams,
        )
        if not waiting:
            return
        turns = [t for t in teams if self.config.team(t).method == "round_robin"]
        roster = self._roster(self.config.members_of_group(group), turns)
        for row in waiting:
            seq, team = row["conversation_seq"], row["team"]
            choice = choose(self.config.team(team), self.config.teammates, roster)
            if choice.member is None:
                if seq in self.queued:
                    self._log("waiting", seq, team, None, choice.reason)
                continue
            if not self._claim(seq):
                break  # its customer's transaction has it, and drains this team next
            self._give(seq, team, choice, roster)
        self._save_turns(teams, roster)

    def _claim(self, seq: int) -> bool:
        """PostgreSQL: lock the conversation's row, unless its customer's transaction
        holds it (then that transaction assigns it, under the team lock, just after)."""
        if not self.postgres:
            return True
        sql = "SELECT seq FROM conversations WHERE seq = ? FOR UPDATE SKIP LOCKED"
        return bool(self.tx.query(sql, seq))

    def _give(self, seq: int, team: str, choice: Choice, roster: Roster) -> None:
        member = str(choice.member)
        self.tx.write(
            "UPDATE workload_conversations SET teammate = ?, assigned_at = ?"
            " WHERE conversation_seq = ? AND teammate IS NULL",
            member,
            self.tx.dialect.write_time(self.at),
            seq,
        )
        number = self._log("assigned", seq, team, member, choice.reason)
        roster.assign(member, team, number)
        self._numbered(member, number)
        self._mirror(seq, member)

    def _numbered(self, member: str, number: int) -> None:
        """Keep the number of the member's last assignment (the log line's), by which
        balanced assignment knows who has waited longest (the group's lock orders them)."""
        self._upsert_teammate(member, "last_assignment", number)

    def _upsert_teammate(self, member: str, column: str, value: object) -> None:
        self.tx.write(
            f"INSERT INTO workload_teammates (name, {column}) VALUES (?, ?)"
            f" ON CONFLICT (name) DO UPDATE SET {column} = excluded.{column}",
            member,
            value,
        )

    def _save_turns(self, teams: list[str], roster: Roster) -> None:
        for team in teams:
            if self.config.team(team).method == "round_robin" and team in roster.turns:
                self.tx.write(
                    "INSERT INTO workload_teams (name, last_member) VALUES (?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET last_member = excluded.last_member",
                    team,
                    roster.turns[team],
                )

    def _roster(self, members: tuple[str, ...], teams: list[str] | None = None) -> Roster:
        roster = Roster()
        if not members:
            return roster
        marks = ", ".join("?" for _ in members)
        for row in self.tx.query(
            "SELECT teammate, team, COUNT(*) AS n FROM workload_conversations"
            f" WHERE open = ? AND teammate IN ({marks}) GROUP BY teammate, team",
            True,
            *members,
        ):
            member, team, count = row["teammate"], row["team"], int(row["n"])
            roster.open[member] = roster.held(member) + count
            if team is not None:
                roster.from_team[(member, team)] = count
        for row in self.tx.query(
            f"SELECT name, away, last_assignment FROM workload_teammates WHERE name IN ({marks})",
            *members,
        ):
            if row["away"]:
                roster.away.add(row["name"])
            roster.last[row["name"]] = int(row["last_assignment"])
        if teams:
            marks = ", ".join("?" for _ in teams)
            for row in self.tx.query(
                f"SELECT name, last_member FROM workload_teams WHERE name IN ({marks})", *teams
            ):
                roster.turns[row["name"]] = row["last_member"]
        return roster

    def set_status(self, teammate: str, away: bool) -> None:
        self._upsert_teammate(teammate, "away", away)
        self.tx.write(
            "UPDATE workload_teammates SET status_at = ? WHERE name = ?",
            self.tx.dialect.write_time(self.at),
            teammate,
        )
        self._log("status", None, None, teammate, f"{teammate} is {'away' if away else 'active'}")

    def _log(
        self, kind: str, seq: int | None, team: str | None, teammate: str | None, reason: str
    ) -> int:
        """Log one line; its number."""
        d = self.tx.dialect
        cursor = self.tx.write(
            "INSERT INTO workload_log (event_id, conversation_seq, at, kind, team, teammate,"
            f" reason) VALUES (?, ?, ?, ?, ?, ?, ?){d.returning_seq}",
            self.event_id,
            seq,
            self.tx.dialect.write_time(self.at),
            kind,
            team,
            teammate,
            reason,
        )
        return d.new_seq(cursor) or 0
