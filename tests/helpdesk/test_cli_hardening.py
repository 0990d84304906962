"""Commands answer a bad database, a mistyped path or a clashing name in one line."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from helpdesk._postgres import redacted
from helpdesk.cli import main

WORKFLOWS = Path(__file__).parents[2] / "workflows"
EVENT = {"type": "inbound_sms", "id": "SM1", "at": "2026-01-05T10:00:00Z", "from": "+14155550101"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://ana:s3cret@127.0.0.1:{port}/db",
        "postgresql://ana@127.0.0.1:{port}/db?password=s3cret",
        "postgresql://127.0.0.1:{port}/db?bogus=1&password=s3cret",
        "postgresql://127.0.0.1:{port}/db?sslmode=nope&password=s3cret",
        "postgresql://[s3cret",
    ],
)
def test_a_bad_database_url_is_one_line_without_the_secret(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "e.jsonl"
    events.write_text(json.dumps({**EVENT, "body": "hi"}) + "\n")
    database = url.format(port=_closed_port())
    code = main(["simulate", "--workflows", str(WORKFLOWS), "--database", database, str(events)])
    out, err = capsys.readouterr()
    assert code != 0
    assert "Traceback" not in out + err and "s3cret" not in out + err
    assert len(err.strip().splitlines()) == 1, err


def test_redacted_hides_query_string_passwords() -> None:
    assert redacted("postgresql://h/db?sslmode=require&password=x%20y") == (
        "postgresql://h/db?sslmode=require&password=***"
    )
    assert "x" not in redacted("postgresql://u:x@h/db").split("@")[0].split(":")[-1]


def test_history_on_a_mistyped_path_says_so_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.db"
    assert main(["history", "--database", str(missing), "C1"]) == 2
    assert "no database" in capsys.readouterr().err
    assert not missing.exists()


def _workflow(folder: Path, file: str, name: str, priority: int) -> None:
    (folder / file).write_text(
        f"workflow: '{name}'\ntrigger: customer_sends_any_message\npriority: {priority}\n"
        "start: s\nsteps:\n  s:\n    tag: [x]\n"
    )


def test_render_gives_each_workflow_its_own_file(tmp_path: Path) -> None:
    folder = tmp_path / "wf"
    folder.mkdir()
    (folder / "workspace.yaml").write_text((WORKFLOWS / "workspace.yaml").read_text())
    names = ["a.b", "a_2eb", "overview", "x" * 300, "é" * 200]
    for i, name in enumerate(names):
        _workflow(folder, f"w{i}.yaml", name, i + 1)
    out = tmp_path / "out"
    assert main(["render", str(folder), "--out", str(out), "--format", "dot"]) == 0
    dots = sorted(p.name for p in out.glob("*.dot"))
    assert len(dots) == len(names) + 1  # and the overview
    assert "overview.dot" in dots
    assert all(len(name.encode()) < 255 for name in dots)
