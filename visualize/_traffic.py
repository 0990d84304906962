"""What a change does to recorded traffic, for the review page and its Markdown summary.

The replay itself needs a store and lives in the help desk (`helpdesk._replay`); this
module only reads its result as plain data:

    {"events", "routed", "rerouted", "percent", "conversations", "rerouted_conversations",
     "routes": [{"from": {workflow, path, assignee} | None, "to": …, "count", "examples"}],
     "replies": {"now_sent": [{"text", "count", "examples"}], "no_longer_sent": […]},
     "seconds"}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import cast

Data = Mapping[str, object]


def headline(traffic: Data) -> str:
    """`12 of 800 routed events (1.5%) and 9 of 310 conversations would be routed …`."""
    return (
        f"{traffic['rerouted']} of {traffic['routed']} routed events ({traffic['percent']}%) "
        f"and {traffic['rerouted_conversations']} of {traffic['conversations']} conversations "
        f"would be routed differently ({traffic['events']} events replayed on both versions)"
    )


def route_text(route: object) -> str:
    """`route-inbound-sms · by_plan → vip → greet_vip · VIP Support`, or `no workflow`."""
    if not isinstance(route, Mapping):
        return "no workflow"
    return f"{route['workflow']} · {route['path']} · {route['assignee']}"


def routes(traffic: Data) -> list[Data]:
    return cast(list[Data], traffic.get("routes", []))


def replies(traffic: Data, which: str) -> list[Data]:
    return cast(list[Data], cast(Data, traffic.get("replies", {})).get(which, []))


def examples(row: Data) -> str:
    return ", ".join(str(e) for e in cast(Sequence[object], row.get("examples", ())))


REPLY_KINDS = (("now_sent", "Replies now sent"), ("no_longer_sent", "Replies no longer sent"))


def traffic_html(traffic: Data | None) -> str:
    """The page's traffic section (empty without a replay)."""
    if traffic is None:
        return ""
    parts = [
        '<section id="traffic"><h2>What the change does to traffic</h2>',
        f'<p class="traffic-headline">{escape(headline(traffic))}</p>',
    ]
    rows = "".join(
        f"<tr><td>{escape(route_text(r['from']))}</td><td>{escape(route_text(r['to']))}</td>"
        f'<td class="count">{r["count"]}</td><td>{escape(examples(r))}</td></tr>'
        for r in routes(traffic)
    )
    head = "<tr><th>was (workflow · path · assignee)</th><th>now</th><th>events</th>"
    head += "<th>examples</th></tr>"
    parts.append(
        f'<table class="traffic"><thead>{head}</thead><tbody>{rows}</tbody></table>'
        if rows
        else "<p>No event is routed differently.</p>"
    )
    for key, title in REPLY_KINDS:
        found = replies(traffic, key)
        if found:
            body = "".join(
                f"<tr><td>{escape(str(r['text']))}</td>"
                f'<td class="count">{r["count"]}</td><td>{escape(examples(r))}</td></tr>'
                for r in found
            )
            parts.append(
                f"<h3>{title}</h3><table class='traffic'><thead><tr><th>reply</th>"
                f"<th>events</th><th>examples</th></tr></thead><tbody>{body}</tbody></table>"
            )
    return "\n".join([*parts, "</section>"])


def traffic_markdown(traffic: Data) -> list[str]:
    """The same content as Markdown lines."""
    lines = ["### What the change does to traffic", "", headline(traffic) + ".", ""]
    found = routes(traffic)
    if found:
        lines += [
            "| was (workflow · path · assignee) | now | events | examples |",
            "|---|---|--:|---|",
        ]
        lines += [
            cells(route_text(r["from"]), route_text(r["to"]), str(r["count"]), examples(r))
            for r in found
        ]
        lines.append("")
    for key, title in REPLY_KINDS:
        rows = replies(traffic, key)
        if rows:
            lines += [f"**{title}**", "", "| reply | events | examples |", "|---|--:|---|"]
            lines += [cells(str(r["text"]), str(r["count"]), examples(r)) for r in rows]
            lines.append("")
    return lines


def cells(*values: str) -> str:
    """One Markdown table line; `|` and line breaks escaped."""
    safe = (value.replace("|", "\\|").replace("\n", " ") for value in values)
    return "| " + " | ".join(safe) + " |"
