"""Golden DOT files: every example workflow, the overview, a trace and a diff.

Regenerate after an intended change of the pictures with

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/visualize/test_golden.py

and review the `git diff` of tests/visualize/golden/ like any other change.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import GOLDEN, ROOT
from pictures import pictures

PICTURES = pictures()


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_dot_matches_golden(name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(PICTURES[name], encoding="utf-8")
    assert path.is_file(), f"no golden {name}: run with UPDATE_GOLDEN=1"
    assert PICTURES[name] == path.read_text(encoding="utf-8")


def test_every_golden_is_still_produced() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.dot")) == sorted(PICTURES)


def test_every_example_workflow_has_a_golden() -> None:
    names = {p.stem for p in (ROOT / "workflows").glob("*.yaml")} - {"workspace"}
    assert {f"{name}.dot" for name in names} <= set(PICTURES)


def _render_with_seed(seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    script = str(ROOT / "tests" / "visualize" / "pictures.py")
    return subprocess.run([sys.executable, script], env=env, capture_output=True, check=True).stdout


def test_dot_is_byte_identical_under_different_hash_seeds() -> None:
    first, second = _render_with_seed("1"), _render_with_seed("4242")
    assert first, "nothing rendered"
    assert first == second
