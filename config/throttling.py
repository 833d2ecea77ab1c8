"""Fixed-window request throttles, counted in the shared cache in batches.

DRF's default throttles keep the list of every request time of the window per client and
rewrite it on each request, which costs more as the rate grows (600/minute is a list of
600 floats read and written per request). A counter per client and window is enough for a
limit on anonymous polling and scripts.

Even one cache round trip per request costs as much as a cached API response, so each
process adds its requests to the shared counter at most once every ``FLUSH_SECONDS`` (and
at once for a new client or window). A process's own requests always count exactly; other
processes' are seen at most a second late, which only matters for a client already at
its limit.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django_redis.cache import RedisCache
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from .clientip import client_ip

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
_MAX_WINDOWS = 10_000  # per process; windows are short-lived, so the table is simply reset


@dataclass
class _Window:
    shared: int = 0  # the shared counter as of the last flush (our flushed requests included)
    pending: int = 0  # this process's requests not added to it yet
    flushed_at: float = float("-inf")


_windows: dict[str, _Window] = {}
_windows_lock = threading.Lock()


def count(cache, key: str, timeout: int) -> int:
    """Count one request in window ``key``; return the window's count as best known."""
    now = time.monotonic()
    with _windows_lock:
        window = _windows.get(key)
        if window is None:
            if len(_windows) >= _MAX_WINDOWS:
                _windows.clear()
            window = _windows[key] = _Window()
        window.pending += 1
        if now - window.flushed_at < FLUSH_SECONDS:
            return window.shared + window.pending
        pending, window.pending, window.flushed_at = window.pending, 0, now
    shared = increment(cache, key, timeout, by=pending)
    with _windows_lock:
        window.shared = shared
        return shared + window.pending


class FixedWindowMixin(SimpleRateThrottle):
    num_requests: int  # set by SimpleRateThrottle from the rate
    duration: int

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = time.time()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        try:
            current = count(self.cache, f"{self.key}:{window}", self.duration + 1)
        except RedisError:
            # The cache is down: serve rather than fail every API request.
            logger.warning("Throttle skipped: cache unavailable")
            return True
        return current <= self.num_requests

    def wait(self):
        return max(0.0, self.window_end - self.now)

    def get_ident(self, request):
        # The same client address as the login rate limits (TRUSTED_PROXY_COUNT).
        return client_ip(request)


def increment(cache, key: str, timeout: int, *, by: int = 1) -> int:
    """Add ``by`` to the shared counter ``key``; on Redis one round trip (INCRBY, EXPIRE NX)."""
    if cache is default_cache:  # a proxy to the backend of this thread
        cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        full_key = cache.client.make_key(key)
        client = cache.client.get_client(write=True)
        pipe = client.pipeline(transaction=False)
        pipe.incrby(full_key, by)
        pipe.expire(full_key, timeout, nx=True)  # Redis >= 7
        total, _ = pipe.execute()
        return total
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key, by)
    except ValueError:  # expired between add and incr
        cache.set(key, by, timeout)
        return by


class AnonFixedWindowThrottle(FixedWindowMixin, AnonRateThrottle):
    """Anonymous clients, by IP address."""


class UserFixedWindowThrottle(FixedWindowMixin, UserRateThrottle):
    """Signed-in users and token clients, by user (anonymous ones are the class above's)."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
