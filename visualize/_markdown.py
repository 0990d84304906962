"""The review as a Markdown summary, made to be posted as a pull-request comment: the
summary line, the findings, every changed field of every changed workflow (texts in
full) and, with a replay, what the change does to traffic."""

from __future__ import annotations

from ._review import Review, WorkflowReview
from ._traffic import cells, traffic_markdown

MOST_FINDINGS = 30  # rows of the findings table; the page has them all


def review_markdown(review: Review) -> str:
    lines = ["## Workflow review", "", f"**{review.summary()}**", ""]
    lines += _findings(review)
    if review.base is not None:
        lines += _changed(review)
    if review.traffic is not None:
        lines += traffic_markdown(review.traffic)
    return "\n".join(lines).rstrip("\n") + "\n"


def _findings(review: Review) -> list[str]:
    findings = review.project.findings
    if not findings:
        return ["No findings.", ""]
    lines = ["| severity | code | location | message |", "|---|---|---|---|"]
    lines += [
        cells(f.severity, f"`{f.code}`", str(f.location), f.message)
        for f in findings[:MOST_FINDINGS]
    ]
    if len(findings) > MOST_FINDINGS:
        lines.append(f"\n… and {len(findings) - MOST_FINDINGS} more findings in the report.")
    return [*lines, ""]


def _changed(review: Review) -> list[str]:
    changed = [w for w in review.workflows if w.changed]
    lines = [f"### Changed since {review.base}", ""]
    if not changed:
        return [*lines, "No workflow changed.", ""]
    for workflow in changed:
        lines += _workflow(workflow)
    return lines


def _workflow(workflow: WorkflowReview) -> list[str]:
    diff = workflow.diff
    if diff is None:
        return []
    lines = [f"**{workflow.name}** ({workflow.file}): {diff.summary}", ""]
    lines += ["| change | field | was | now |", "|---|---|---|---|"]
    lines += [cells(c.kind, f"`{c.path}`", c.old or "", c.new or "") for c in diff.changes]
    return [*lines, ""]
