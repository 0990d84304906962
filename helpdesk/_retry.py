"""Running a whole adapter call again when the database reports a conflict.

With the customer's lock held (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the advisory
lock) two calls for one customer never overlap, so a conflict should never happen.  When
one does anyway (a unique violation, a serialization failure, a deadlock, SQLite's
"database is locked" past its busy timeout, a connection lost mid-call), the public
`Inbox` call runs again from the start: its transaction was rolled back, so the
second run reads the state the other writer left and decides afresh (a message the other
writer stored is then a `duplicate`).  Between runs it waits a jittered exponential
back-off; every retry is logged at WARNING on the `channels.retry` logger, because it
means something raced the lock.  Past `RetryPolicy.attempts` runs the call raises
`StoreBusy`: nothing was stored, and the webhook answers 503 so the provider delivers
the event again.

Which errors count as conflicts is the store's business: a store says so with
`is_retryable(error)`, and may carry its own `retry_policy`.  Only the outermost
decorated call retries (`apply` calls `receive`: one loop, not five times five).
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Concatenate, ParamSpec, Protocol, TypeVar, runtime_checkable

from ._errors import StoreBusy

logger = logging.getLogger("helpdesk.retry")

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, a conflicting call runs again.

    `attempts` counts every run, the first included.  Before run `n + 1` the call waits
    `min(max_delay, first_delay * multiplier ** (n - 1))` seconds, half of it fixed and
    half drawn at random, so that workers that collided do not collide again.
    """

    attempts: int = 5
    first_delay: float = 0.01
    max_delay: float = 0.5
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be at least 1, not {self.attempts}.")
        if self.first_delay < 0 or self.max_delay < 0 or self.multiplier < 1:
            raise ValueError(
                "RetryPolicy delays must not be negative and its multiplier at least 1."
            )

    def delay(self, retry: int, draw: Callable[[float, float], float] = random.uniform) -> float:
        """Seconds to wait before retry number `retry` (1 is the second run)."""
        cap = min(self.max_delay, self.first_delay * self.multiplier ** (retry - 1))
        return cap / 2 + draw(0.0, cap / 2)


DEFAULT_POLICY = RetryPolicy()


@runtime_checkable
class RetryingStore(Protocol):
    """A store that can tell a conflict worth a retry from any other error."""

    def is_retryable(self, error: BaseException) -> bool: ...


class HasStore(Protocol):
    @property
    def store(self) -> object: ...


S = TypeVar("S", bound=HasStore)

_inside: ContextVar[bool] = ContextVar("channels_retry_inside", default=False)


def retried(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """Decorate a public `Inbox` method: run it whole again on a store conflict."""

    @functools.wraps(method)
    def run(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if _inside.get():  # an outer decorated call owns the loop
            return method(self, *args, **kwargs)
        token = _inside.set(True)
        try:
            name = f"{type(self).__name__}.{method.__name__}"
            return call_with_retries(lambda: method(self, *args, **kwargs), self.store, name)
        finally:
            _inside.reset(token)

    return run


def call_with_retries(call: Callable[[], R], store: object, name: str) -> R:
    """`call()`, run again while `store` calls its error a conflict, up to the bound."""
    is_retryable = getattr(store, "is_retryable", None)  # not `isinstance`: it is slow
    if not callable(is_retryable):
        return call()
    policy = policy_of(store)
    attempt = 1
    while True:
        try:
            return call()
        except Exception as error:
            if not is_retryable(error):
                raise
            if attempt >= policy.attempts:
                raise _busy(name, attempt, error) from error
            wait = policy.delay(attempt)
            logger.warning(
                "%s conflicted with another writer (%s: %s); running it again in %.0f ms "
                "(run %d of at most %d). With the customer's lock held this should never "
                "be needed: is another program writing to the database?",
                name,
                type(error).__name__,
                _first_line(error),
                wait * 1000,
                attempt + 1,
                policy.attempts,
            )
            time.sleep(wait)
            attempt += 1


def policy_of(store: object) -> RetryPolicy:
    """The store's own `retry_policy`, or the default one."""
    policy = getattr(store, "retry_policy", None)
    return policy if isinstance(policy, RetryPolicy) else DEFAULT_POLICY


def _busy(name: str, attempts: int, error: Exception) -> StoreBusy:
    logger.error(
        "%s gave up after %d runs, each conflicting with another writer (last: %s: %s).",
        name,
        attempts,
        type(error).__name__,
        _first_line(error),
    )
    return StoreBusy(
        f"The store stayed busy: {name} conflicted with another writer {attempts} times "
        f"(last: {type(error).__name__}: {_first_line(error)}).",
        attempts=attempts,
        cause=error,
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "no message"
