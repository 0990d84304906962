"""Fixtures for every test package: a PostgreSQL server for the session, a fresh
schema per test.

The server is `DATABASE_URL`'s when it is set (its user must be allowed to create
databases), otherwise a throwaway one started in a temporary directory and stopped at
the end of the session, also when tests fail (see `pg_server.py`).  Each test gets an
empty schema of its own in one database of the session.  Without server
binaries the tests that need one fail, naming the Debian package to install: they are
never skipped.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import builders  # noqa: F401  (the shared test builders: cached here for every test folder)
import pg_server  # pytest put this directory first on sys.path to import this file
import pytest
from hypothesis import settings

# No per-example deadline: a busy CI machine must not turn slow examples into failures.
settings.register_profile("helpdesk", deadline=None)
settings.load_profile("helpdesk")

# ... where tests/channels, tests/visualize and tests/rules_engine would shadow the
# packages of the same names: take it off again before any test imports them.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != _HERE]


_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[pg_server.Server]:
    try:
        server = pg_server.server()
    except pg_server.ServerUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_database(postgres_server: pg_server.Server) -> str:
    """The URL of this session's database; each test works in a schema of its own."""
    return postgres_server.create_database(f"helpdesk_tests_{os.getpid()}")


@pytest.fixture
def postgres_url(postgres_server: pg_server.Server, postgres_database: str) -> Iterator[str]:
    """The URL of a fresh, empty schema for this test alone (its search path); dropped
    after it.  Faster than a database per test, and just as separate."""
    name = f"test_{next(_names)}"
    url = postgres_server.create_schema(postgres_database, name)
    yield url
    postgres_server.drop_schema(postgres_database, name)
