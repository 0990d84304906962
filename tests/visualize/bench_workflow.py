"""A generated workflow of N steps (a chain of branches with action leaves)."""

from __future__ import annotations

from pathlib import Path


def big_workflow_text(steps: int) -> str:
    lines = [
        "workflow: big",
        "trigger: customer_sends_any_message",
        "priority: 0",
        "start: s0",
        "steps:",
    ]
    branches = steps // 2
    for i in range(branches):
        nxt = f"s{i + 1}" if i + 1 < branches else f"a{i}"
        lines += [
            f"  s{i}:",
            "    branch:",
            f"      - when: {{customer.seats: {{gt: {i}}}}}",
            f"        then: a{i}",
            f"    else: {nxt}",
        ]
    for i in range(steps - branches):
        lines += [f"  a{i}:", f"    tag: [t{i}]"]
    return "\n".join(lines) + "\n"


def big_workflow(folder: Path, steps: int) -> Path:
    path = folder / "big.yaml"
    path.write_text(big_workflow_text(steps), encoding="utf-8")
    return path
