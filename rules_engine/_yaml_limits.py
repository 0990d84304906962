"""Limits on what a workflow or workspace file may hold, so reading one is always quick.

`compose` reads one YAML document with `_yaml`'s loader, guarded against hostile or
broken files: each of these is a finding at a line and column rather than a traceback
or a stall:

- a control character or NUL, which YAML does not allow (`E-syntax`);
- nesting deeper than `MAX_DEPTH` levels (`E-syntax`), which would otherwise
  exhaust Python's stack;
- an alias inside the collection its anchor names (`a: &a [*a]`), a cycle no reader
  can walk (`E-syntax`);
- more than `MAX_NODES` nodes once aliases are expanded (`E-syntax`): the "billion
  laughs" (nine levels of ten aliases each) is refused after one pass over the distinct
  nodes, each aliased node counted once however many times it is used;
- an integer of more than `MAX_DIGITS` digits (`E-syntax`).

With libyaml (PyYAML's C parser), one fast pass over the events refuses a file of over
`MAX_EVENTS` YAML values, deep nesting and aliases to an open collection, and libyaml
then composes the nodes (with the same resolver and marks); when libyaml finds a
problem, or is missing, or the text holds a character YAML does not allow, the Python
reader runs instead, so every message is worded by it.  Files over `MAX_FILE_BYTES` are
refused before they are read (`loader`), and a workflow with more than `MAX_STEPS` steps
before its steps are parsed (`_workflow_parser`).
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    ScalarEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import _yaml
from ._yaml_errors import explain
from .model import Location

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 100
MAX_NODES = 200_000
MAX_DIGITS = 100
MAX_STEPS = 2_000
# YAML events (scalars, collection starts and ends) in the file as written; counted by
# libyaml, when PyYAML has it, before the slower reader that keeps marks runs.
MAX_EVENTS = 60_000
_INT = "tag:yaml.org,2002:int"
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


@dataclass(frozen=True)
class YamlLimitError(Exception):
    """A file over one of the limits: the finding's code, place, message and hint."""

    code: str
    location: Location
    message: str
    hint: str | None = None


class _GuardedLoader(_yaml._Loader):
    """The project's loader, refusing deep nesting and aliases to an open collection."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self._file = file
        self._depth = 0
        self._open: set[str] = set()

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, AliasEvent):
            if event.anchor in self._open:
                raise YamlLimitError(
                    "E-syntax",
                    self._at(event.start_mark),
                    f"the alias *{event.anchor} is inside the collection its anchor names",
                    "an alias cannot refer to a collection that contains it",
                )
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(
                "E-syntax",
                self._at(event.start_mark),
                f"the nesting is deeper than {MAX_DEPTH} levels",
                "a workflow needs a few levels; flatten the conditions with `all`/`any`",
            )
        anchor = event.anchor if isinstance(event, CollectionStartEvent) else None
        if anchor is not None:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)

    def _at(self, mark: object) -> Location:
        return self._at_mark(self._file, mark)

    @staticmethod
    def _at_mark(file: str, mark: object) -> Location:
        line, column = getattr(mark, "line", 0), getattr(mark, "column", 0)
        return Location(file, int(line) + 1, int(column) + 1)


if getattr(yaml, "__with_libyaml__", False):
    from yaml._yaml import CParser

    class _FastLoader(CParser, SafeConstructor, _yaml._Resolver):
        """libyaml's composer with the project's resolver (only true/false are booleans)."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            _yaml._Resolver.__init__(self)


def compose(text: str, file: str) -> Node | None:
    """The node tree of one YAML document within the limits; raises `YamlLimitError`
    or `_yaml.YamlSyntaxError`."""
    checked = _check_events(text, file)
    if checked is not None:
        fast = _FastLoader(text)
        try:
            root: Node | None = fast.get_single_node()
        except yaml.YAMLError:
            pass  # the Python reader words it
        else:
            if root is not None and not checked:
                _check_size(root, file)
            return root
        finally:
            fast.dispose()
    try:
        loader = _GuardedLoader(text, file)
    except yaml.reader.ReaderError as error:
        raise _reader_error(error, text, file) from None
    try:
        root = loader.get_single_node()
    except yaml.reader.ReaderError as error:
        raise _reader_error(error, text, file) from None
    except yaml.MarkedYAMLError as error:
        raise _yaml.YamlSyntaxError(*explain(error, file)) from None
    except yaml.YAMLError as error:
        raise _yaml.YamlSyntaxError(Location(file, 1, 1), f"invalid YAML: {error}") from None
    finally:
        loader.dispose()
    if root is not None:
        _check_size(root, file)
    return root


