"""Group commit on SQLite: the calls of one process share a write transaction and its fsync.

SQLite has one writer, and with `synchronous=FULL` each COMMIT waits for the disk.
Paying that wait once per message caps a process at the disk's fsync rate, whatever
the CPU could do.  So the writes of a process go through one `GroupWriter`: a thread
takes the writer lock, opens the group's transaction if none is open (`BEGIN
IMMEDIATE`), applies its call in its own `SAVEPOINT` and releases it.  When no other
thread is waiting for the lock (or the group has `limit` members) it commits the group,
once, for everyone in it; the others wait for that COMMIT.  So nothing a caller returns
is acknowledged before it is on disk, a call that raises rolls back alone (to its
savepoint) and gets its own error, and calls are applied one at a time, in the order
they took the lock, as before.  Under load the next group fills while the disk syncs
the previous one.

A COMMIT that fails fails every member of its group (with that error): their calls run
again if the error is a conflict (`_retry`), or fail.  If SQLite rolls the whole
transaction back while applying a member (a full disk, an I/O error), the members
already applied fail the same way.

`deferred(limit)` is for a single writer that can replay what a crash loses (`simulate`
skips an event it already stored, by provider id): members do not wait for a commit,
and the group commits every `limit` members and when the block ends.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from ._errors import StoreError

# The most calls one COMMIT acknowledges: bounds how long the first one waits.
GROUP_LIMIT = 256
# `simulate`: events per COMMIT.
DEFERRED_LIMIT = 500


class _Group:
    """One open write transaction: its members so far, and how it ended."""

    __slots__ = ("done", "error", "members")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.members = 0

    def outcome(self) -> None:
        """Wait for the COMMIT; raise its error, if it failed."""
        self.done.wait()
        if self.error is not None:
            raise self.error


class GroupWriter:
    """The one writer connection of a process, and the group its callers share."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], limit: int = GROUP_LIMIT):
        self._connect = connect
        self._limit = limit
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()  # held while a member applies its call
        self._count = threading.Lock()
        self._queued = 0  # threads waiting for `_lock`
        self._group: _Group | None = None
        self._deferred = 0  # > 0: commit every that many members, nobody waits

    # members ---------------------------------------------------------------------------

    @contextmanager
    def member(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """The writer connection inside this call's savepoint; after the block, the
        group's COMMIT (waited for unless `durable` is false or the writer is deferred)."""
        conn, group = self._enter()
        try:
            yield conn
            conn.execute("RELEASE member")
        except BaseException as error:
            try:
                self._undo(conn, group, error)
            finally:
                self._leave(group)
            raise
        group.members += 1
        self._leave(group)
        if durable and not self._deferred:
            group.outcome()

    def _enter(self) -> tuple[sqlite3.Connection, _Group]:
        with self._count:
            self._queued += 1
        self._lock.acquire()
        with self._count:
            self._queued -= 1
        try:
            conn = self._connection()
            if self._group is None:
                conn.execute("BEGIN IMMEDIATE")
                self._group = _Group()
            conn.execute("SAVEPOINT member")
        except BaseException:
            self._leave(self._group)
            raise
        return conn, self._group

    def _undo(self, conn: sqlite3.Connection, group: _Group, error: BaseException) -> None:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK TO member")
            conn.execute("RELEASE member")
        if conn.in_transaction:
            return
        # SQLite rolled the whole transaction back: the members applied so far are lost.
        self._group = None
        group.error = error
        group.done.set()
        if self._deferred and group.members:
            raise StoreError(
                f"SQLite rolled back the last {group.members} event(s) before they were "
                f"committed ({type(error).__name__}: {error}).",
                hint="Run the same command again: the events already stored are skipped.",
            ) from error

    def _leave(self, group: _Group | None) -> None:
        """Commit `group` if it is due, then let the next caller in."""
        try:
            if group is not None and group is self._group and self._due(group):
                self._commit(group, loud=bool(self._deferred))
        finally:
            self._lock.release()

    def _due(self, group: _Group) -> bool:
        if self._deferred:
            return group.members >= self._deferred
        return group.members >= self._limit or self._queued == 0

    def _commit(self, group: _Group, *, loud: bool) -> None:
        """COMMIT; on failure every member gets the error (and with `loud`, the caller)."""
        conn = self._conn
        self._group = None
        try:
            if conn is not None:
                conn.execute("COMMIT" if group.members else "ROLLBACK")
        except BaseException as error:
            group.error = error
            with suppress(sqlite3.Error):
                if conn is not None and conn.in_transaction:
                    conn.execute("ROLLBACK")
            if loud:
                raise
        finally:
            group.done.set()

    # the whole writer --------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection | None]:
        """While deferred: the writer connection (it holds what is not committed yet),
        under the lock; otherwise None (read on any connection)."""
        if not self._deferred:
            yield None
            return
        with self._lock:
            yield self._connection()

    @contextmanager
    def deferred(self, limit: int = DEFERRED_LIMIT) -> Iterator[None]:
        """Commit every `limit` calls, and once more at the end, instead of each call."""
        self.flush()
        self._deferred = limit
        try:
            yield
        finally:
            self._deferred = 0
            self.flush()

    def flush(self) -> None:
        """Commit the open group, if there is one."""
        with self._lock:
            if self._group is not None:
                self._commit(self._group, loud=True)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            # After a fork the parent's connection (and its transaction) is not ours.
            self._conn, self._pid, self._group = self._connect(), os.getpid(), None
        return self._conn

    def close(self) -> None:
        """Commit what is open and close the connection."""
        try:
            self.flush()
        finally:
            with self._lock:
                conn, self._conn = self._conn, None
                if conn is not None:
                    conn.close()
