"""config/generations.py: a copy is used only while the generations it was computed under are
current, even across a commit, an eviction or a cache outage."""

import pytest
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError

from config import generations

GEN = "test:generation"
KEY = "test:copy"


def current_token():
    _, tokens = generations.fetch(keys=[], generations=[GEN])
    return tokens[GEN]


@pytest.mark.django_db
def test_a_copy_stored_between_a_write_and_its_commit_is_discarded(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        generations.replace(GEN)
        # A reader in another transaction still sees the data as it was before the commit.
        stale_under = current_token()
        generations.store(KEY, ("old data", stale_under), 60)
    for callback in callbacks:
        callback()
    found, tokens = generations.fetch(keys=[KEY], generations=[GEN])
    assert found[KEY] == ("old data", stale_under)
    assert tokens[GEN] != stale_under


@pytest.mark.django_db
def test_a_generation_is_stable_until_invalidated():
    token = current_token()
    assert current_token() == token
    generations.replace(GEN)
    assert current_token() != token


@pytest.mark.django_db
def test_an_evicted_generation_never_comes_back_as_an_old_token():
    seen = {current_token()}
    for _ in range(20):
        cache.delete(GEN)  # the cache evicted it
        token = current_token()
        assert token not in seen
        seen.add(token)


@pytest.mark.django_db
def test_many_new_generations_are_created_at_once_and_then_stable():
    many = [f"test:generation:{i}" for i in range(50)]
    _, first = generations.fetch(keys=[], generations=many)
    assert len(set(first.values())) == 50
    _, again = generations.fetch(keys=[], generations=many)
    assert again == first
    generations.invalidate(marks=[7])
    _, after = generations.fetch(keys=[], generations=[*many, generations.marks_scope(7)])
    assert {g: after[g] for g in many} == first


@pytest.mark.django_db
def test_with_the_cache_down_readers_get_nothing_and_writers_carry_on(monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    client = generations._client()  # django-redis's client (which raises), or the cache
    for method in ("get_many", "set", "set_many", "add", "get"):
        monkeypatch.setattr(client, method, down)
    assert generations.fetch(keys=[KEY], generations=[GEN]) is None
    generations.replace(GEN)
    generations.store(KEY, "value", 60)


@pytest.mark.django_db
def test_a_value_another_release_cannot_read_counts_as_absent(monkeypatch):
    def unreadable(*args, **kwargs):
        raise AttributeError("Can't get attribute 'StatusRow' on <module 'submissions.selectors'>")

    monkeypatch.setattr(generations._client(), "get_many", unreadable)
    assert generations.fetch(keys=[KEY], generations=[GEN]) is None


@pytest.mark.django_db
def test_an_invalidation_missed_while_the_cache_was_down_is_replayed_when_it_is_back(
    monkeypatch,
):
    _, tokens = generations.fetch(keys=[KEY], generations=[GEN])
    before = tokens[GEN]

    def down(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    with monkeypatch.context() as outage:
        outage.setattr(generations._client(), "set_many", down)
        generations.replace(GEN)  # a write during the outage: the token stays as it was
    assert cache.get(GEN) == before
    _, tokens = generations.fetch(keys=[KEY], generations=[GEN])  # the cache is back
    assert tokens[GEN] != before  # copies stored under the old token are not used
