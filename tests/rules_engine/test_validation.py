"""Validation: broken workflows produce exactly the expected findings at the right places."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import write_project

from helpdesk.cli import main
from rules_engine.findings import CODES
from rules_engine.loader import load_project

EXAMPLES = Path(__file__).parents[2] / "workflows"


def found(path: Path) -> list[tuple[str, str, int, int]]:
    project = load_project([path])
    return [
        (Path(f.location.file).stem, f.code, f.location.line, f.location.column)
        for f in project.findings
    ]


def test_the_examples_validate_clean() -> None:
    project = load_project([EXAMPLES])
    assert project.findings == ()
    assert len(project.workflows) == 6


def test_the_examples_use_every_operator_action_and_trigger() -> None:
    text = "\n".join(p.read_text() for p in EXAMPLES.glob("*.yaml"))
    operators = ["equals", "not_equals", "in:", "not_in", "contains", "starts_with", "matches"]
    operators += ["exists", "missing", "gt:", "gte:", "lt:", "lte:", "all:", "any:", "not:"]
    actions = ["assign: {team", "assign: {teammate", "tag:", "note:", "reply:", "set:", "close:"]
    project = load_project([EXAMPLES])
    assert {w.trigger for w in project.workflows} == {
        "customer_sends_first_message",
        "customer_sends_any_message",
        "conversation_reopened",
        "teammate_starts_conversation",
    }
    for word in operators + actions:
        assert word in text, word


BROKEN_GRAPH = """
    workflow: broken-graph
    trigger: customer_sends_first_mesage
    channels: [sms]
    priority: 10
    start: first
    steps:
      first:
        branch:
          - when: {customer.plann: pro}
            then: a
          - when: {customer.plan: {equals: gold}}
            then: nowhere
      a:
        assign: {team: Billng}
        next: b
      b:
        tag: [x]
        close: yes
        next: a
      lonely:
        note: hi
"""


def test_every_problem_of_a_broken_file_in_one_pass(tmp_path: Path) -> None:
    assert found(write_project(tmp_path, bad=BROKEN_GRAPH)) == [
        ("bad", "E-schema", 2, 10),  # unknown trigger
        ("bad", "W-missing-else", 7, 3),
        ("bad", "E-unknown-attribute", 9, 16),
        ("bad", "E-type-mismatch", 11, 40),  # gold is not a plan
        ("bad", "E-unknown-step", 12, 15),
        ("bad", "E-cycle", 13, 3),
        ("bad", "E-unknown-assignee", 14, 20),
        ("bad", "E-syntax", 18, 12),  # close: yes
        ("bad", "W-yaml-bool", 18, 12),
        ("bad", "W-unreachable", 20, 3),
    ]


def test_hints_say_what_was_meant(tmp_path: Path) -> None:
    project = load_project([write_project(tmp_path, bad=BROKEN_GRAPH)])
    hints = {f.code: f.hint for f in project.findings}
    assert hints["E-unknown-attribute"] == "did you mean `customer.plan`?"
    assert hints["E-unknown-assignee"] == "did you mean `Billing`?"
    assert hints["E-schema"] == "did you mean `customer_sends_first_message`?"


LOGIC = """
    workflow: logic
    trigger: customer_sends_any_message
    priority: 1
    start: first
    steps:
      first:
        branch:
          - when: {customer.seats: {gt: 3}}
            then: done
          - when: {customer.seats: {gt: 5}}
            then: done
          - when: {all: [{customer.seats: {gt: 5}}, {customer.seats: {lt: 2}}]}
            then: done
          - when: {message.body: {contains: refund}}
            then: done
          - when: {message.body: {contains: REFUND please}}
            then: done
          - when: {customer.plan: {in: [pro]}}
            then: done
          - when: {any: [{customer.plan: pro}, {customer.vip: true}]}
            then: done
        else: done
      done:
        tag: [seen]
"""


def test_shadowed_and_unsatisfiable_rows(tmp_path: Path) -> None:
    assert found(write_project(tmp_path, logic=LOGIC)) == [
        ("logic", "W-shadowed-branch", 10, 9),  # gt 5 after gt 3
        ("logic", "W-unsatisfiable", 12, 9),  # gt 5 and lt 2
        ("logic", "W-shadowed-branch", 16, 9),  # contains "REFUND please" after "refund"
    ]


def test_a_row_that_only_partly_repeats_is_not_shadowed(tmp_path: Path) -> None:
    # `plan = pro` is caught by the row above, but `vip = true` is not: no finding.
    findings = found(write_project(tmp_path, logic=LOGIC))
    assert not any(line == 20 for _, _, line, _ in findings)


TIE_A = """
    workflow: a
    trigger: conversation_reopened
    channels: [sms]
    priority: 5
    start: s
    steps:
      s: {tag: [a]}
