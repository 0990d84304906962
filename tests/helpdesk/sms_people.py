"""Customers and a clock shared by the channel tests.

A module of its own (not `conftest`), so that worker processes the tests spawn can
import it: in a child process `conftest` may name another folder's conftest.
"""

from __future__ import annotations

from datetime import UTC, datetime

ALICE = "+14155550101"
BOB = "+12015550123"
CAROL = "+16135550123"  # Canada
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
