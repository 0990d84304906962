"""docs/review.md's pull-request job runs: its `helpdesk-rules` commands, in a repository
whose `origin/main` is the base, validate, review and write the summary it posts."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, git

from helpdesk.cli import main

DOC = Path(__file__).parents[2] / "docs" / "review.md"


def job_steps() -> list[dict[str, object]]:
    block = re.search(r"## A pull-request job.*?```yaml\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None
    job = yaml.safe_load(block.group(1))
    steps: list[dict[str, object]] = job["jobs"]["review"]["steps"]
    return steps


def commands() -> list[list[str]]:
    runs = [str(step["run"]) for step in job_steps() if "run" in step]
    return [shlex.split(run) for run in runs if run.startswith("helpdesk-rules ")]


@pytest.fixture()
def pull_request(tmp_path: Path, events: Path) -> Path:
    """A checkout of a pull request: origin/main has the examples, the branch edits a reply."""
    shutil.copytree(EXAMPLES, tmp_path / "workflows")
    (tmp_path / "traffic").mkdir()
    shutil.copy(events, tmp_path / "traffic" / "recorded.jsonl")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "main")
    git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD")
    route = tmp_path / "workflows" / "route-inbound-sms.yaml"
    route.write_text(route.read_text().replace("back shortly", "back within the hour"))
    return tmp_path


def test_the_pull_request_job_runs_as_documented(
    pull_request: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = commands()
    assert [c[:2] for c in found] == [["helpdesk-rules", "validate"], ["helpdesk-rules", "review"]]
    assert {"--strict", "--base", "--traffic", "--markdown", "--max-changed"} <= {
        word for command in found for word in command
    }
    monkeypatch.chdir(pull_request)
    for command in found:
        assert main(command[1:]) == 0, " ".join(command)
    summary = (pull_request / "review.md").read_text()
    assert summary.startswith("## Workflow review\n")
    assert "`steps.greet_vip.actions[1].reply`" in summary and "within the hour" in summary
    assert "### What the change does to traffic" in summary
    assert "**Replies now sent**" in summary and "**Replies no longer sent**" in summary
    assert (pull_request / "review" / "index.html").is_file()
    posted = [str(step.get("run", "")) for step in job_steps()]
    assert any("gh pr comment" in run and "--body-file review.md" in run for run in posted)
    capsys.readouterr()


def test_the_job_fails_when_a_change_moves_too_much_traffic(
    pull_request: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    route = pull_request / "workflows" / "route-inbound-sms.yaml"
    route.write_text(route.read_text().replace("in: [enterprise, premium]", "in: [free]"))
    monkeypatch.chdir(pull_request)
    review = next(c for c in commands() if c[1] == "review")
    assert main(review[1:]) == 1
    assert "routed differently" in (pull_request / "review.md").read_text()
