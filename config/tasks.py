"""Queuing Celery tasks, in one place (docs/decisions/0009-background-work.md).

Tasks are queued once the transaction that asks for them commits: a worker never looks for
rows that are not committed yet, and a rolled-back write queues nothing. A broker outage is
logged and never raised: the write that queued the task stands, and the periodic jobs catch
up (the receipt sweeper, the nightly recomputation). Publishing is bounded by the broker's
short timeouts (``REDIS_TIMEOUT``), and after a failure the process does not try the broker
for a few seconds (``config.breaker``): a dead or frozen broker costs one request one
timeout, not every request.

``RETRYING`` are the options of tasks that talk to the outside world (SMTP): retried with
backoff on I/O errors, acknowledged only once done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.db import transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from .breaker import breaker

logger = logging.getLogger(__name__)

# What publishing raises when the broker cannot be reached.
BROKER_ERRORS = (KombuError, RedisError, OSError)

RETRYING: dict[str, Any] = {
    "bind": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "retry_kwargs": {"max_retries": 8},
    "acks_late": True,
}


def broker_breaker(url: str):
    """The breaker of the broker at ``url``, named without its credentials (it is logged)."""
    parts = urlsplit(url or "")
    return breaker(f"broker {parts.hostname}:{parts.port}")


class Queueable(Protocol):
    name: str

    def delay(self, *args: Any) -> Any: ...


def enqueue_on_commit(
    task: Queueable, *args: Any, delayed: Callable[[], None] | None = None
) -> None:
    """Queue ``task(*args)`` once the current transaction commits (at once outside one).
    If the broker is unavailable, ``delayed`` runs (e.g. to tell the user) and the write
    stands."""

    def send() -> None:
        from .celery import app

        # In-process (eager) tasks have no broker to skip.
        broker = None if app.conf.task_always_eager else broker_breaker(app.conf.broker_url)
        if broker is not None and not broker.allow():
            logger.warning("%s%s not queued: the broker failed a moment ago", task.name, args)
        else:
            try:
                task.delay(*args)
            except BROKER_ERRORS:
                if broker is not None:
                    broker.failure()
                logger.warning(
                    "%s%s not queued: broker unavailable", task.name, args, exc_info=True
                )
            else:
                if broker is not None:
                    broker.success()
                return
        if delayed is not None:
            delayed()

    transaction.on_commit(send, robust=True)
