"""The README's examples run: the Python session prints what its comments say, and the
tour's commands give the output it shows."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from helpdesk.cli import main

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def test_the_python_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = re.search(r"## Python API.*?```python\n(.*?)```", README, re.S)
    assert snippet is not None
    code = snippet.group(1)
    expected = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().splitlines() == expected


def test_the_tour_validates_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = re.search(r"cat > my-workflows/after-hours.yaml <<'EOF'\n(.*?)EOF", README, re.S)
    shown = re.search(r"\$ helpdesk-rules validate my-workflows/\n(.*?)```", README, re.S)
    assert workflow is not None and shown is not None
    (tmp_path / "my-workflows").mkdir()
    shutil.copy(ROOT / "workflows" / "workspace.yaml", tmp_path / "my-workflows")
    (tmp_path / "my-workflows" / "after-hours.yaml").write_text(workflow.group(1))
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "my-workflows/"]) == 1
    assert capsys.readouterr().out == shown.group(1)


def test_the_tour_simulates_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    events = re.search(r"Save these as `events.jsonl`:\n\n```json\n(.*?)```", README, re.S)
    shown = re.search(
        r"\$ helpdesk-rules simulate --workflows workflows events.jsonl\n(.*?)\.\.\.\n",
        README,
        re.S,
    )
    assert events is not None and shown is not None
    (tmp_path / "events.jsonl").write_text(events.group(1))
    shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    monkeypatch.chdir(tmp_path)
    assert main(["simulate", "--workflows", "workflows", "events.jsonl"]) == 0
    table = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    assert table[: len(shown.group(1).splitlines())] == shown.group(1).splitlines()
