"""Helpers for reading YAML nodes into the model while collecting findings.

A `Reader` belongs to one file: it turns nodes into Python values, reports shape
problems as findings (never raises for user mistakes) and suggests close names.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import _yaml
from .findings import Finding
from .model import Location


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A hint naming the closest choice, if one is close enough."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        lowered = {option.lower(): option for option in options}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"did you mean `{close[0]}`?" if close else None


def one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(f"`{c}`" for c in choices)


@dataclass
class Reader:
    file: str
    findings: list[Finding] = field(default_factory=list)
    workflow: str | None = None

    def at(self, node: Node) -> Location:
        return _yaml.location(node, self.file)

    def report(
        self,
        code: str,
        node: Node | Location,
        message: str,
        hint: str | None = None,
        step: str | None = None,
    ) -> None:
        where = node if isinstance(node, Location) else self.at(node)
        self.findings.append(Finding(code, where, message, hint, self.workflow, step))

    def items(self, node: Node, what: str) -> Iterator[tuple[str, ScalarNode, Node]]:
        """The (key, key node, value node) pairs of a mapping; reports a non-mapping."""
        if not isinstance(node, MappingNode):
            self.report("E-syntax", node, f"{what} must be a mapping, not {_yaml.kind(node)}")
            return
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.report("E-syntax", key_node, f"a key in {what} must be plain text")
                continue
            key = str(key_node.value)
            if key in seen:
                self.report("E-syntax", key_node, f"`{key}` appears twice in {what}")
                continue
            seen.add(key)
            yield key, key_node, value_node

    def mapping(self, node: Node, what: str) -> dict[str, tuple[ScalarNode, Node]]:
        return {key: (key_node, value) for key, key_node, value in self.items(node, what)}

    def unknown_keys(
        self, entries: dict[str, tuple[ScalarNode, Node]], allowed: Iterable[str], what: str
    ) -> None:
        known = list(allowed)
        for key, (key_node, _) in entries.items():
            if key not in known:
                hint = did_you_mean(key, known) or f"expected {one_of(known)}"
                self.report("E-schema", key_node, f"unknown key `{key}` in {what}", hint)

    def text(self, node: Node, what: str) -> str | None:
        """A non-empty string (numbers are refused: quote them)."""
        value = _yaml.scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, str) and value.strip():
            return value
        self.report("E-syntax", node, f"{what} must be text, not {_yaml.kind(node)}")
        return None

    def texts(self, node: Node, what: str) -> tuple[str, ...] | None:
        """A list of text, or one text standing for a list of one."""
        if isinstance(node, ScalarNode):
            single = self.text(node, what)
            return (single,) if single is not None else None
        if not isinstance(node, SequenceNode):
            self.report("E-syntax", node, f"{what} must be a list of text, not {_yaml.kind(node)}")
            return None
        values = [self.text(item, f"each item of {what}") for item in node.value]
        return tuple(v for v in values if v is not None) if None not in values else None

    def integer(self, node: Node, what: str) -> int | None:
        value = _yaml.scalar(node) if isinstance(node, ScalarNode) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        self.report("E-syntax", node, f"{what} must be a whole number, not {_yaml.kind(node)}")
        return None
