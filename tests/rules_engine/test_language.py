"""What the language does where the engines agree and the docs now say so.

Each behaviour is checked from YAML text through `Engine.decide` on every executor.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from durable_support import EXECUTORS

from rules_engine.engine import Engine
from rules_engine.events import ConversationEvent
from rules_engine.loader import load_project

WORKSPACE = """\
workspace: language
channels: [sms]
attributes:
  customer.seats: number
  customer.labels: list
  customer.address.city: string
"""


def project(tmp_path: Path, audience: str) -> Path:
    (tmp_path / "workspace.yaml").write_text(WORKSPACE)
    workflow = f"""\
    workflow: w
    trigger: customer_sends_first_message
    priority: 1
    audience: {audience}
    start: a
    steps:
      a:
        tag: [hit]
    """
    (tmp_path / "w.yaml").write_text(textwrap.dedent(workflow))
    return tmp_path


def runs(folder: Path, customer: dict[str, object]) -> set[bool]:
    """Whether the workflow runs, per executor (one answer when they agree)."""
    event = ConversationEvent(
        "customer_sends_first_message", "sms", datetime(2026, 1, 5, tzinfo=UTC), customer
    )
    answers = set()
    for name in EXECUTORS:
        with Engine.from_paths([folder], executor=name) as engine:
            answers.add(engine.decide(event) is not None)
    return answers


def test_contains_on_a_list_is_exact(tmp_path: Path) -> None:
    folder = project(tmp_path, "{customer.labels: {contains: vip}}")
    assert runs(folder, {"labels": ["vip"]}) == {True}
    assert runs(folder, {"labels": ["VIP"]}) == {False}


@pytest.mark.parametrize(
    ("audience", "present", "absent"),
    [
        ("{customer.seats: {exists: false}}", False, True),
        ("{customer.seats: {missing: false}}", True, False),
    ],
)
def test_exists_and_missing_take_false_as_the_other(
    tmp_path: Path, audience: str, present: bool, absent: bool
) -> None:
    folder = project(tmp_path, audience)
    assert runs(folder, {"seats": 3}) == {present}
    assert runs(folder, {}) == {absent}


@pytest.mark.parametrize(
    ("literal", "value", "error"),
    [("1_000", 1000, False), ("0x10", 16, False), ("1.0e+3", 1000, False), ("1e3", 0, True)],
)
def test_numbers_follow_yaml_1_1(tmp_path: Path, literal: str, value: int, error: bool) -> None:
    folder = project(tmp_path, f"{{customer.seats: {{equals: {literal}}}}}")
    if error:
        (finding,) = load_project([folder]).errors
        assert finding.code == "E-type-mismatch" and "'1e3'" in finding.message
    else:
        assert runs(folder, {"seats": value}) == {True}


def test_nested_objects_are_not_searched_for_dotted_names(tmp_path: Path) -> None:
    folder = project(tmp_path, "{customer.address.city: Oslo}")
    assert runs(folder, {"address.city": "Oslo"}) == {True}
    assert runs(folder, {"address": {"city": "Oslo"}}) == {False}


def test_posix_classes_run_as_written(tmp_path: Path) -> None:
    # `matches` runs RE2, which knows POSIX classes (Python's `re` would warn on them).
    folder = project(tmp_path, "{customer.address.city: {matches: '^[[:alpha:]]+$'}}")
    assert load_project([folder]).errors == ()
    assert runs(folder, {"address.city": "Oslo"}) == {True}
    assert runs(folder, {"address.city": "Oslo 2"}) == {False}


@pytest.mark.parametrize(
    ("audience", "code", "words"),
    [
        ("{not: {}}", "E-syntax", "cannot be empty"),
        ("{customer.seats: {in: [1, 1e3]}}", "E-type-mismatch", "item 2 of `in`, '1e3'"),
    ],
)
def test_messages_say_what_is_wrong(tmp_path: Path, audience: str, code: str, words: str) -> None:
    (finding,) = load_project([project(tmp_path, audience)]).errors
    assert finding.code == code
    assert words in f"{finding.message} ({finding.hint})"
