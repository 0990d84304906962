"""Fixtures for the diagram tests: the example workflows, a broken project that
produces every finding code, hand-made runs and a git repository with a base."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rules_engine.loader import Project, load_project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "workflows"
GOLDEN = Path(__file__).resolve().parent / "golden"
DATA = Path(__file__).resolve().parent / "data"

BROKEN = {
    "bad.yaml": """\
workflow: bad
trigger: customer_sends_first_message
channels: [chat]
priority: 7
start: a
steps:
  a:
    branch:
      - when: {customer.plan: {gt: 3}}
        then: b
      - when: {customer.seats: {gt: 3}}
        then: b
      - when: {customer.seats: {gt: 5}}
        then: c
      - when: {customer.nmae: {equals: x}}
        then: nowhere
      - when: {customer.name: yes}
        then: c
  b:
    assign: {team: Nobody}
    next: c
  c:
    tag: [x]
    close: 5
    next: b
  d:
    tag: [y]
""",
    "logic.yaml": """\
workflow: logic
trigger: customer_sends_any_message
channels: [chat]
priority: 4
start: a
steps:
  a:
    branch:
      - when: {customer.seats: {gt: 3}}
        then: b
      - when: {customer.seats: {gt: 5}}
        then: b
      - when: {all: [{customer.seats: {gt: 5}}, {customer.seats: {lt: 2}}]}
        then: b
    else: b
  b:
    tag: [x]
""",
    "tie-one.yaml": """\
workflow: tie-one
trigger: conversation_reopened
channels: [sms]
priority: 3
start: t
steps:
  t:
    tag: [one]
""",
    "tie-two.yaml": """\
workflow: tie-two
trigger: conversation_reopened
channels: [sms]
priority: 3
start: t
steps:
  t:
    tag: [two]
""",
    "overlap.yaml": """\
workflow: overlap-low
trigger: teammate_starts_conversation
channels: [sms]
priority: 1
start: t
steps:
  t:
    tag: [low]
""",
    "overlap-high.yaml": """\
workflow: overlap-high
trigger: teammate_starts_conversation
channels: [sms]
priority: 2
start: t
steps:
  t:
    tag: [high]
""",
    "twin.yaml": """\
workflow: tie-one
trigger: customer_sends_any_message
priority: 9
start: t
steps:
  t:
    tag: [twin]
    colour: blue
""",
}


# The example workspace with a mistake of each kind in its teams (docs/workload.md).
BROKEN_TEAMS = {
    "Orders: {members: [dan, erin, hugo], assignment: balanced, limit: 6}": (
        "Orders: {members: [dan, erin, zed], assignment: balanced, limit: 0}"
    ),
    "Email Support: {}": "Email Support: {assignment: balanced}",
    "carmen: {}": "carmen: {}\n  zoe: {}",
    "gina: {}": "gina: {limit: 2}",
}
TEAMLESS = """\
workflow: teamless
trigger: conversation_reopened
priority: 99
start: a
steps:
  a:
    assign: {teammate: zoe}
"""


def write_broken(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    workspace = (EXAMPLES / "workspace.yaml").read_text()
    for good, bad in BROKEN_TEAMS.items():
        assert good in workspace, good
        workspace = workspace.replace(good, bad)
    (folder / "workspace.yaml").write_text(workspace)
    (folder / "teamless.yaml").write_text(TEAMLESS)
    for name, text in BROKEN.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def load_relative(*paths: str) -> Project:
    """Load paths relative to the repository root, so locations (and goldens) are too."""
    here = os.getcwd()
    os.chdir(ROOT)
    try:
        return load_project(list(paths))
    finally:
        os.chdir(here)


@pytest.fixture(scope="session")
def examples() -> Project:
    return load_relative("workflows")


@pytest.fixture(scope="session")
def broken_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_broken(tmp_path_factory.mktemp("broken"))


@pytest.fixture(scope="session")
def broken(broken_dir: Path) -> Project:
    return load_project([broken_dir])


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        check=True,
        capture_output=True,
    )


CHANGED_ROUTE = DATA / "route-inbound-sms-v2.yaml"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git repository holding the examples at HEAD, with route-inbound-sms changed."""
    shutil.copytree(EXAMPLES, tmp_path / "workflows")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "base")
    shutil.copy(CHANGED_ROUTE, tmp_path / "workflows" / "route-inbound-sms.yaml")
    return tmp_path


@pytest.fixture(scope="session")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A week of realistic SMS traffic from 150 customers, as JSON Lines."""
    from helpdesk import generate_traffic

    path = tmp_path_factory.mktemp("traffic") / "events.jsonl"
    lines = [json.dumps(event) for event in generate_traffic(150, seed=3, days=7)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
