"""allauth's rate limits (log-in, sign-up, password reset, confirmation e-mails) when the
shared cache is down.

allauth keeps them in the default cache under a lock taken with ``cache.add``. With Redis
down, the cache answers "not added" for ever (it ignores its own errors), so allauth waited
a second for the lock and then refused every log-in as "too many attempts"; reading the
history could also answer ``None`` where allauth expects a list. The cache allauth's rate
limit module uses is therefore replaced (``install``, called when the app is ready) by
``RateLimitCache``, which talks to Redis through the client that raises and decides what to
do when it fails:

- for a short outage (``LECTERN_RATELIMIT_FAIL_OPEN_SECONDS``, 5 min by default) the limits
  **fail open**: the request is let through and the decision is logged (a warning per
  request), because refusing every student's log-in is worse than a few minutes without a
  brute-force limit;
- after that, each process **enforces them on its own** in memory, which limits an attacker
  to the limit times the number of processes, and logs so.

A success closes the outage. Without Redis (the embedded default) the cache is local memory
and nothing here applies.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_ERRORS = (ConnectionInterrupted, RedisError, OSError)


class RateLimitCache:
    """The ``cache`` allauth's rate limits see: the shared cache, guarded (module doc)."""

    def __init__(self) -> None:
        # Its own store (local-memory caches of one name share one).
        self.local = LocMemCache(f"lectern-ratelimit-fallback-{id(self)}", {})
        self._lock = threading.Lock()
        self._down_since: float | None = None

    def _failed(self) -> float:
        """Note the failure; seconds since the outage began."""
        with self._lock:
            now = time.monotonic()
            if self._down_since is None:
                self._down_since = now
            return now - self._down_since

    def _call(self, name: str, *args: Any, fail_open: Any, **kwargs: Any) -> Any:
        shared = caches["default"]
        client = getattr(shared, "client", None)
        if client is None:  # not django-redis (local memory): its errors are real errors
            return getattr(shared, name)(*args, **kwargs)
        try:
            result = getattr(client, name)(*args, **kwargs)
        except CACHE_ERRORS:
            down_for = self._failed()
            if down_for < settings.LECTERN_RATELIMIT_FAIL_OPEN_SECONDS:
                if name == "add":  # the first call of each limit check: log it once
                    logger.warning(
                        "Rate limit %s not enforced: the shared cache has been unavailable "
                        "for %.0f s (failing open)",
                        args[0].removesuffix(":lock"),
                        down_for,
                    )
                return fail_open
            if name == "add":
                logger.warning(
                    "Rate limit %s enforced by this process only: the shared cache has been "
                    "unavailable for %.0f s",
                    args[0].removesuffix(":lock"),
                    down_for,
                )
            return getattr(self.local, name)(*args, **kwargs)
        if self._down_since is not None:
            with self._lock:
                self._down_since = None
        return result

    # The four operations allauth.core.internal.ratelimit uses.
    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        return bool(self._call("add", key, value, timeout=timeout, fail_open=True))

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", key, default=default, fail_open=default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        self._call("set", key, value, timeout=timeout, fail_open=None)

    def delete(self, key: str) -> None:
        self._call("delete", key, fail_open=None)


def install() -> None:
    """Make allauth's rate limits use ``RateLimitCache`` (it reads a module-level ``cache``)."""
    from allauth.core.internal import ratelimit

    ratelimit.cache = RateLimitCache()
