"""Workflows for SMS help desks: load and validate them, compile them, decide on events.

    >>> from rules_engine import Engine, ConversationEvent
    >>> engine = Engine.from_paths(["workflows"])                 # doctest: +SKIP
    >>> run = engine.decide(ConversationEvent(...))               # doctest: +SKIP
    >>> run.workflow, run.path                                    # doctest: +SKIP
    ('route-inbound-sms', ('by_plan', 'vip', 'greet_vip'))

Errors: every refusal is a `WorkflowError` (the tree is drawn in `rules_engine.errors`).
"""

from __future__ import annotations

from .engine import Engine as Engine
from .errors import EventError as EventError
from .errors import ExecutorUnavailable as ExecutorUnavailable
from .errors import ValidationError as ValidationError
from .errors import WorkflowError as WorkflowError
from .events import BranchVerdict as BranchVerdict
from .events import ConversationEvent as ConversationEvent
from .events import Run as Run
from .findings import Finding as Finding
from .loader import Project as Project
from .loader import load_project as load_project
from .model import Action as Action
from .model import Location as Location
from .model import Workflow as Workflow
from .workspace import Workspace as Workspace

__all__ = [
    "Action",
    "BranchVerdict",
    "ConversationEvent",
    "Engine",
    "EventError",
    "ExecutorUnavailable",
    "Finding",
    "Location",
    "Project",
    "Run",
    "ValidationError",
    "Workflow",
    "WorkflowError",
    "Workspace",
    "load_project",
]
