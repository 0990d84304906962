"""The engine API: building, deciding, explaining, errors."""

from __future__ import annotations

import json
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest
from builders import BROKEN_WORKFLOW
from durable_support import EXECUTORS

from rules_engine import _durable
from rules_engine._durable import load_library
from rules_engine.engine import Engine
from rules_engine.errors import EventError, ExecutorUnavailable, ValidationError
from rules_engine.events import ConversationEvent

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
AT = datetime(2026, 1, 5, 10, tzinfo=UTC)


def event(**fields: object) -> ConversationEvent:
    data = json.loads((WORKFLOWS / "events" / "first-message-enterprise.json").read_text())
    data.update(fields)
    data["at"] = AT
    return ConversationEvent(**data)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_the_example_workflows_decide_the_example_event(executor: str) -> None:
    with Engine.from_paths([WORKFLOWS], executor=executor) as engine:
        run = engine.decide(event())
    assert run is not None
    assert run.workflow == "route-inbound-sms"
    assert run.path == ("by_plan", "vip", "greet_vip")
    assert run.verdicts[0].rows[0] == "matched"


def test_the_executor_comes_from_the_workspace_unless_given() -> None:
    engine = Engine.from_paths([WORKFLOWS])
    assert engine.executor_name == "native"
    with pytest.raises(ExecutorUnavailable, match="unknown executor"):
        Engine(engine.workflows, engine.workspace, "quantum")


def test_explain_lists_every_candidate_with_its_reason() -> None:
    engine = Engine.from_paths([WORKFLOWS])
    explanation = engine.explain(event())
    chosen = [c for c in explanation.candidates if c.chosen]
    assert [c.workflow for c in chosen] == ["route-inbound-sms"]
    priorities = [c.priority for c in explanation.candidates]
    assert priorities == sorted(priorities, reverse=True)
    assert explanation.run == engine.decide(event())
    for candidate in explanation.candidates:
        assert candidate.to_dict()["reason"]


def test_unknown_triggers_channels_and_wrong_types_are_event_errors() -> None:
    engine = Engine.from_paths([WORKFLOWS])
    with pytest.raises(EventError, match="unknown trigger"):
        engine.decide(event(trigger="customer_waves"))
    with pytest.raises(EventError, match="unknown channel"):
        engine.decide(event(channel="fax"))
    with pytest.raises(EventError, match=r"customer\.seats"):
        engine.decide(event(customer={"seats": "many"}))
    with pytest.raises(EventError, match="finite"):
        engine.decide(event(customer={"seats": float("inf")}))


def test_a_project_with_errors_raises_validation_error(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN_WORKFLOW)
    with pytest.raises(ValidationError) as caught:
        Engine.from_paths([tmp_path])
    assert caught.value.findings


def test_decide_keeps_nothing_per_event() -> None:
    engine = Engine.from_paths([WORKFLOWS])
    first = engine.decide(event())
    for n in range(2000):
        engine.decide(event(customer={"plan": "enterprise", "name": f"n{n}"}))
    assert engine.decide(event()) == first


# -- the durable executor where durable_rules cannot run -------------------------------


def test_python_313_and_later_is_refused_with_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.SimpleNamespace(version_info=(3, 13, 0))
    monkeypatch.setattr(_durable, "sys", fake)
    with pytest.raises(ExecutorUnavailable, match=r"Python 3\.13.*native executor"):
        load_library()


def test_a_failed_import_is_refused_with_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> None:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(_durable, "sys", types.SimpleNamespace(version_info=(3, 11, 7)))
    monkeypatch.setattr(_durable.importlib, "import_module", refuse)
    with pytest.raises(ExecutorUnavailable, match="cannot be imported"):
        load_library()
