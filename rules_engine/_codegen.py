"""Python source generated from the rule network, for the native executor.

Each condition (a residual audience, the rows of a workflow's branch steps) becomes
straight-line code over local variables: an attribute is read once per code path
(`v0 = a.get(k0)`), the common comparisons are written inline
(`type(v0) is str and v0 == k1`), and every other test calls a memoised check
(`k2(v0, m)`, `m` the per-event memo), so a costly test runs at most once per event
however many conditions share it.  A workflow's walk is nested `if`s that return the
`Run` of each path, built once at compile time.

No user text is ever part of the source: attribute names, literals, memoised checks
and runs are all parameters (`k0`, `k1`, ...) of a factory that returns the function.
The source depends only on a condition's shape (operators, literal types, nesting), so
workflows of the same shape share one factory and one code object: fewer to compile,
and CPython's specialising interpreter warms it up once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .events import Run
from .network import (
    ActionNode,
    AllNode,
    BranchNode,
    CompiledWorkflow,
    Node,
    NotNode,
    Test,
    TestNode,
)

Attributes = Mapping[str, object]
Memo = dict[int, bool]
ValueCheck = Callable[[object, Memo], bool]  # a memoised test on an attribute's value
Generated = Callable[[Attributes, Memo], object]

MAX_PATHS = 32  # per workflow: more, and the executor walks it step by step instead
MAX_DEPTH = 24  # nested branch steps, and nesting of all / any / not in one condition
_NUMBERS = "NUMBERS"
_SYMBOLS = {
    "equals": "==",
    "not_equals": "!=",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
}


class TooLarge(Exception):
    """A workflow or condition the generator leaves to the step-by-step executor."""


class Generator:
    """Collects generated functions, then compiles each distinct shape once."""

    def __init__(
        self, tests: Sequence[Test], checks: Sequence[ValueCheck], costs: Sequence[int]
    ) -> None:
        self.tests, self.checks, self.costs = tests, checks, costs
        self._templates: dict[str, str] = {}  # shape (source after the name) -> name
        self._pending: list[tuple[str, list[object]]] = []  # (factory name, arguments)

    def condition(self, node: Node) -> int:
        """A handle on a generated `(attributes, memo) -> bool` function for `node`."""
        if _depth(node) > MAX_DEPTH:
            raise TooLarge
        function = _Function(self)
        variables: dict[str, str] = {}
        function.fetch(node, variables, 2)
        function.line(2, f"return {function.expression(node, variables)}")
        return self._add(function)

    def walk(self, workflow: CompiledWorkflow, run_for: Callable[[tuple[int, ...]], Run]) -> int:
        """A handle on a generated `(attributes, memo) -> Run` walking `workflow`."""
        if _paths(workflow, workflow.start, 0) > MAX_PATHS:
            raise TooLarge
        function = _Function(self)
        function.step(workflow, workflow.start, (), {}, 2, run_for)
        return self._add(function)

    def build(self) -> list[Generated]:
        """Compile the factories and make every function, in the order of their handles."""
        namespace: dict[str, object] = {_NUMBERS: (int, float)}
        exec(compile(self.source, "<rules_engine generated>", "exec"), namespace)
        return [namespace[name](*arguments) for name, arguments in self._pending]  # type: ignore[operator]

    @property
    def source(self) -> str:
        """Every distinct factory."""
        return "".join(f"def {name}{shape}" for shape, name in self._templates.items())

    def _add(self, function: _Function) -> int:
        parameters = ", ".join(f"k{n}" for n in range(len(function.arguments)))
        body = "\n".join(function.lines)
        shape = f"({parameters}):\n    def run(a, m):\n{body}\n    return run\n"
        name = self._templates.get(shape)
        if name is None:
            name = self._templates[shape] = f"f{len(self._templates)}"
        self._pending.append((name, function.arguments))
        return len(self._pending) - 1


class _Function:
    """One generated function: lines of source and the arguments its factory takes."""

    def __init__(self, generator: Generator) -> None:
        self.generator = generator
        self.lines: list[str] = []
        self.arguments: list[object] = []

    def line(self, level: int, text: str) -> None:
        self.lines.append("    " * level + text)

    def parameter(self, value: object) -> str:
        """The name under which the function sees `value`."""
        self.arguments.append(value)
        return f"k{len(self.arguments) - 1}"

    # -- walks ------------------------------------------------------------------------

    def step(
        self,
        workflow: CompiledWorkflow,
        current: str | None,
        choices: tuple[int, ...],
        variables: dict[str, str],
        level: int,
        run_for: Callable[[tuple[int, ...]], Run],
    ) -> None:
        """Code from step `current` on: each row an `if`, each path ending in its run."""
        step = workflow.steps[current] if current is not None else None
        while isinstance(step, ActionNode):
            step = workflow.steps[step.next] if step.next is not None else None
        if step is None:
            self.line(level, f"return {self.parameter(run_for(choices))}")
            return
        for row, (condition, target) in enumerate(zip(step.rows, step.targets, strict=True)):
            if _depth(condition) > MAX_DEPTH:
                raise TooLarge
            self.fetch(condition, variables, level)
            self.line(level, f"if {self.expression(condition, variables)}:")
            self.step(workflow, target, (*choices, row), dict(variables), level + 1, run_for)
        self.step(workflow, step.otherwise, (*choices, -1), variables, level, run_for)

    # -- conditions -------------------------------------------------------------------

    def fetch(self, node: Node, variables: dict[str, str], level: int) -> None:
        """Read, once, each attribute `node` reads that this code path has not read yet."""
        for test_id in self._in_order(node):
            attribute = self.generator.tests[test_id].attribute
            if attribute not in variables:
                variables[attribute] = f"v{len(variables)}"
                self.line(level, f"{variables[attribute]} = a.get({self.parameter(attribute)})")

    def expression(self, node: Node, variables: Mapping[str, str]) -> str:
        if isinstance(node, TestNode):
            test = self.generator.tests[node.test]
            return self.test(test, variables[test.attribute])
        if isinstance(node, NotNode):
            return f"(not {self.expression(node.child, variables)})"
        children = sorted(node.children, key=self._cost)
        joiner = " and " if isinstance(node, AllNode) else " or "
        return "(" + joiner.join(self.expression(c, variables) for c in children) + ")"

    def test(self, test: Test, var: str) -> str:
        """An expression for `test` on the value in local `var` (None when missing).

        The common cases are one comparison on the value's exact type, with the
        memoised check for any other type; the rest call the memoised check.
        """
        operator, literal = test.operator, test.value
        if operator == "exists":
            return f"{var} is not None"
        if operator == "missing":
            return f"{var} is None"
        if operator == "equals" and type(literal) is bool:
            return f"{var} is {literal!r}"
        if operator == "equals" and type(literal) is str:
            return f"(type({var}) is str and {var} == {self.parameter(literal)})"
        generic = f"{self.parameter(self.generator.checks[test.id])}({var}, m)"
        fallback = f"{var} is not None and {generic}"
        if operator == "not_equals" and type(literal) is str:
            return f"({var} != {self.parameter(literal)} if type({var}) is str else {fallback})"
        if operator in _SYMBOLS and type(literal) in (int, float):
            compare = f"{var} {_SYMBOLS[operator]} {self.parameter(literal)}"
            return f"({compare} if type({var}) in {_NUMBERS} else {fallback})"
        if operator in ("in", "not_in") and _all_text(literal):
            strings = self.parameter(frozenset(literal))  # type: ignore[arg-type]
            member = "in" if operator == "in" else "not in"
            return f"({var} {member} {strings} if type({var}) is str else {fallback})"
        return generic

    def _in_order(self, node: Node) -> list[int]:
        """The tests of `node` in the order `expression` writes them."""
        if isinstance(node, TestNode):
            return [node.test]
        if isinstance(node, NotNode):
            return self._in_order(node.child)
        return [t for child in sorted(node.children, key=self._cost) for t in self._in_order(child)]

    def _cost(self, node: Node) -> int:
        if isinstance(node, TestNode):
            return self.generator.costs[node.test]
        if isinstance(node, NotNode):
            return self._cost(node.child)
        return sum(self._cost(child) for child in node.children)


def _all_text(literal: object) -> bool:
    return isinstance(literal, tuple) and all(type(v) is str for v in literal)


def _depth(node: Node) -> int:
    if isinstance(node, TestNode):
        return 1
    if isinstance(node, NotNode):
        return 1 + _depth(node.child)
    return 1 + max((_depth(child) for child in node.children), default=0)


def _paths(workflow: CompiledWorkflow, current: str | None, level: int) -> int:
    """How many paths lead from `current` (stops counting past `MAX_PATHS`)."""
    if level > MAX_DEPTH:
        raise TooLarge
    for _ in range(len(workflow.steps) + 1):
        if current is None:
            return 1
        step = workflow.steps.get(current)
        if step is None:
            raise TooLarge  # the compiler refuses these; the step-by-step walk reports it
        if isinstance(step, BranchNode):
            break
        current = step.next
    else:
        raise TooLarge  # a cycle of action steps
    total = 0
    for target in (*step.targets, step.otherwise):
        total += _paths(workflow, target, level + 1)
        if total > MAX_PATHS:
            break
    return total