def _check_events(text: str, file: str) -> bool | None:
    """In a fast pass over the events (libyaml, in C), refuse a file of more than
    MAX_EVENTS events, nesting deeper than MAX_DEPTH and an alias inside the collection
    its anchor names, each at the event where `_GuardedLoader` would refuse it.

    None when libyaml may not compose the file: without libyaml, when the text holds a
    character YAML does not allow, or on a syntax error, all left to the Python reader
    (and its limits) to word.  Otherwise whether `_check_size` has nothing to find: no
    alias (so no more nodes than events) and no scalar long enough to be a huge integer.
    """
    if not getattr(yaml, "__with_libyaml__", False) or _NON_PRINTABLE.search(text):
        return None
    simple = MAX_EVENTS <= MAX_NODES
    depth = 0
    anchors: list[str | None] = []
    open_anchors: set[str] = set()
    parser = CParser(text)
    count = 0
    try:
        while (event := parser.get_event()) is not None and not isinstance(event, StreamEndEvent):
            count += 1
            if count > MAX_EVENTS:
                raise YamlLimitError(
                    "E-syntax",
                    _GuardedLoader._at_mark(file, event.start_mark),
                    f"the file holds over {MAX_EVENTS:,} YAML values",
                    f"a workflow has at most {MAX_STEPS:,} steps; split it into several",
                )
            if isinstance(event, AliasEvent):
                simple = False
                if event.anchor in open_anchors:
                    raise YamlLimitError(
                        "E-syntax",
                        _GuardedLoader._at_mark(file, event.start_mark),
                        f"the alias *{event.anchor} is inside the collection its anchor names",
                        "an alias cannot refer to a collection that contains it",
                    )
            elif isinstance(event, ScalarEvent | CollectionStartEvent):
                if isinstance(event, ScalarEvent) and len(event.value) > MAX_DIGITS:
                    simple = False
                if depth + 1 > MAX_DEPTH:
                    raise YamlLimitError(
                        "E-syntax",
                        _GuardedLoader._at_mark(file, event.start_mark),
                        f"the nesting is deeper than {MAX_DEPTH} levels",
                        "a workflow needs a few levels; flatten the conditions with `all`/`any`",
                    )
                if isinstance(event, CollectionStartEvent):
                    depth += 1
                    anchors.append(event.anchor)
                    if event.anchor is not None:
                        open_anchors.add(event.anchor)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
                anchor = anchors.pop()
                if anchor is not None:
                    open_anchors.discard(anchor)
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()
    return simple


def _reader_error(error: yaml.reader.ReaderError, text: str, file: str) -> _yaml.YamlSyntaxError:
    position = max(0, min(int(error.position), len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = f"U+{int(error.character):04X}" if isinstance(error.character, int) else "a byte"
    message = f"invalid YAML: the control character {character} is not allowed"
    return _yaml.YamlSyntaxError(Location(file, line, column), message)


def _check_size(root: Node, file: str) -> None:
    """Refuse more than MAX_NODES nodes after alias expansion, and huge integers.

    Each distinct node is visited once (aliased nodes are shared objects), and its
    expanded size computed from its children's: linear in the file, not in the
    expansion."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not done:
            if isinstance(node, ScalarNode):
                _check_scalar(node, file)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + sum(sizes.get(id(child), 1) for child in children)
        sizes[id(node)] = size
        if size > MAX_NODES:
            raise YamlLimitError(
                "E-syntax",
                _yaml.location(node, file),
                f"with its aliases expanded this holds over {MAX_NODES:,} values",
                "aliases that repeat aliases multiply: write the values out, or fewer of them",
            )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_scalar(node: ScalarNode, file: str) -> None:
    text = str(node.value)
    if node.tag == _INT and sum(c.isdigit() for c in text) > MAX_DIGITS:
        raise YamlLimitError(
            "E-syntax",
            _yaml.location(node, file),
            f"a number of {len(text)} digits",
            f"numbers have at most {MAX_DIGITS} digits; quote it if it is text",
        )
