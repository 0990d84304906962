"""`render`, `diff` and `review` through the CLI: what they write, print and exit with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CHANGED_ROUTE, EXAMPLES
from pictures import explain_output

import visualize._output
from helpdesk.cli import main
from rules_engine.findings import CODES
from rules_engine.loader import Project


def test_render_writes_every_workflow_and_the_overview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", str(EXAMPLES), "--out", str(tmp_path), "--format", "dot,svg"]) == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "route-inbound-sms.dot",
        "route-inbound-sms.svg",
        "route-inbound-sms.md",
        "overview.dot",
        "overview.svg",
    } <= names
    assert f"wrote {tmp_path / 'overview.svg'}" in capsys.readouterr().out


def test_render_a_trace(examples: Project, tmp_path: Path) -> None:
    trace = tmp_path / "explain.json"
    trace.write_text(json.dumps(explain_output(examples)))
    out = tmp_path / "out"
    args = ["render", str(EXAMPLES), "--out", str(out), "--format", "dot", "--trace", str(trace)]
    assert main(args) == 0
    assert "trace: event SM1" in (out / "route-inbound-sms.trace.dot").read_text()
    assert main([*args, "--event", "nope"]) == 2


def test_render_without_graphviz_writes_dot_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(visualize._output.shutil, "which", lambda _: None)
    assert main(["render", str(EXAMPLES), "--out", str(tmp_path)]) == 0
    assert "the `dot` program (Graphviz) is not installed" in capsys.readouterr().err
    assert (tmp_path / "reopened.dot").is_file() and not (tmp_path / "reopened.svg").exists()
    assert main(["render", str(EXAMPLES), "--out", str(tmp_path), "--format", "svg"]) == 1


def test_render_usage_errors(tmp_path: Path) -> None:
    assert main(["render", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert main(["render", str(EXAMPLES), "--out", str(tmp_path), "--format", "gif"]) == 2
    assert main(["render", str(EXAMPLES), "--out", str(tmp_path), "--event", "x"]) == 2


def test_diff_two_files_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = str(EXAMPLES / "route-inbound-sms.yaml")
    assert main(["diff", old, str(CHANGED_ROUTE), "--out", str(tmp_path), "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert "route-inbound-sms: 1 added, 1 removed, 2 changed, 1 reordered" in out
    assert (tmp_path / "route-inbound-sms.diff.dot").is_file()


def test_diff_against_a_git_revision(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--base", "HEAD", str(repo / "workflows")]) == 0
    first, *fields = capsys.readouterr().out.strip().splitlines()
    assert first == "route-inbound-sms: 1 added, 1 removed, 2 changed, 1 reordered"
    assert fields[-1] == (
        '  − steps.greet_vip: [reply "Thanks for reaching out. A senior specialist will text '
        'you back shortly."] → end'
    )
    assert "  + steps.by_plan.rows[4]: when customer.vip == true → vip" in fields
    assert main(["diff", "--base", "no-such-rev", str(repo / "workflows")]) == 2
    assert main(["diff", str(repo / "workflows")]) == 2


def test_review_exit_codes(broken_dir: Path, tmp_path: Path) -> None:
    assert main(["review", str(EXAMPLES), "--out", str(tmp_path / "ok")]) == 0
    assert main(["review", str(broken_dir), "--out", str(tmp_path / "bad")]) == 1
    warnings_only = tmp_path / "warn"
    warnings_only.mkdir()
    for name in ("workspace.yaml", "email-intake.yaml"):
        (warnings_only / name).write_text((EXAMPLES / name).read_text())
    with (warnings_only / "email-intake.yaml").open("a") as file:
        file.write("  orphan:\n    tag: [x]\n")
    assert main(["review", str(warnings_only), "--out", str(tmp_path / "w")]) == 0
    assert main(["review", str(warnings_only), "--out", str(tmp_path / "s"), "--strict"]) == 1
    assert main(["review", str(tmp_path / "missing"), "--out", str(tmp_path / "m")]) == 2


def test_review_report_lists_every_finding_code(broken_dir: Path, tmp_path: Path) -> None:
    main(["review", str(broken_dir), "--out", str(tmp_path)])
    report = json.loads((tmp_path / "report.json").read_text())
    page = (tmp_path / "index.html").read_text()
    codes = {f["code"] for f in report["findings"]}
    assert codes >= set(CODES)
    for code in codes:
        assert f'<td class="code">{code}</td>' in page
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page and "<link" not in page and "@font-face" not in page


def test_review_with_a_base_shows_the_change(repo: Path, tmp_path: Path) -> None:
    assert main(["review", str(repo / "workflows"), "--out", str(tmp_path), "--base", "HEAD"]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    changed = [w["name"] for w in report["workflows"] if w["changed"]]
    assert changed == ["route-inbound-sms"]
    assert "1 of 6 workflows changed since HEAD" in report["summary"]
    page = (tmp_path / "index.html").read_text()
    assert "route-inbound-sms — 1 added, 1 removed, 2 changed, 1 reordered" in page
    assert page.count("<details") >= 5
