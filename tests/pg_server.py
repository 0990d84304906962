"""A throwaway PostgreSQL server, and fresh databases on it, for the tests and the bench.

`server()` uses `DATABASE_URL` when it is set (the user must be allowed to create
databases); otherwise it runs `initdb` and `pg_ctl` in a temporary directory, listening
on a free loopback port (and a unix socket in that directory), and stops and deletes it
on `stop()`.  PostgreSQL refuses to run as root: as root the directory is given to the
`postgres` user and the binaries run through `runuser -u postgres --`.

    >>> with server() as pg:                                   # doctest: +SKIP
    ...     url = pg.create_database("t1", template=None)
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEBIAN_PACKAGE = "postgresql"
SERVER_USER = "postgres"


class ServerUnavailable(RuntimeError):
    """No server to test against: no DATABASE_URL and no server binaries."""


def find_bindir() -> Path:
    """The directory of `initdb`, `pg_ctl` and `postgres`: `pg_config --bindir`, else the
    newest `/usr/lib/postgresql/*/bin`, else the PATH."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        result = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        )
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    )
    candidates += [Path(p) for p in versions]
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if all((bindir / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise ServerUnavailable(
        "No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found, neither by "
        "`pg_config --bindir` nor in /usr/lib/postgresql/*/bin nor on the PATH. Install the "
        f"Debian package `{DEBIAN_PACKAGE}` (apt-get install {DEBIAN_PACKAGE}; `make test` "
        "does it), or set DATABASE_URL to a server where this user may create databases."
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_database(url: str, name: str) -> str:
    """`url` pointing at the database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def with_search_path(url: str, schema: str) -> str:
    """`url` with `schema` as the connection's search path."""
    options = quote(f"-c search_path={schema}")
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}options={options}"


class Server:
    """A PostgreSQL server reachable at `url` (an admin connection), and databases on it."""

    def __init__(
        self, url: str, *, owned_dir: Path | None = None, bindir: Path | None = None
    ) -> None:
        self.url = url
        self._dir = owned_dir
        self._bindir = bindir
        self._created: list[str] = []
        self._admin: psycopg.Connection[tuple[object, ...]] | None = None
        self._stopped = False
        row = self._execute(sql.SQL("SHOW server_version")).fetchone()
        self.version = str(row[0]) if row else "unknown"

    def _execute(self, statement: sql.Composable) -> psycopg.Cursor[tuple[object, ...]]:
        if self._admin is None or self._admin.closed:
            self._admin = psycopg.connect(self.url, autocommit=True)
        return self._admin.execute(statement)

    def create_database(self, name: str, *, template: str | None = "template0") -> str:
        """A new empty database (or a copy of `template`, which nobody may be connected
        to); its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self._execute(statement)
        self._created.append(name)
        return with_database(self.url, name)

    def create_schema(self, database_url: str, name: str) -> str:
        """A new empty schema in the database at `database_url`; a URL that uses it."""
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return with_search_path(database_url, name)

    def drop_schema(self, database_url: str, name: str) -> None:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))

    def drop_database(self, name: str) -> None:
        """Drop it, closing whatever connections are still open to it."""
        self._execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if name in self._created:
            self._created.remove(name)

    def stop(self) -> None:
        """Drop what we created (on a server we do not own), or stop ours and delete it."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self._dir is None:
                for name in list(self._created):
                    self.drop_database(name)
        finally:
            if self._admin is not None:
                self._admin.close()
            if self._dir is not None and self._bindir is not None:
                pg_ctl = str(self._bindir / "pg_ctl")
                data = str(self._dir / "data")
                _run_as_server_user([pg_ctl, "stop", "-D", data, "-m", "immediate"], check=False)
                shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def server(*, durable: bool = False) -> Server:
    """`DATABASE_URL`'s server, or a throwaway one (`durable=False`: fsync off, for tests)."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return Server(url)
    return start_throwaway(durable=durable)


def start_throwaway(*, durable: bool = False) -> Server:
    bindir = find_bindir()
    directory = Path(tempfile.mkdtemp(prefix="helpdesk-pg-"))
    try:
        if os.geteuid() == 0:
            account = _server_account()
            os.chown(directory, account.pw_uid, account.pw_gid)
        data, port = directory / "data", free_port()
        _run_as_server_user(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )
        options = [
            f"-p {port}",
            "-c listen_addresses=127.0.0.1",
            f"-c unix_socket_directories={directory}",
            "-c max_connections=200",
        ]
        if not durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        _run_as_server_user(
            [
                str(bindir / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(data),
                "-l",
                str(directory / "server.log"),
                "-o",
                " ".join(options),
            ],
        )
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    pg = Server(
        f"postgresql://postgres@127.0.0.1:{port}/postgres", owned_dir=directory, bindir=bindir
    )
    atexit.register(pg.stop)  # a backstop: stop() is idempotent
    return pg


def _server_account() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise ServerUnavailable(
            f"PostgreSQL refuses to run as root and there is no {SERVER_USER!r} user to run "
            f"it as: install the Debian package `{DEBIAN_PACKAGE}` (it creates the user), or "
            "set DATABASE_URL."
        ) from None


def _run_as_server_user(command: Sequence[str], *, check: bool = True) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVER_USER, "--", *command]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        raise ServerUnavailable(
            f"`{' '.join(command)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
