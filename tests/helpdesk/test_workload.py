"""Workload: assignment within a team (docs/workload.md), on both stores.

The project in `workload_project/`: Billing is balanced (alice, bob, carmen; inbox limit
2; alice's own limit 1), Sales is round robin (dan, erin), Front is manual, frank is in
no team and has a limit of 1.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import open_backend

from helpdesk import HelpDesk
from helpdesk._choice import Roster, choose
from helpdesk.cli import main
from rules_engine.engine import Engine
from rules_engine.loader import load_project
from rules_engine.workload import TeammateSpec, TeamSpec

PROJECT = Path(__file__).parent / "workload_project"


@pytest.fixture
def desk(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HelpDesk]:
    store = open_backend(backend, request, tmp_path / "w.db")
    with HelpDesk(Engine.from_paths([PROJECT]), store) as desk:
        yield desk


class Clock:
    def __init__(self) -> None:
        self.minute = 0

    def __call__(self) -> str:
        self.minute += 1
        return f"2026-01-05T{10 + self.minute // 60:02d}:{self.minute % 60:02d}:00Z"


def text(desk: HelpDesk, clock: Clock, n: int, body: str = "hello") -> dict[str, object]:
    event = {"type": "inbound_sms", "id": f"SM{n}", "at": clock(), "from": f"+1415555{1000 + n}"}
    return desk.handle({**event, "body": body}).to_dict()


def close(desk: HelpDesk, clock: Clock, n: int) -> dict[str, object]:
    event = {"type": "close_conversation", "id": f"c{n}", "at": clock()}
    return desk.handle({**event, "customer": f"+1415555{1000 + n}"}).to_dict()


def status(desk: HelpDesk, clock: Clock, who: str, what: str) -> dict[str, object]:
    event = {"type": "teammate_status", "id": f"t-{who}-{clock.minute}", "at": clock()}
    return desk.handle({**event, "teammate": who, "status": what}).to_dict()


def state(outcome: dict[str, object]) -> tuple[object, object]:
    found = outcome["state"]
    assert isinstance(found, dict)
    return found["assignee"], found["team"]


def test_balanced_fewest_open_then_longest_waiting_and_the_reason(desk: HelpDesk) -> None:
    clock = Clock()
    first = text(desk, clock, 1)
    assert state(first) == ("alice", "Billing")
    assigned = [a for a in first["assignments"] if a["kind"] == "assigned"]  # type: ignore[union-attr]
    assert assigned[0]["reason"] == "balanced: alice had 0 open, bob 0, carmen 0"
    assert state(text(desk, clock, 2)) == ("bob", "Billing")
    third = text(desk, clock, 3)
    assert state(third) == ("carmen", "Billing")
    reasons = [a["reason"] for a in third["assignments"]]  # type: ignore[union-attr]
    assert reasons[-1] == "balanced: carmen had 0 open, bob 1; alice at their limit (1)"
    # bob and carmen have 1 each; bob waited longer since his last assignment
    assert state(text(desk, clock, 4)) == ("bob", "Billing")
    assert state(text(desk, clock, 5)) == ("carmen", "Billing")


def test_nobody_free_waits_and_a_freed_slot_takes_the_highest_priority_then_oldest(
    desk: HelpDesk,
) -> None:
    clock = Clock()
    for n in range(1, 6):
        text(desk, clock, n)  # alice 1, bob 2, carmen 2: Billing is full
    waiting = text(desk, clock, 6)
    assert state(waiting) == ("Billing", "Billing")
    assert waiting["assignments"][-1]["kind"] == "waiting"  # type: ignore[index]
    text(desk, clock, 7)
    urgent = text(desk, clock, 8, "urgent: my card was charged twice")
    assert state(urgent) == ("Billing", "Billing")
    closed = close(desk, clock, 2)  # bob's
    given = [a for a in closed["assignments"] if a["kind"] == "assigned"]  # type: ignore[union-attr]
    assert [(a["conversation"], a["teammate"]) for a in given] == [("C8", "bob")]
    close(desk, clock, 3)  # carmen's: the oldest waiting one now
    assert desk.conversation("C6").conversation.assignee == "carmen"
    assert desk.conversation("C7").conversation.assignee == "Billing"


def test_an_away_teammate_keeps_their_conversations_and_gets_no_new_ones(
    desk: HelpDesk,
) -> None:
    clock = Clock()
    assert state(text(desk, clock, 1)) == ("alice", "Billing")
    status(desk, clock, "alice", "away")
    close(desk, clock, 1)
    assert state(text(desk, clock, 2)) == ("bob", "Billing")
    assert state(text(desk, clock, 3)) == ("carmen", "Billing")
    status(desk, clock, "bob", "away")
    status(desk, clock, "carmen", "away")
    assert state(text(desk, clock, 4)) == ("Billing", "Billing")
    assert desk.conversation("C2").conversation.assignee == "bob"  # kept
    back = status(desk, clock, "alice", "active")
    assert [(a["kind"], a["conversation"]) for a in back["assignments"]] == [  # type: ignore[union-attr]
        ("status", None),
        ("assigned", "C4"),
    ]


def test_round_robin_takes_active_members_in_turn_and_ignores_limits(desk: HelpDesk) -> None:
    clock = Clock()
    names = [state(text(desk, clock, n, "sales"))[0] for n in range(1, 7)]
    assert names == ["dan", "erin"] * 3
    status(desk, clock, "erin", "away")
    assert [state(text(desk, clock, n, "sales"))[0] for n in range(7, 9)] == ["dan", "dan"]


def test_round_robin_over_10000_assignments_to_7_members_differs_by_at_most_1() -> None:
    members = tuple(f"m{n}" for n in range(7))
    team = TeamSpec("T", members, "round_robin")
    roster = Roster()
    counts: Counter[str] = Counter()
    for number in range(1, 10_001):
        choice = choose(team, {}, roster)
        assert choice.member is not None
        roster.assign(choice.member, "T", number)
        counts[choice.member] += 1
        assert max(counts.values()) - min(counts[m] for m in members) <= 1


def test_balanced_never_passes_a_limit_and_stays_level() -> None:
    members = ("a", "b", "c")
    team = TeamSpec("T", members, "balanced", limit=4)
    mates = {"a": TeammateSpec("a", 2), "b": TeammateSpec("b"), "c": TeammateSpec("c")}
    roster = Roster()
    for number in range(1, 11):
        choice = choose(team, mates, roster)
        if choice.member is None:
            break
        roster.assign(choice.member, "T", number)
        held = [roster.held(m) for m in members]
        assert roster.held("a") <= 2 and max(held) <= 4
        free = [roster.held(m) for m in members if roster.held(m) < (2 if m == "a" else 4)]
        assert not free or max(free) - min(free) <= 1
    assert [roster.held(m) for m in members] == [2, 4, 4]


def test_a_teammate_at_their_limit_is_not_assigned_directly(desk: HelpDesk) -> None:
    clock = Clock()
    assert state(text(desk, clock, 1, "frank here")) == ("frank", None)
    refused = text(desk, clock, 2, "frank again")
    assert state(refused) == (None, None)
    assert refused["assignments"][0]["reason"] == "not assigned to frank: frank at their limit (1)"  # type: ignore[index]
    notes = [n.body for n in desk.conversation("C2").notes]
    assert "Not assigned to frank: frank at their limit (1)." in notes


def test_manual_team_and_remove_tag(desk: HelpDesk) -> None:
    clock = Clock()
    outcome = text(desk, clock, 1, "front desk")
    assert state(outcome) == ("Front", "Front")
    assert outcome["state"]["tags"] == ["front"]  # type: ignore[index]


def test_moving_a_conversation_frees_the_slot(desk: HelpDesk) -> None:
    clock = Clock()
    for n in range(1, 7):
        text(desk, clock, n)  # C6 waits
    desk.inbox.assign("C1", "Front")  # alice's conversation moves to the manual inbox
    assert desk.conversation("C1").conversation.assignee == "Front"
    assert desk.conversation("C6").conversation.assignee == "alice"
    desk.inbox.assign("C2", None)  # unassigned: bob's slot frees, nothing waits
    assert desk.conversation("C2").conversation.assignee is None


def test_a_reopened_conversation_returns_to_the_queue_when_its_teammate_is_full(
    desk: HelpDesk,
) -> None:
    clock = Clock()
    assert state(text(desk, clock, 1)) == ("alice", "Billing")
    close(desk, clock, 1)
    assert [state(text(desk, clock, n))[0] for n in (2, 3, 4)] == ["bob", "carmen", "alice"]
    again = desk.handle(
        {"type": "inbound_sms", "id": "SM1b", "at": clock(), "from": "+14155551001", "body": "hi"}
    ).to_dict()
    assert again["threading"] == "reopen"
    assert state(again) == ("bob", "Billing")  # alice is at her limit of 1
    kinds = [(a["kind"], a["teammate"]) for a in again["assignments"]]  # type: ignore[union-attr]
    assert kinds == [("reopened", None), ("assigned", "bob")]
    assert again["assignments"][0]["reason"] == (  # type: ignore[index]
        "reopened; alice at their limit (1): back in the Billing inbox"
    )


def test_validate_reports_the_team_mistakes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "workspace.yaml").write_text(
        "workspace: t\n"
        "teams:\n"
        "  Billing: {members: [alice, zed], assignment: balanced, limit: 0}\n"
        "  Empty: {assignment: balanced}\n"
        "  Sales: {assignment: round_robbin}\n"
        "teammates:\n"
        "  alice: {limit: -2}\n"
        "  frank: {}\n"
    )
    (tmp_path / "w.yaml").write_text(
        "workflow: w\ntrigger: customer_sends_first_message\nstart: a\n"
        "steps:\n  a:\n    assign: {teammate: frank}\n    next: b\n  b:\n    unassign: true\n"
    )
    assert main(["validate", "--json", str(tmp_path)]) == 1
    found = {(f["code"], f["line"], f["column"]) for f in json.loads(capsys.readouterr().out)}
    assert found >= {
        ("E-unknown-member", 3, 30),
        ("E-bad-limit", 3, 65),
        ("E-empty-team", 4, 3),
        ("E-schema", 5, 23),
        ("E-bad-limit", 7, 18),
        ("W-teamless-assignee", 6, 5),
    }


def test_validate_warns_about_limits_round_robin_never_applies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "workspace.yaml").write_text(
        "workspace: t\n"
        "teams:\n"
        "  Sales: {members: [dan, erin], assignment: round_robin, limit: 4}\n"
        "  Billing: {members: [dan], assignment: balanced, limit: 4}\n"
        "teammates:\n"
        "  dan: {limit: 2}\n"
        "  erin: {}\n"
    )
    (tmp_path / "w.yaml").write_text(
        "workflow: w\ntrigger: customer_sends_first_message\nstart: a\n"
        "steps:\n  a:\n    assign: {team: Sales}\n"
    )
    assert main(["validate", "--json", str(tmp_path)]) == 0  # warnings only
    found = [f for f in json.loads(capsys.readouterr().out) if f["code"] == "W-limit-ignored"]
    assert {(f["line"], f["column"]) for f in found} == {(3, 21), (3, 65)}
    assert "`dan` has a limit of 2" in found[0]["message"] + found[1]["message"]
    assert main(["validate", "--strict", str(tmp_path)]) == 1


def test_plain_lists_stay_valid_and_mean_manual() -> None:
    workspace = load_project([Path(__file__).parents[2] / "workflows"]).workspace
    assert workspace.teams and workspace.teammates
    load = workspace.workload
    assert all(team.method in ("manual", "balanced", "round_robin") for team in load.teams.values())


def test_diagrams_draw_the_method_and_the_limits_on_assign_nodes() -> None:
    from visualize import to_dot, workflow_diagram

    project = load_project([Path(__file__).parents[2] / "workflows"])
    workflows = {w.name: w for w in project.workflows}
    load = project.workspace.workload
    route = to_dot(workflow_diagram(workflows["route-inbound-sms"], (), load))
    assert "assign → team:Orders (balanced, inbox limit 6, 3 members)" in route
    assert "assign → team:Billing<" in route  # manual, no members: as before
    replies = to_dot(workflow_diagram(workflows["campaign-replies"], (), load))
    assert "assign → team:Growth (round robin, 2 members)" in replies
    assert "assign → teammate:alice (limit 20)" in replies


def test_history_tells_the_assignments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    clock = Clock()
    with HelpDesk.open(PROJECT, database=str(tmp_path / "w.db")) as desk:
        text(desk, clock, 1)
        close(desk, clock, 1)
    assert main(["history", "--database", str(tmp_path / "w.db"), "C1"]) == 0
    story = capsys.readouterr().out
    assert "workload assigned (alice): balanced: alice had 0 open, bob 0, carmen 0" in story
    assert "workload closed (alice): closed (alice)" in story
    assert main(["history", "--database", str(tmp_path / "w.db"), "--json", "C1"]) == 0
    kinds = [item["kind"] for item in json.loads(capsys.readouterr().out)["workload"]]
    assert kinds == ["assigned", "closed"]


def test_unassign_frees_the_slot_for_a_waiting_conversation(desk: HelpDesk) -> None:
    clock = Clock()
    for n in range(1, 7):
        text(desk, clock, n)  # C6 waits
    event = {"type": "inbound_sms", "id": "SM1b", "at": clock(), "from": "+14155551001"}
    outcome = desk.handle({**event, "body": "nobody needs to answer this"}).to_dict()
    assert state(outcome) == (None, None)
    given = [(a["kind"], a["conversation"], a["teammate"]) for a in outcome["assignments"]]  # type: ignore[union-attr]
    assert given == [("released", "C1", "alice"), ("assigned", "C6", "alice")]


def test_a_raised_limit_assigns_waiting_conversations_when_the_desk_opens(tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    database = str(tmp_path / "raised.db")
    clock = Clock()
    with HelpDesk.open(project, database=database) as desk:
        for n in range(1, 7):
            text(desk, clock, n)
        assert desk.conversation("C6").conversation.assignee == "Billing"
    workspace = project / "workspace.yaml"
    workspace.write_text(workspace.read_text().replace("alice: {limit: 1}", "alice: {limit: 2}"))
    with HelpDesk.open(project, database=database) as desk:
        assert desk.conversation("C6").conversation.assignee == "alice"
        reasons = [a.reason for a in desk.workload.log("C6")]
        assert reasons[-1] == (
            "balanced: alice had 1 open; bob at the Billing limit (2);"
            " carmen at the Billing limit (2)"
        )
