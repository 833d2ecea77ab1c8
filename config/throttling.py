"""Fixed-window request throttles: one cache increment per request.

DRF's default throttles keep the list of every request time of the window per client and
rewrite it on each request, which costs more as the rate grows (600/minute is a list of
600 floats read and written per request). A counter per client and window is enough for a
limit on anonymous polling and scripts, and costs one round trip to the cache.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

logger = logging.getLogger(__name__)


class FixedWindowMixin:
    def counter_for(self, request, view) -> tuple[str, int] | None:
        """The cache key counting this request and its expiry; None when no limit applies.
        (Split from ``allow_request`` so a caller may count in a round trip of its own.)"""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        self.now = time.time()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        return f"{self.key}:{window}", self.duration + 1

    def allows(self, count: int) -> bool:
        return count <= self.num_requests

    def allow_request(self, request, view):
        counter = self.counter_for(request, view)
        if counter is None:
            return True
        # A request is counted once: a caller that counted it already left the count here.
        counted = getattr(request, "throttle_counts", {})
        if counter[0] in counted:
            return self.allows(counted[counter[0]])
        try:
            count = increment(self.cache, *counter)
        except RedisError:
            # The cache is down: serve rather than fail every API request.
            logger.warning("Throttle skipped: cache unavailable")
            return True
        return self.allows(count)

    def wait(self):
        return max(0.0, self.window_end - self.now)


def increment(cache, key: str, timeout: int) -> int:
    """Count one request in ``key``; on Redis one round trip (INCR and EXPIRE NX)."""
    if cache is default_cache:  # a proxy to the backend of this thread
        cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incr(full_key)
        pipe.expire(full_key, timeout, nx=True)  # Redis >= 7
        count, _ = pipe.execute()
        return count
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout)
        return 1


class AnonFixedWindowThrottle(FixedWindowMixin, AnonRateThrottle):
    """Anonymous clients, by IP address."""


class UserFixedWindowThrottle(FixedWindowMixin, UserRateThrottle):
    """Signed-in users and token clients, by user (anonymous ones are the class above's)."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
