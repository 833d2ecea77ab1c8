"""The fixed-window throttles count one request per call, per client, per window."""

import pytest
from django.core.cache import caches
from django_redis.cache import RedisCache
from rest_framework.test import APIRequestFactory

from config.throttling import AnonFixedWindowThrottle, UserFixedWindowThrottle, increment


def test_anonymous_clients_are_limited_per_ip_and_told_when_to_retry(monkeypatch, settings):
    monkeypatch.setattr(AnonFixedWindowThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    caches["default"].clear()
    factory = APIRequestFactory()
    throttle = AnonFixedWindowThrottle()
    allowed = []
    for _ in range(4):
        request = factory.get("/", REMOTE_ADDR="192.0.2.1")
        request.user = None
        allowed.append(throttle.allow_request(request, None))
    assert allowed == [True, True, True, False]
    assert 0 < throttle.wait() <= 60
    other = factory.get("/", REMOTE_ADDR="192.0.2.2")
    other.user = None
    assert throttle.allow_request(other, None)


def test_the_user_throttle_leaves_anonymous_clients_to_the_anonymous_one():
    request = APIRequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert UserFixedWindowThrottle().get_cache_key(request, None) is None


@pytest.mark.redis
def test_on_redis_a_counter_is_one_round_trip_and_expires():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    key = "throttle-test:window"
    cache.delete(key)
    assert [increment(cache, key, 30) for _ in range(3)] == [1, 2, 3]
    full = cache.client.make_key(key)
    ttl = cache.client.get_client(write=False).ttl(full)
    assert 0 < ttl <= 30
    cache.delete(key)


def test_a_process_adds_to_the_shared_counter_at_most_once_a_second(monkeypatch):
    from config import throttling

    cache = caches["default"]
    cache.clear()
    throttling._windows.clear()
    clock = [1000.0]
    monkeypatch.setattr(throttling.time, "monotonic", lambda: clock[0])
    # The first request of a window is added at once; the next ones wait for the flush.
    assert [throttling.count(cache, "w", 60) for _ in range(3)] == [1, 2, 3]
    assert cache.get("w") == 1
    cache.incr("w", 10)  # other processes' requests
    clock[0] += 1.0
    assert throttling.count(cache, "w", 60) == 14  # 1 + 10 + our 3
    assert cache.get("w") == 14
