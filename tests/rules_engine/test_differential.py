"""The reference interpreter, the native executor and the durable executor agree.

Hypothesis generates workspaces, workflows (every step type and operator, nested
all/any/not, missing attributes, Unicode case-folding traps, numbers at the edges,
several workflows per trigger with distinct priorities, channel filters) and events;
each executor must choose the same workflow, path, actions and branch verdicts.
"""

from __future__ import annotations

import os

import pytest
from durable_support import DURABLE
from hypothesis import HealthCheck, given, settings
from strategies import Case, cases

from rules_engine._durable import DurableExecutor
from rules_engine._native import NativeExecutor
from rules_engine.compiler import compile_network
from rules_engine.reference import ReferenceInterpreter
from rules_engine.semantics import normalise_attributes

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "500"))  # see docs/engine.md

# Slow: `make test` runs it; `pytest -m 'not slow'` leaves it out while working.
pytestmark = pytest.mark.slow


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases())
def test_executors_agree_with_the_reference(case: Case) -> None:
    network = compile_network(case.workflows, case.workspace)
    reference = ReferenceInterpreter(case.workflows)
    native = NativeExecutor(network)
    # The trial compilation (a child process) is tested in test_durable.py; the limits
    # it guards against are checked at compile time either way.
    durable = DurableExecutor(network, case.workspace, trial_timeout=None) if DURABLE else None
    try:
        for event in case.events:
            attributes = normalise_attributes(case.workspace, event.attributes())
            expected = reference.decide(event.trigger, event.channel, attributes)
            assert native.decide(event.trigger, event.channel, attributes) == expected
            if durable is not None:
                assert durable.decide(event.trigger, event.channel, attributes) == expected
    finally:
        if durable is not None:
            durable.close()
