"""The fixed-window throttles count one request per call, per client, per window."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
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
    full = cache.make_and_validate_key(key)
    ttl = cache._cache.get_client(full).ttl(full)
    assert 0 < ttl <= 30
    cache.delete(key)


@pytest.mark.redis
def test_counting_and_reading_share_one_round_trip_on_redis():
    cache = caches["default"]
    cache.set_many({"a": {"x": 1}, "b": 7})
    cache.delete("counter-test")
    count, found = cache.count_and_get_many("counter-test", 30, ["a", "b", "missing"])
    assert count == 1
    assert found == {"a": {"x": 1}, "b": 7}
    count, _ = cache.count_and_get_many("counter-test", 30, ["a"])
    assert count == 2
    cache.delete_many(["a", "b", "counter-test"])
