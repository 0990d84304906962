"""The webhook app the crash test runs (`uvicorn crash_app:app --factory`).

The real app, with a stand-in provider: `LedgerProvider` appends every send call to a
ledger file (flushed and synced before it answers, so a kill cannot lose a call the
customer would have seen) and, like a provider honouring an idempotency key, answers
the same message id for the same key.  The outbox lease and sweep interval are short
so that recovery happens within the test.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from dataclasses import replace
from datetime import timedelta

from starlette.applications import Starlette

from helpdesk import HelpDesk
from helpdesk._webhook import WebhookConfig, create_app


class LedgerProvider:
    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, to: str, body: str, *, reference: str) -> str:
        time.sleep(0.003)  # the request to the provider
        with open(self.path, "a") as ledger:
            fcntl.flock(ledger, fcntl.LOCK_EX)
            ledger.write(f"{reference}\t{to}\n")
            ledger.flush()
            os.fsync(ledger.fileno())
        time.sleep(0.003)  # the provider's answer on its way back
        return "SM" + hashlib.sha256(reference.encode()).hexdigest()[:32]


def app() -> Starlette:
    config = replace(
        WebhookConfig.from_env(), outbox_interval=float(os.environ["CRASH_OUTBOX_INTERVAL"])
    )

    def open_desk() -> HelpDesk:
        sender = LedgerProvider(os.environ["CRASH_LEDGER"])
        desk = HelpDesk.open(list(config.workflows), database=config.database, sender=sender)
        desk.outbox.lease = timedelta(seconds=float(os.environ["CRASH_LEASE"]))
        return desk

    return create_app(config, open_desk)
