"""`helpdesk-rules history --database DB CONVERSATION`: a conversation's story.

Told from the decision log: each threading decision with the rule behind it, the
messages, the workflows that ran with their paths, branch verdicts and actions, and
the notes, in the order they happened.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping
from datetime import datetime

from helpdesk import ChannelError, ConversationView, Inbox, open_store

from . import UsageError, missing_sqlite_database

_VERDICT = {"matched": "✓", "false": "✗", "not_evaluated": "·"}
Entry = tuple[datetime, int, str]  # when, order among things at the same moment, text


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "history",
        help="tell a conversation's story from the decision log",
        description="Every decision, message, workflow run and note of one conversation.",
    )
    parser.add_argument("conversation", metavar="CONVERSATION", help="a conversation id, e.g. C12")
    parser.add_argument("--database", required=True, metavar="PATH", help="SQLite path or URL")
    parser.add_argument("--json", action="store_true", help="print the records as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    missing = missing_sqlite_database(args.database)
    if missing is not None:
        raise UsageError(missing)
    store = open_store(args.database)
    try:
        view = Inbox(store).conversation(args.conversation)
    except ChannelError as error:
        raise UsageError(error.format_message()) from None
    finally:
        store.close()
    if args.json:
        print(json.dumps(_as_json(view), ensure_ascii=False, indent=2, default=str))
    else:
        print("\n".join(story(view)))
    return 0


def story(view: ConversationView) -> Iterator[str]:
    conversation = view.conversation
    yield (
        f"Conversation {conversation.id} with {conversation.customer} ({conversation.channel}), "
        f"started by {conversation.started_by}, {conversation.status}"
    )
    yield f"  assignee: {conversation.assignee or '-'}; tags: {', '.join(conversation.tags) or '-'}"
    if conversation.subject:
        yield f"  subject: {conversation.subject}"
    for at, _, text in sorted(_entries(view), key=lambda entry: (entry[0], entry[1])):
        yield f"{at:%Y-%m-%d %H:%M:%S}  {text}"


def _entries(view: ConversationView) -> Iterator[Entry]:
    order = 0
    for decision in view.decisions:
        order += 1
        yield decision.at, order, f"{decision.decision} ({decision.rule}): {decision.reason}"
    for message in view.messages:
        order += 1
        yield message.at, order, _message(message.direction, message.body, message.status)
    for record in view.runs:
        order += 1
        yield record.at, order, "\n".join(_run(record.run))
    for note in view.notes:
        order += 1
        yield note.at, order, f"note by {note.author}: {note.body}"


def _message(direction: str, body: str, status: str | None) -> str:
    arrow = "← customer" if direction == "inbound" else "→ sent"
    suffix = f" [{status}]" if status else ""
    return f"{arrow}: {json.dumps(body, ensure_ascii=False)}{suffix}"


def _run(run: Mapping[str, object]) -> Iterator[str]:
    path = " → ".join(str(step) for step in _list(run.get("path")))
    yield f"workflow {run.get('workflow')} on {run.get('trigger')}: {path}"
    pad = " " * 21
    for verdict in _list(run.get("verdicts")):
        if isinstance(verdict, Mapping):
            rows = " ".join(_VERDICT.get(str(v), "?") for v in _list(verdict.get("rows")))
            taken = ", else taken" if verdict.get("else") == "taken" else ""
            yield f"{pad}{verdict.get('step')}: rows {rows}{taken}"
    actions = "; ".join(json.dumps(a, ensure_ascii=False) for a in _list(run.get("actions")))
    yield f"{pad}actions: {actions or 'none'}"


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _as_json(view: ConversationView) -> dict[str, object]:
    from dataclasses import asdict

    return {
        "conversation": asdict(view.conversation),
        "decisions": [asdict(d) for d in view.decisions],
        "messages": [asdict(m) for m in view.messages],
        "runs": [asdict(r) for r in view.runs],
        "notes": [asdict(n) for n in view.notes],
    }