"""
TIE_B = TIE_A.replace("workflow: a", "workflow: b")
LOW = """
    workflow: low
    trigger: conversation_reopened
    priority: 1
    audience: {customer.plan: pro}
    start: s
    steps:
      s: {tag: [low]}
"""
ELSEWHERE = """
    workflow: elsewhere
    trigger: conversation_reopened
    channels: [email]
    priority: 0
    audience: {customer.plan: free}
    start: s
    steps:
      s: {tag: [elsewhere]}
"""


def test_ties_and_shadowed_workflows(tmp_path: Path) -> None:
    # `low` runs on every channel: a and b catch its SMS events, not its email or chat.
    path = write_project(tmp_path, a=TIE_A, b=TIE_B, low=LOW, elsewhere=ELSEWHERE)
    assert found(path) == [("a", "E-priority-tie", 4, 1), ("b", "E-priority-tie", 4, 1)]
    sms_only = LOW.replace("priority: 1", "channels: [sms]\n    priority: 1")
    path = write_project(tmp_path, a=TIE_A, b=TIE_B, low=sms_only, elsewhere=ELSEWHERE)
    project = load_project([path])
    (shadowed,) = [f for f in project.findings if f.code == "W-shadowed-workflow"]
    assert (shadowed.workflow, shadowed.location.line) == ("low", 4)
    assert shadowed.message == (
        "`low` can never run: `a` (priority 5), `b` (priority 5) catch every event it could "
        "match on `conversation_reopened` (sms)"
    )


FALLBACK = """
    workflow: {name}
    trigger: customer_sends_first_message
    channels: [sms]
    priority: {priority}
    {audience}
    start: s
    steps:
      s: {{tag: [{name}]}}
