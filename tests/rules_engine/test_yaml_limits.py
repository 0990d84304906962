"""Hostile or broken workflow files are one finding each, quickly, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.cli import main
from rules_engine.loader import load_project

EXAMPLES = Path(__file__).parents[2] / "workflows"
LAUGHS = "x: &a [1,2,3,4,5,6,7,8,9,0]\n" + "".join(
    f"{b}: &{b} [{','.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def _project(tmp_path: Path, data: bytes) -> Path:
    (tmp_path / "workspace.yaml").write_text((EXAMPLES / "workspace.yaml").read_text())
    (tmp_path / "w.yaml").write_bytes(data)
    return tmp_path


def _chain(steps: int) -> bytes:
    lines = ["workflow: big", "trigger: customer_sends_first_message", "priority: 1"]
    lines += ["start: s0", "steps:"]
    for i in range(steps):
        lines += [f"  s{i}:", "    tag: [x]"] + ([f"    next: s{i + 1}"] if i + 1 < steps else [])
    return ("\n".join(lines) + "\n").encode()


CASES = {
    "bell": (b"workflow: a\x07\n", "E-syntax", (1, 12)),
    "nul": (b"workflow: a\x00\n", "E-syntax", (1, 12)),
    "self-alias": (b"a: &a [*a]\n", "E-syntax", (1, 8)),
    "deep": (b"a: " + b"[" * 1000 + b"]" * 1000 + b"\n", "E-syntax", (1, 103)),
    "digits": (b"workflow: x\npriority: " + b"9" * 5000 + b"\n", "E-syntax", (2, 11)),
    "latin-1": (b"workflow: caf\xe9\n", "E-syntax", (1, 1)),
    "billion-laughs": (LAUGHS.encode(), "E-syntax", None),
    "over-a-megabyte": (b"#" * 1_100_000, "E-syntax", (1, 1)),
    "20000-steps": (_chain(20_000), "E-syntax", None),
    "3000-steps": (_chain(3_000), "E-schema", (6, 3)),
}


@pytest.mark.parametrize("name", CASES)
def test_a_hostile_file_is_one_finding_in_seconds(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    data, code, place = CASES[name]
    folder = _project(tmp_path, data)
    started = time.perf_counter()
    project = load_project([folder])
    assert time.perf_counter() - started < 10
    assert [f.code for f in project.findings] == [code]
    if place is not None:
        found = project.findings[0].location
        assert (found.line, found.column) == place
    if name == "20000-steps":
        return  # the command reads it the same way; once is enough for a slow file
    assert main(["validate", str(folder)]) == 1
    err = capsys.readouterr()
    assert "Traceback" not in err.out + err.err


def test_aliases_used_within_the_limit_still_work(tmp_path: Path) -> None:
    text = (EXAMPLES / "route-inbound-sms.yaml").read_text()
    folder = _project(tmp_path, text.encode())
    assert load_project([folder]).findings == ()


def test_two_thousand_chained_steps_validate_in_seconds(tmp_path: Path) -> None:
    folder = _project(tmp_path, _chain(2000))
    started = time.perf_counter()
    project = load_project([folder])
    assert time.perf_counter() - started < 20
    assert [f for f in project.findings if f.severity == "error"] == []


YAMLISH = st.text(
    alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#\n \t\x00\x07é😀1\\%@`,?")), max_size=200
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.one_of(YAMLISH.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=200))
)
def test_fuzzed_files_never_raise(tmp_path: Path, data: bytes) -> None:
    folder = _project(tmp_path, data)
    project = load_project([folder])
    assert all(f.location.line >= 1 for f in project.findings)


def _shape(node: object) -> list[tuple[object, ...]]:
    from yaml.nodes import ScalarNode

    rows: list[tuple[object, ...]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        mark = item.start_mark  # type: ignore[attr-defined]
        plain = isinstance(item, ScalarNode) and not item.style
        value = item.value if isinstance(item, ScalarNode) else None  # type: ignore[attr-defined]
        rows.append((type(item).__name__, item.tag, mark.line, mark.column, plain, value))  # type: ignore[attr-defined]
        if not isinstance(item, ScalarNode):
            for part in item.value:  # type: ignore[attr-defined]
                stack.extend(part if isinstance(part, tuple) else (part,))
    return rows


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_libyaml_and_the_python_reader_compose_alike(path: Path) -> None:
    from rules_engine import _yaml_limits

    text = path.read_text() + "extra: [yes, 'no', 0x1F, 1_000, ~, True, &a {b: *a_}]\n".replace(
        "*a_", "1"
    )
    python = _yaml_limits._GuardedLoader(text, "w.yaml").get_single_node()
    assert _shape(_yaml_limits.compose(text, "w.yaml")) == _shape(python)
