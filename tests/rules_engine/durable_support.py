"""Whether durable_rules can run on this Python, for the tests that need it.

durable_rules 2.0.28 fails to import on Python 3.13 and later, where the project runs
without it (and says so: see the loading tests in test_engine.py).  There, the tests
that exercise durable_rules itself cannot run; every other test, the reference and
native executors' agreement included, still does.  On 3.11 and 3.12 nothing is left
out.
"""

from __future__ import annotations

import sys

import pytest

from rules_engine.workspace import EXECUTOR_NAMES

DURABLE = sys.version_info < (3, 13)
EXECUTORS = tuple(name for name in EXECUTOR_NAMES if DURABLE or name != "durable")
needs_durable = pytest.mark.skipif(
    not DURABLE, reason="durable_rules 2.0.28 does not import on Python 3.13 and later"
)
