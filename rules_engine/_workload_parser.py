"""Reading `teams` and `teammates` of a workspace file into a `Workload`.

Either key takes a plain list of names (today's shape: manual teams, no limits) or a
mapping from names to settings.  Problems are findings at the offending node.
"""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, SequenceNode

from ._reader import Reader, did_you_mean, one_of
from .workload import METHODS, Method, TeammateSpec, TeamSpec, Workload

_IGNORED_HINT = "round robin takes active members in turn and ignores limits; use `balanced`"

TEAM_KEYS = ("members", "assignment", "limit", "description")
TEAMMATE_KEYS = ("limit", "description")


def parse_workload(teams: Node | None, teammates: Node | None, reader: Reader) -> Workload:
    mates = _teammates(teammates, reader) if teammates is not None else {}
    team_specs = _teams(teams, mates, reader) if teams is not None else {}
    return Workload(team_specs, mates)


def _teams(node: Node, known: dict[str, TeammateSpec], reader: Reader) -> dict[str, TeamSpec]:
    if not isinstance(node, MappingNode):
        names = reader.texts(node, "`teams`") or ()
        items = node.value if isinstance(node, SequenceNode) else [node] * len(names)
        return {n: TeamSpec(n, location=reader.at(i)) for n, i in zip(names, items, strict=False)}
    specs: dict[str, TeamSpec] = {}
    for name, key_node, value in reader.items(node, "`teams`"):
        specs[name] = _team(name, key_node, value, known, reader)
    return specs


def _team(
    name: str, key_node: Node, node: Node, known: dict[str, TeammateSpec], reader: Reader
) -> TeamSpec:
    where = reader.at(key_node)
    if _is_empty(node):
        return TeamSpec(name, location=where)
    entries = reader.mapping(node, f"team `{name}`")
    reader.unknown_keys(entries, TEAM_KEYS, f"team `{name}`")
    method: Method = "manual"
    if "assignment" in entries:
        method = _method(entries["assignment"][1], name, reader)
    members: tuple[str, ...] = ()
    if "members" in entries:
        members = _members(entries["members"][1], name, known, method, reader)
    limit = _limit(entries["limit"][1], f"team `{name}`", reader) if "limit" in entries else None
    if limit is not None and method == "round_robin":
        message = f"the round-robin team `{name}` never applies its inbox limit"
        reader.report("W-limit-ignored", entries["limit"][1], message, _IGNORED_HINT)
    if method == "balanced" and not members:
        hint = "list who takes its conversations under `members`, or use `assignment: manual`"
        reader.report("E-empty-team", key_node, f"the balanced team `{name}` has no members", hint)
    return TeamSpec(name, members, method, limit, where)


def _method(node: Node, team: str, reader: Reader) -> Method:
    value = reader.text(node, f"the assignment of `{team}`")
    for method in METHODS:
        if method == value:
            return method
    if value is not None:
        hint = did_you_mean(value, METHODS) or f"expected {one_of(METHODS)}"
        reader.report("E-schema", node, f"unknown assignment `{value}` for `{team}`", hint)
    return "manual"


def _teammates(node: Node, reader: Reader) -> dict[str, TeammateSpec]:
    if not isinstance(node, MappingNode):
        names = reader.texts(node, "`teammates`") or ()
        items = node.value if isinstance(node, SequenceNode) else [node] * len(names)
        return {
            n: TeammateSpec(n, location=reader.at(i)) for n, i in zip(names, items, strict=False)
        }
    specs: dict[str, TeammateSpec] = {}
    for name, key_node, value in reader.items(node, "`teammates`"):
        limit = None
        if not _is_empty(value):
            entries = reader.mapping(value, f"teammate `{name}`")
            reader.unknown_keys(entries, TEAMMATE_KEYS, f"teammate `{name}`")
            if "limit" in entries:
                limit = _limit(entries["limit"][1], f"teammate `{name}`", reader)
        specs[name] = TeammateSpec(name, limit, reader.at(key_node))
    return specs


def _limit(node: Node, what: str, reader: Reader) -> int | None:
    value = reader.integer(node, f"the limit of {what}")
    if value is not None and value <= 0:
        hint = "a limit is the most open conversations at once: 1 or more; leave it out for none"
        reader.report("E-bad-limit", node, f"the limit of {what} is {value}", hint)
        return None
    return value


def _members(
    node: Node, team: str, known: dict[str, TeammateSpec], method: Method, reader: Reader
) -> tuple[str, ...]:
    members = reader.texts(node, f"the members of `{team}`") or ()
    items = node.value if isinstance(node, SequenceNode) else [node] * len(members)
    for member, item in zip(members, items, strict=False):
        spec = known.get(member)
        if spec is None:
            hint = did_you_mean(member, tuple(known)) or f"declare `{member}` under `teammates`"
            message = f"team `{team}` lists `{member}`, who is not a teammate"
            reader.report("E-unknown-member", item, message, hint)
        elif spec.limit is not None and method == "round_robin":
            message = (
                f"`{member}` has a limit of {spec.limit}, which the round-robin team "
                f"`{team}` does not apply to its conversations"
            )
            reader.report("W-limit-ignored", item, message, _IGNORED_HINT)
    return tuple(dict.fromkeys(members))


def _is_empty(node: Node) -> bool:
    return getattr(node, "tag", "") == "tag:yaml.org,2002:null" or (
        isinstance(node, MappingNode) and not node.value
    )
