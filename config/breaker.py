"""Circuit breakers: after a Redis server failed, skip it at once for a few seconds.

A short socket timeout bounds what one request waits for a Redis that is down or frozen
(SIGSTOP, a full network buffer); a breaker makes the *next* requests not wait at all.
When an operation on a server fails with a connection error or a timeout, its breaker opens
for ``RESET_SECONDS``: every operation on that server in this process fails at once with
``redis.ConnectionError`` — which the cache client already turns into a miss, and the
throttles, the rate-limit guard and the task queue into their own fallbacks. After that,
the next operation tries the server again (one request pays at most one timeout per
``RESET_SECONDS``); a success closes the breaker, a failure opens it again.

Breakers are per process and per server (``host:port``), with no shared state: each
process finds out on its own, which costs it one timeout.

``BreakerConnection`` plugs them into redis-py (``CONNECTION_POOL_KWARGS`` of the cache);
the Celery publisher keeps one per broker in ``config/tasks.py``.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RESET_SECONDS = 5.0


class CircuitBreaker:
    """Open after a failure, for ``reset_seconds``; closed again by a success."""

    def __init__(self, name: str, *, reset_seconds: float | None = None):
        self.name = name
        self.reset_seconds = RESET_SECONDS if reset_seconds is None else reset_seconds
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._down_since: float | None = None  # monotonic time of the first failure

    def allow(self) -> bool:
        """May an operation try the server now? (False while open.)"""
        return time.monotonic() >= self._open_until

    @property
    def is_open(self) -> bool:
        return not self.allow()

    def down_for(self) -> float:
        """Seconds since the server first failed without a success since (0 when up)."""
        since = self._down_since
        return 0.0 if since is None else time.monotonic() - since

    def failure(self) -> None:
        with self._lock:
            now = time.monotonic()
            first = self._down_since is None
            if first:
                self._down_since = now
            self._open_until = now + self.reset_seconds
        if first:
            logger.warning(
                "%s unavailable: skipped for %.0f s at a time until it answers",
                self.name,
                self.reset_seconds,
            )

    def success(self) -> None:
        if self._down_since is None and self._open_until == 0.0:
            return  # the common case: nothing to do, no lock
        with self._lock:
            was_down = self._down_since is not None
            self._open_until = 0.0
            self._down_since = None
        if was_down:
            logger.warning("%s answers again", self.name)

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0
            self._down_since = None


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker(name: str) -> CircuitBreaker:
    """The process's breaker for ``name`` (a ``host:port``, or ``"broker"``)."""
    found = _breakers.get(name)
    if found is None:
        with _breakers_lock:
            found = _breakers.setdefault(name, CircuitBreaker(name))
    return found


def redis_breaker(host: str, port: int | str) -> CircuitBreaker:
    return breaker(f"redis {host}:{port}")


class CircuitOpen(RedisConnectionError):
    """Not tried: the server failed a moment ago (a ``redis.ConnectionError``, so every
    caller that copes with Redis being down copes with this too)."""


_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


class BreakerConnection(redis.Connection):
    """A redis-py connection that fails at once while its server's breaker is open, and
    opens it when connecting, sending or reading fails."""

    def _breaker(self) -> CircuitBreaker:
        return redis_breaker(self.host, self.port)

    def _guard(self) -> CircuitBreaker:
        found = self._breaker()
        if not found.allow():
            raise CircuitOpen(f"{found.name} skipped: it failed less than a few seconds ago")
        return found

    def connect(self):
        found = self._guard()
        try:
            return super().connect()
        except _FAILURES:
            found.failure()
            raise

    def send_packed_command(self, command, check_health=True):
        found = self._guard()
        try:
            return super().send_packed_command(command, check_health=check_health)
        except _FAILURES:
            found.failure()
            raise

    def read_response(self, *args, **kwargs):
        found = self._breaker()
        try:
            response = super().read_response(*args, **kwargs)
        except _FAILURES:
            found.failure()
            raise
        found.success()
        return response
