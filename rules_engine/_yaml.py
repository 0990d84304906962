"""Safe YAML reading that keeps line and column for every node.

The parsers read PyYAML's node tree (never arbitrary Python objects).  Only `true` and
`false` are booleans: `yes`, `no`, `on` and `off` stay strings, as YAML 1.2 says, and
`yaml_bool_words` finds them so validation can warn about them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from .model import Location

YAML_BOOL_WORDS = frozenset({"yes", "no", "on", "off", "y", "n"})


class _Resolver(Resolver):
    """PyYAML's resolver, except that only true/false are booleans."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _Loader(Reader, Scanner, Parser, Composer, SafeConstructor, _Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        _Resolver.__init__(self)


@dataclass(frozen=True)
class YamlSyntaxError(Exception):
    location: Location
    message: str
    hint: str | None = None


def location(node: Node, file: str) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def scalar(node: ScalarNode) -> object:
    """The Python value of a scalar node: str, int, float, bool or None."""
    if node.tag == "tag:yaml.org,2002:str":
        return str(node.value)
    constructor = SafeConstructor()
    value: object = constructor.construct_object(node)
    return value


def is_plain(node: Node) -> bool:
    """Unquoted (PyYAML's Python reader says None, libyaml's says "")."""
    return isinstance(node, ScalarNode) and not node.style


def yaml_bool_words(node: Node) -> Iterator[ScalarNode]:
    """Unquoted scalars other YAML readers would turn into booleans."""
    if isinstance(node, ScalarNode):
        if is_plain(node) and str(node.value).lower() in YAML_BOOL_WORDS - {"y", "n"}:
            yield node
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from yaml_bool_words(item)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield from yaml_bool_words(key)
            yield from yaml_bool_words(value)


def kind(node: Node) -> str:
    """A word for the node's shape, for error messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = scalar(node) if isinstance(node, ScalarNode) else None
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"
