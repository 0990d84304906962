"""The one table of action kinds (`rules_engine.model.ACTION_KINDS`) and the docs agree."""

from __future__ import annotations

from pathlib import Path

from rules_engine.model import ACTION_KINDS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "workflows.md"


def documented_action_kinds() -> tuple[str, ...]:
    """The first column of the `| action | value | does |` table in docs/workflows.md."""
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    start = lines.index("| action | value | does |") + 2
    kinds: list[str] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        kinds.append(line.split("|")[1].strip().strip("`"))
    return tuple(kinds)


def test_docs_list_exactly_the_action_kinds_in_order() -> None:
    assert documented_action_kinds() == ACTION_KINDS


def test_the_table_has_the_eight_kinds() -> None:
    assert ACTION_KINDS == (
        "assign", "unassign", "tag", "remove_tag", "note", "reply", "set", "close",
    )  # fmt: skip
