"""The pictures the golden and hash-seed tests compare: every example workflow, the
overview, a trace and a diff, as DOT.  Run as a script it prints them all (the
PYTHONHASHSEED test runs it in two subprocesses)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVENT = ROOT / "workflows" / "events" / "first-message-enterprise.json"
V2 = "tests/visualize/data/route-inbound-sms-v2.yaml"


def pictures() -> dict[str, str]:
    """File name in golden/ → DOT text."""
    from rules_engine.loader import load_project
    from visualize import diff_workflows, overview_diagram, to_dot, workflow_diagram

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        project = load_project(["workflows"])
        changed = load_project([V2, "workflows/workspace.yaml"])
    finally:
        os.chdir(here)
    found = {
        f"{w.name}.dot": to_dot(workflow_diagram(w, project.findings)) for w in project.workflows
    }
    found["overview.dot"] = to_dot(overview_diagram(project.workflows, project.findings))
    found["route-inbound-sms.trace.dot"] = to_dot(trace_of(project))
    route = next(w for w in project.workflows if w.name == "route-inbound-sms")
    diff = diff_workflows(route, changed.workflows[0], ("HEAD", "working tree"))
    found["route-inbound-sms.diff.dot"] = to_dot(diff.diagram)
    return found


def explain_output(project: object) -> dict[str, object]:
    """What `explain --json` prints for the example event (runs from the reference)."""
    from rules_engine.events import ConversationEvent
    from rules_engine.reference import ReferenceInterpreter

    data = json.loads(EVENT.read_text())
    event = ConversationEvent(
        data["trigger"],
        data["channel"],
        data["at"],
        data["customer"],
        data["conversation"],
        data["message"],
        id="SM1",
    )
    run = ReferenceInterpreter(project.workflows).decide(  # type: ignore[attr-defined]
        event.trigger, event.channel, event.attributes()
    )
    assert run is not None
    return {"event": {"id": "SM1", **data}, "candidates": [], "runs": [run.to_dict()]}


def trace_of(project: object) -> object:
    from visualize import load_traces, trace_diagram, workflow_diagram

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "explain.json"
        path.write_text(json.dumps(explain_output(project)))
        (trace,) = load_traces(path)
    workflow = next(w for w in project.workflows if w.name == trace.workflow)  # type: ignore[attr-defined]
    return trace_diagram(workflow_diagram(workflow, project.findings), trace)  # type: ignore[attr-defined]


if __name__ == "__main__":
    for name, text in sorted(pictures().items()):
        sys.stdout.write(f"=== {name}\n{text}")
