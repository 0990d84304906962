"""What the pictures show: shapes, ports, else rows, traces, diffs, findings, folding."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CHANGED_ROUTE, ROOT
from pictures import explain_output

from rules_engine.findings import CODES
from rules_engine.loader import Project, load_project
from visualize import (
    FORMATS,
    OverviewOptions,
    TraceError,
    diff_workflows,
    load_traces,
    overview_diagram,
    render,
    to_dot,
    to_markdown,
    trace_diagram,
    workflow_diagram,
)


def _workflow(project: Project, name: str):  # type: ignore[no-untyped-def]
    return next(w for w in project.workflows if w.name == name)


def test_graph_style_and_shapes(examples: Project) -> None:
    dot = to_dot(workflow_diagram(_workflow(examples, "route-inbound-sms")))
    for needle in (
        'rankdir="LR"',
        'ordering="out"',
        'newrank="true"',
        'shape="oval"',
        'shape="invtrapezium"',
        'shape="plain"',
        'peripheries="2"',
        "▶ customer_sends_first_message",
        "◆ <b>by_plan</b>",
        'port="r1"',
        'port="else"',
        'tailport="else:e"',
    ):
        assert needle in dot
    assert "splines" not in dot
    assert re.search(
        r'id="route-inbound-sms--step-by_plan--r1" tooltip="row 1: customer\.plan in '
        r'\[enterprise, premium\] \(workflows/route-inbound-sms\.yaml:12\)" '
        r'href="workflows/route-inbound-sms\.yaml#L12"',
        dot,
    )


def test_missing_else_row_is_drawn_with_a_warning(broken: Project) -> None:
    dot = to_dot(workflow_diagram(_workflow(broken, "bad"), broken.findings))
    assert re.search(r'port="else"', dot)
    assert "else  ⚠ W-missing-else" in dot
    assert "#F0E442" in dot and "dashed" in dot


def test_svg_has_ids_classes_tooltips_and_links(examples: Project) -> None:
    svg = html.unescape(render(workflow_diagram(_workflow(examples, "reopened")), "svg").decode())
    assert 'id="reopened--step-why"' in svg
    assert 'class="node branch plain"' in svg
    assert "<title>" in svg and 'xlink:title="row 1: message.body matches' in svg
    assert 'xlink:href="workflows/reopened.yaml#L' in svg
    png = render(workflow_diagram(_workflow(examples, "reopened")), "png")
    assert png.startswith(b"\x89PNG")


def test_every_finding_code_shows_on_a_picture(broken: Project) -> None:
    produced = {f.code for f in broken.findings}
    assert produced >= set(CODES)
    pictures = "".join(to_dot(workflow_diagram(w, broken.findings)) for w in broken.workflows)
    pictures += to_dot(overview_diagram(broken.workflows, broken.findings))
    # the team findings point into workspace.yaml, which has no picture (the review
    # report lists them: test_cli.py)
    for code in produced - {"E-unknown-member", "E-bad-limit", "E-empty-team", "W-limit-ignored"}:
        assert f"⚠ {code}" in pictures, code


def test_finding_lands_on_its_row(broken: Project) -> None:
    dot = to_dot(workflow_diagram(_workflow(broken, "logic"), broken.findings))
    row = re.search(r'<td align="left"[^>]*id="logic--step-a--r2"[^>]*>([^<]*)', dot)
    assert row is not None and "⚠ W-shadowed-branch" in row.group(1)


def test_trace_numbers_the_path_and_greys_the_rest(examples: Project, tmp_path: Path) -> None:
    path = tmp_path / "explain.json"
    path.write_text(json.dumps(explain_output(examples)))
    (trace,) = load_traces(path)
    diagram = trace_diagram(workflow_diagram(_workflow(examples, trace.workflow)), trace)
    dot = to_dot(diagram)
    assert "trace: event SM1" in dot
    for number in ("1", "2", "3", "4"):
        assert f"label=<<b>{number}</b>>" in dot
    assert "✓" in dot and "·" in dot
    billing = diagram.node("step-billing")
    assert billing is not None and billing.status == "muted"
    assert "| ◆ by_plan | 1 | customer.plan in [enterprise, premium] | vip | ✓ matched |" in (
        to_markdown(diagram)
    )


def test_trace_from_simulate_json_lines_and_event_choice(examples: Project, tmp_path: Path) -> None:
    run = explain_output(examples)["runs"][0]  # type: ignore[index]
    lines = [{"event": "e1", "workflows": [run]}, {"event": "e2", "workflows": [run]}]
    path = tmp_path / "simulate.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    assert [t.event for t in load_traces(path)] == ["e1"]
    assert [t.event for t in load_traces(path, "e2")] == ["e2"]
    with pytest.raises(TraceError, match="no event with id 'e3'"):
        load_traces(path, "e3")


def test_trace_that_does_not_fit_is_an_error(examples: Project, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    run = {
        "workflow": "route-inbound-sms",
        "path": ["by_plan", "vip"],
        "verdicts": [{"step": "by_plan", "rows": ["matched"], "else": "not_taken"}],
    }
    path.write_text(json.dumps({"runs": [run]}))
    (trace,) = load_traces(path)
    with pytest.raises(TraceError, match="does not fit"):
        trace_diagram(workflow_diagram(_workflow(examples, "route-inbound-sms")), trace)


def test_diff_summary_and_statuses(examples: Project) -> None:
    new = load_project([CHANGED_ROUTE, ROOT / "workflows" / "workspace.yaml"]).workflows[0]
    diff = diff_workflows(_workflow(examples, "route-inbound-sms"), new)
    assert diff.summary == "1 added, 1 removed, 2 changed, 1 reordered"
    table = to_markdown(diff.diagram)
    assert '~ changed (was message.body contains "refund")' in table
    assert "| ◆ by_plan | 4 | customer.vip equals true | vip | + added |" in table
    assert "− removed" in table and "↕ reordered (was row 3)" in table


def test_diff_of_identical_workflows_is_empty(examples: Project) -> None:
    workflow = _workflow(examples, "reopened")
    assert diff_workflows(workflow, workflow).summary == "no changes"
    assert diff_workflows(None, workflow).summary == "1 added"


def test_overview_orders_by_priority_and_folds(examples: Project) -> None:
    dot = to_dot(overview_diagram(examples.workflows))
    assert dot.index("workflow-campaign-replies") < dot.index("workflow-route-inbound-sms")
    many = [replace(examples.workflows[0], name=f"wf-{i:02}", priority=i) for i in range(40)]
    folded = overview_diagram(many, (), OverviewOptions(fold_at=30, keep=5))
    assert "… 35 more workflows" in to_dot(folded)


def test_overview_marks_conflicts(broken: Project) -> None:
    dot = to_dot(overview_diagram(broken.workflows, broken.findings))
    assert "⚠ E-priority-tie" in dot and "⚠ W-shadowed-workflow" in dot
    assert 'constraint="false"' in dot


def test_a_150_step_workflow_renders(tmp_path: Path) -> None:
    from bench_workflow import big_workflow

    path = big_workflow(tmp_path, 150)
    project = load_project([path])
    diagram = workflow_diagram(project.workflows[0], project.findings)
    assert len(diagram.nodes) == 152
    svg = render(diagram, "svg").decode()
    assert svg.count('class="node action') + svg.count('class="node branch') == 150


def test_a_big_workflow_reads_top_to_bottom(tmp_path: Path) -> None:
    from bench_workflow import big_workflow

    project = load_project([big_workflow(tmp_path, 150)])
    big = to_dot(workflow_diagram(project.workflows[0], project.findings))
    assert 'rankdir="TB"' in big and "ordering" not in big
    png = render(workflow_diagram(project.workflows[0], project.findings), "png")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width < 8000 and height > width  # a long scroll, not a metres-wide strip
    small = to_dot(workflow_diagram(load_project([ROOT / "workflows"]).workflows[0], ()))
    assert 'rankdir="LR", ordering="out"' in small


def test_formats_registry() -> None:
    assert set(FORMATS) == {"dot", "svg", "png", "md"}