"""


def fallback(name: str, priority: int, audience: str = "") -> str:
    return FALLBACK.format(name=name, priority=priority, audience=audience)


def test_fallbacks_by_priority_are_no_finding(tmp_path: Path) -> None:
    # VIP, then Spanish, then everyone else: overlapping audiences, the normal way.
    path = write_project(
        tmp_path,
        vip=fallback("vip", 30, "audience: {customer.vip: true}"),
        spanish=fallback("spanish", 20, "audience: {customer.plan: pro}"),
        everyone=fallback("everyone", 10),
    )
    assert found(path) == []


def test_a_workflow_below_a_catch_all_is_shadowed(tmp_path: Path) -> None:
    path = write_project(
        tmp_path,
        everyone=fallback("everyone", 30),
        spanish=fallback("spanish", 20, "audience: {customer.plan: pro}"),
    )
    assert found(path) == [("spanish", "W-shadowed-workflow", 4, 1)]


def test_higher_workflows_that_together_cover_the_audience_shadow_it(tmp_path: Path) -> None:
    # `not` holds when the plan is missing (`not_equals` would not): together they catch all.
    path = write_project(
        tmp_path,
        pro=fallback("pro", 30, "audience: {customer.plan: pro}"),
        rest=fallback("rest", 20, "audience: {not: {customer.plan: pro}}"),
        low=fallback("low", 10, "audience: {customer.vip: true}"),
        other=fallback("other", 5, "audience: {customer.plan: pro}").replace("[sms]", "[email]"),
    )
    findings = load_project([path]).findings
    assert [(f.workflow, f.code) for f in findings] == [("low", "W-shadowed-workflow")]
    assert "`pro` (priority 30), `rest` (priority 20)" in findings[0].message


def test_disjoint_audiences_do_not_overlap(tmp_path: Path) -> None:
    other = LOW.replace("workflow: low", "workflow: other").replace("priority: 1", "priority: 2")
    other = other.replace("plan: pro", "plan: free")
    assert found(write_project(tmp_path, low=LOW, other=other)) == []


def test_yaml_words_stay_text_and_get_a_warning(tmp_path: Path) -> None:
    text = """
        workflow: words
        trigger: customer_sends_any_message
        start: s
        steps:
          s:
            tag: [no, "yes"]
    """
    project = load_project([write_project(tmp_path, words=text)])
    assert [(f.code, f.location.line) for f in project.findings] == [("W-yaml-bool", 6)]
    action = project.workflows[0].steps["s"].actions[0]  # type: ignore[union-attr]
    assert action.value == ("no", "yes")


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        ("workflow: x\ntrigger: [unclosed\n", "E-syntax", 2, 10),  # where `[` opens
        ("- just\n- a list\n", "E-syntax", 1, 1),
        (
            "workflow: x\ntrigger: conversation_reopened\nstart: s\nsteps: {s: {tagg: [a]}}\n",
            "E-schema",
            4,
            13,
        ),
        (
            "workflow: x\ntrigger: conversation_reopened\nstart: s\nsteps: {s: {tag: [a]}}\n"
            "priority: high\n",
            "E-syntax",
            5,
            11,
        ),
        (
            "workflow: x\ntrigger: conversation_reopened\nstart: s\n"
            "steps: {s: {tag: [a], next: t}, t: {note: {bad: 1}}}\n",
            "E-syntax",
            4,
            43,
        ),
        (
            "workflow: x\ntrigger: conversation_reopened\nstart: s\n"
            "steps: {s: {branch: [{when: {customer.seats: {over: 3}}, then: s}]}}\n",
            "E-schema",
            4,
            47,
        ),
        (
            "workflow: x\ntrigger: conversation_reopened\nstart: s\n"
            "steps: {s: {branch: [{when: {customer.plan: {gt: 3}}, then: t}], else: t},"
            " t: {tag: [a]}}\n",
            "E-type-mismatch",
            4,
            50,
        ),
        (
            "workflow: x\ntrigger: conversation_reopened\nstart: s\n"
            "steps: {s: {set: {conversation.mood: happy}}}\n",
            "E-unknown-attribute",
            4,
            19,
        ),
    ],
)
def test_shape_problems_point_at_the_node(
    tmp_path: Path, text: str, code: str, line: int, column: int
) -> None:
    write_project(tmp_path, w=text)
    findings = load_project([tmp_path]).findings
    assert (code, line, column) in [(f.code, f.location.line, f.location.column) for f in findings]
    assert all(f.code in CODES for f in findings)


def test_validate_prints_findings_and_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_project(tmp_path, bad=BROKEN_GRAPH)
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{path / 'bad.yaml'}:2:10: E-schema unknown trigger")
    assert lines[-1] == "2 files checked: 7 errors, 3 warnings"


def test_validate_json_and_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_project(tmp_path, logic=LOGIC)
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["validate", "--json", "--strict", str(path)]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in findings] == [
        "W-shadowed-branch",
        "W-unsatisfiable",
        "W-shadowed-branch",
    ]
    assert findings[0]["line"] == 10 and findings[0]["severity"] == "warning"


def test_validate_a_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no/such/folder"]) == 2
    err = capsys.readouterr().err
    assert err == "helpdesk-rules validate: no such file or directory: no/such/folder\n"


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "hint"),
    [
        ("workflow: x\nsteps:\n\ts: {tag: [a]}\n", 3, 1, "a tab character", "spaces"),
        ("workflow: x\ntrigger\npriority: 1\n", 2, 1, "a key without a `:`", "key: value"),
        ('workflow: "x\npriority: 1\n', 1, 11, "a quote that is never closed", "close"),
        ("workflow: 'x\npriority: 1\n", 1, 11, "a quote that is never closed", "close"),
        ("workflow: x\nchannels: [sms\npriority: 1\n", 2, 11, "a `[` that is never closed", "]"),
        ("workflow: x\naudience: {a: 1\npriority: 1\n", 2, 11, "a `{` that is never", "}"),
        ("workflow: x\nsteps:\n  s: 1\n t: 2\n", 4, 2, "indented differently", "column"),
        ("workflow: x\n  priority: 2\n", 2, 11, "a `:` that cannot start", "quotes"),
        ("workflow: @x\n", 1, 11, "cannot start with this character", "quotes"),
    ],
)
def test_yaml_syntax_errors_read_like_the_rest(
    tmp_path: Path, text: str, line: int, column: int, message: str, hint: str
) -> None:
    (tmp_path / "broken.yaml").write_text(text)
    (finding,) = load_project([tmp_path / "broken.yaml"]).findings
    assert (finding.code, finding.location.line, finding.location.column) == (
        "E-syntax",
        line,
        column,
    )
    assert finding.message.startswith("invalid YAML: ") and message in finding.message
    assert finding.hint is not None and hint in finding.hint
    for parser_words in ("scanning", "parsing", "token", "block end", "not allowed here"):
        assert parser_words not in finding.message


EDGES = """
workflow: edge
trigger: customer_sends_first_message
priority: 1
audience: {customer.seats: {lt: 1.0e+300}}
start: route
steps:
  route:
    branch:
      - when: {customer.signed_up_at: {lt: "0001-01-01T00:00:00Z"}}
        then: a
      - when: {customer.signed_up_at: {gt: "9999-12-31T23:59:59.9995Z"}}
        then: a
      - when: {customer.seats: {lte: 9007199254740992}}
        then: a
      - when: {customer.seats: {exists: true}}
        then: b
      - when: {customer.seats: {gt: .inf}}
        then: b
    else: a
  a:
    tag: [a]
  b:
    tag: [b]
"""


def test_numbers_and_times_at_the_edges_are_reasoned_about_exactly(tmp_path: Path) -> None:
    """Only `gt: .inf` can never hold; the `exists` row is taken for 2**53 + 1."""
    assert found(write_project(tmp_path, edge=EDGES)) == [("edge", "W-unsatisfiable", 17, 9)]
