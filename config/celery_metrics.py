"""Celery's share of the metrics: queue lengths and task failures, read from the broker.

Both live in the broker's Redis, not in a process: the queue lengths are the broker's lists,
and each failed task adds one to a hash there (``task_failure`` signal, ``config/celery.py``)
— so any web node's ``/metrics`` reports the whole deployment's, and no worker needs an HTTP
port of its own. Every web node reports the same numbers: aggregate them with ``max``, not
``sum`` (docs/deployment.md).

Read at scrape time in one pipelined round trip, bounded by ``REDIS_TIMEOUT`` and skipped
while the broker's breaker is open (the same breaker as publishing, ``config/tasks.py``): a
broker that is down costs a scrape at most one timeout and answers
``lectern_celery_broker_up 0`` instead of failing the scrape. A failure that happens while
the broker is down is not counted (logged by Celery all the same).

Without a broker (the embedded default) there is nothing to report: tasks run in the
process that queues them, and one that fails is that request's error (logged, and counted
by the request metrics when it makes the answer a 500), not a task failure.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import redis
from django.conf import settings
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .breaker import CircuitBreaker
from .tasks import BROKER_ERRORS, broker_breaker

logger = logging.getLogger(__name__)

FAILURES_KEY = "lectern:metrics:task-failures"
# kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>"
# (its default priority steps are 0, 3, 6, 9); priority 0, our only one, in "<queue>".
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)

_clients: dict[str, redis.Redis] = {}


def queue_names() -> list[str]:
    """The queues declared in settings (``CELERY_TASK_QUEUES``), in order."""
    return [queue.name for queue in settings.CELERY_TASK_QUEUES]


def _redis_broker() -> str | None:
    """The broker's URL when tasks go through a Redis broker, else None."""
    from .celery import app

    url = app.conf.broker_url or ""
    if app.conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    return url


def _client(url: str) -> redis.Redis:
    client = _clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url,
            socket_timeout=settings.REDIS_TIMEOUT,
            socket_connect_timeout=settings.REDIS_TIMEOUT,
        )
        _clients[url] = client
    return client


def _queue_keys(queue: str) -> list[str]:
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    return [
        f"{prefix}{queue}" if step == 0 else f"{prefix}{queue}{_PRIORITY_SEPARATOR}{step}"
        for step in _PRIORITY_STEPS
    ]


def _guarded(url: str) -> CircuitBreaker | None:
    """The broker's breaker, or None when it is open (the broker failed a moment ago)."""
    found = broker_breaker(url)
    return found if found.allow() else None


def task_failed(task_name: str) -> None:
    """Count one failed run of ``task_name``; never raises."""
    url = _redis_broker()
    if url is None:
        return
    guard = _guarded(url)
    if guard is None:
        return
    try:
        _client(url).hincrby(FAILURES_KEY, task_name, 1)
    except BROKER_ERRORS:
        guard.failure()
        logger.warning("Failure of %s not counted: broker unavailable", task_name)
    else:
        guard.success()


def _read_broker(url: str, queues: list[str]) -> tuple[dict[str, int], dict[str, int]] | None:
    """Queue lengths and failure counts in one round trip; None if the broker did not answer."""
    guard = _guarded(url)
    if guard is None:
        return None
    pipe = _client(url).pipeline(transaction=False)
    for queue in queues:
        for key in _queue_keys(queue):
            pipe.llen(key)
    pipe.hgetall(FAILURES_KEY)
    try:
        answers = pipe.execute()
    except BROKER_ERRORS:
        guard.failure()
        logger.warning("Celery metrics not read: broker unavailable", exc_info=True)
        return None
    guard.success()
    steps = len(_PRIORITY_STEPS)
    lengths = {q: sum(answers[i * steps : (i + 1) * steps]) for i, q in enumerate(queues)}
    failures = {name.decode(): int(count) for name, count in answers[-1].items()}
    return lengths, failures


def _family(kind: type[Any], name: str, doc: str, labels: list[str], values: dict[str, int]):
    family = kind(name, doc, labels=labels)
    for label, value in sorted(values.items()):
        family.add_metric([label], value)
    return family


class CeleryCollector(Collector):
    """A prometheus-client collector that reads the broker when scraped."""

    def describe(self) -> Iterable[Metric]:
        return []  # not collected at registration: that would read the broker

    def collect(self) -> Iterator[Metric]:
        url = _redis_broker()
        if url is None:
            return
        queues = queue_names()
        reading = _read_broker(url, queues)
        up = GaugeMetricFamily(
            "lectern_celery_broker_up", "1 when the broker answered this scrape, else 0"
        )
        up.add_metric([], 0 if reading is None else 1)
        yield up
        if reading is None:
            return
        lengths, failures = reading
        yield _family(
            GaugeMetricFamily,
            "lectern_celery_queue_length",
            "Messages waiting in each Celery queue (not yet taken by a worker)",
            ["queue"],
            lengths,
        )
        yield _family(
            CounterMetricFamily,
            "lectern_celery_task_failures",
            "Task runs that raised (Celery's task_failure), by task",
            ["task"],
            failures,
        )
