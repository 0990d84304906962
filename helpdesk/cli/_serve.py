"""`helpdesk-rules serve`: the Twilio-compatible webhook service, on uvicorn.

The workflows are validated before anything starts (errors: the findings, exit 1).
With `--workers N` (N > 1) uvicorn runs N processes, each building its app from the
environment (`helpdesk._webhook:app_from_env`); they share the database, which should
then be PostgreSQL.  Ctrl-C stops the service cleanly.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
from typing import TYPE_CHECKING, Any

from rules_engine.errors import ValidationError, WorkflowError
from rules_engine.findings import has_errors, summary
from rules_engine.workspace import EXECUTORS

from .._project import load_desk_project
from . import UsageError

if TYPE_CHECKING:  # the service's modules load only when `serve` runs
    from .._desk import HelpDesk
    from .._webhook import WebhookConfig

DEFAULT_DATABASE = "helpdesk.db"
APP_FACTORY = "helpdesk._webhook:app_from_env"
# Seconds the server waits for requests in flight when asked to stop.
GRACEFUL_SHUTDOWN = 10


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the Twilio-compatible webhook service",
        description="Serve POST /twilio/sms (inbound messages), POST /twilio/status "
        "(status callbacks) and GET /health.  Requests must carry a valid "
        "X-Twilio-Signature made with TWILIO_AUTH_TOKEN.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--database",
        metavar="PATH_OR_URL",
        help=f"SQLite path or postgresql:// URL (default: DATABASE_URL, else {DEFAULT_DATABASE})",
    )
    parser.add_argument("--workflows", default="workflows", metavar="DIR", help="workflow folder")
    parser.add_argument("--workspace", metavar="FILE", help="the workspace file")
    parser.add_argument("--engine", choices=EXECUTORS, help="the executor")
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="the base URL the provider calls (behind a proxy), used to check signatures",
    )
    parser.add_argument("--workers", type=int, default=1, metavar="N", help="worker processes")
    parser.add_argument(
        "--send-from",
        metavar="NUMBER",
        help="send replies through Twilio from this number or Messaging Service SID "
        "(default: replies are stored, not sent)",
    )
    parser.add_argument(
        "--access-log",
        action="store_true",
        help="log every request and a line per message (off by default: it costs more CPU "
        "than the message)",
    )
    parser.add_argument(
        "--insecure-skip-signature",
        action="store_true",
        help="do not check X-Twilio-Signature (local testing only; needed to start without "
        "TWILIO_AUTH_TOKEN)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise UsageError("--workers must be 1 or more")
    if not _workflows_ok(args):
        return 1
    config = _config(args)
    if args.workers > 1 and not _is_postgres(config.database or ""):
        print(
            f"note: {args.workers} workers share one SQLite file; SQLite serialises writers, "
            "so this works but does not scale. PostgreSQL (--database postgresql://...) is "
            "the store for several workers.",
            file=sys.stderr,
        )
    desk = _open_desk(config)
    if desk is None:
        return 1
    _announce(args, config)
    if args.workers == 1:
        _serve_one(args, config, desk)
    else:
        desk.close()  # it checked the store and ran its migrations; workers open their own
        _serve_many(args, config)
    return 0


def _workflows_ok(args: argparse.Namespace) -> bool:
    """Validate before starting: print every finding when there are errors."""
    try:
        project, _ = load_desk_project([args.workflows], args.workspace)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    if not has_errors(project.findings):
        return True
    for finding in project.findings:
        print(finding.format())
    print(summary(project.findings, len(project.files)))
    print("helpdesk-rules serve: not started: the workflows have errors", file=sys.stderr)
    return False


def _config(args: argparse.Namespace) -> WebhookConfig:
    from helpdesk import ServiceMisconfigured, WebhookConfig

    try:
        return WebhookConfig(
            workflows=(args.workflows,),
            database=args.database or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE,
            workspace=args.workspace,
            executor=args.engine,
            public_url=args.public_url,
            auth_token=os.environ.get("TWILIO_AUTH_TOKEN") or None,
            skip_signature=args.insecure_skip_signature,
            send_from=args.send_from,
        )
    except ServiceMisconfigured as error:
        raise UsageError(error.format_message()) from None


def _open_desk(config: WebhookConfig) -> HelpDesk | None:
    """The desk (workflows compiled, store open and migrated), or None after saying why."""
    from helpdesk import ChannelError

    from .._webhook import UNAVAILABLE

    try:
        return config.open_desk()
    except ValidationError as error:  # validated above; only if the files changed since
        print(f"helpdesk-rules serve: {error}", file=sys.stderr)
    except WorkflowError as error:  # the executor cannot run here
        raise UsageError(str(error)) from None
    except (*UNAVAILABLE, ChannelError) as error:
        message = error.format_message() if isinstance(error, ChannelError) else str(error)
        print(f"helpdesk-rules serve: cannot open the database: {message}", file=sys.stderr)
    return None


def _announce(args: argparse.Namespace, config: WebhookConfig) -> None:
    from .._postgres import redacted

    base = (config.public_url or f"http://{args.host}:{args.port}").rstrip("/")
    check = "on" if config.checks_signature else "OFF (--insecure-skip-signature)"
    database = redacted(config.database or "")
    print(
        f"helpdesk-rules serve: {args.workers} worker(s), database {database}, "
        f"signature check {check}\n"
        f"  messaging webhook (HTTP POST): {base}/twilio/sms\n"
        f"  status callback:               {base}/twilio/status\n"
        f"  health:                        http://{args.host}:{args.port}/health",
        file=sys.stderr,
        flush=True,
    )


def _serve_one(args: argparse.Namespace, config: WebhookConfig, desk: HelpDesk) -> None:
    import uvicorn

    from .._webhook import create_app

    app = create_app(config, lambda: desk)
    uvicorn.run(app, **_uvicorn_options(args))


def _serve_many(args: argparse.Namespace, config: WebhookConfig) -> None:
    """uvicorn's supervisor: N processes, each building the app from the environment."""
    import uvicorn

    os.environ.update(config.to_env())
    uvicorn.run(APP_FACTORY, factory=True, workers=args.workers, **_uvicorn_options(args))


def _uvicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    from uvicorn.config import LOGGING_CONFIG

    from .._http import BACKLOG, LIMIT_CONCURRENCY, guarded_protocol

    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["helpdesk_rules"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    access_log = bool(getattr(args, "access_log", False))
    log_config["loggers"]["helpdesk_rules.webhook.messages"] = {
        "level": "INFO" if access_log else "WARNING"
    }
    return {
        "host": args.host,
        "port": args.port,
        "log_config": log_config,
        "access_log": access_log,
        "ws": "none",  # no websockets here: do not import a websockets library
        "lifespan": "on",
        # Slow and numerous clients (`helpdesk/_http.py`): a header timeout, a cap on
        # open connections, 503 past LIMIT_CONCURRENCY requests in progress.
        "http": guarded_protocol(),
        "limit_concurrency": LIMIT_CONCURRENCY,
        "backlog": BACKLOG,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN,
    }


def _is_postgres(database: str) -> bool:
    return database.lower().startswith(("postgresql://", "postgres://"))
