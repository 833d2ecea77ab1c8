"""Generations: tokens in the shared cache that change whenever what they stand for changes,
and ``invalidate``, the one entry point through which writes say what they changed
(docs/decisions/0007-caching.md).

There are three kinds of scope: an **edition** (named by its slug, the key every public URL
carries: its page, schedule and deadlines — everything but group work), a **group**
(its members, hand-ins, extensions, reviews) and an edition's **marks** (by id: its
grades, individual marks, exam marks and grading scheme, which the grading services name
whenever they queue a recomputation of the final grades). A cached value is stored with
the tokens of the scopes it depends on, read *before* the database, and used only while
they are current.

Services call ``invalidate(editions=…, groups=…)`` for what they changed, including the
edition or group a row moved away from. The tokens are replaced at once and again once the
transaction commits: between the two, a concurrent reader may store a copy computed from
the data as it was before the commit; the second replacement discards it. Tokens are random
rather than counters: when the cache evicts a generation, the token that replaces it can
never equal the one a stale copy was stored with.

The cache is an accelerator. When it is down, ``fetch`` answers ``None`` and callers read
the database; ``invalidate`` and ``store`` log and carry on. Only the cache client's errors
(and a value another release pickled) are caught: this module talks to django-redis's
client, which raises, rather than to the cache, which ignores its errors (and would make an
outage look like an empty cache). An invalidation that could not reach the cache is kept by
the process and replayed by its first ``fetch`` that reaches it again, so copies stored
before an outage are not used after it. (A process that dies in between loses that list:
such copies then live until they expire, at most a few minutes.)
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# This process's own count of invalidations per scope: copies a process keeps in memory
# (outside the shared cache) compare it, without a round trip, to see its own writes at once.
_local_epochs: dict[str, int] = {}
# Generations this process replaced while the cache was down, to replace once it is back.
_missed: set[str] = set()

CACHE_ERRORS = (ConnectionInterrupted, RedisError)

T = TypeVar("T")


def _client() -> Any:
    """The cache's client that raises on errors (django-redis's), else the cache itself."""
    return getattr(cache, "client", cache)


def edition_scope(slug: str) -> str:
    return f"generation:edition:{slug}"


def group_scope(group_id: int) -> str:
    return f"generation:group:{group_id}"


def marks_scope(edition_id: int) -> str:
    """The marks of an edition: its grades, individual marks, exam marks and grading scheme."""
    return f"generation:marks:{edition_id}"


def local_epoch(scope: str) -> int:
    """How many times this process invalidated ``scope`` (see ``_local_epochs``)."""
    return _local_epochs.get(scope, 0)


def _token() -> str:
    return secrets.token_hex(8)


def fetch(*, keys: Iterable[str], generations: Iterable[str]) -> tuple[dict, dict] | None:
    """The cached values found under ``keys`` and the current token of each generation.

    One round trip; a second one (or two, for a single one) only for generations the cache
    does not hold yet, which are created. ``None`` when the cache is unavailable.
    """
    keys, generations = list(keys), list(generations)
    client = _client()
    try:
        if _missed:
            _replay_missed(client)
        found = client.get_many(keys + generations)
        tokens = {g: found[g] for g in generations if g in found}
        missing = [g for g in generations if g not in tokens]
        if len(missing) > 1:
            # Many at once (an edition's groups): one round trip. Overwriting a token a
            # concurrent reader just created only makes its copy a miss, never stale.
            created = {g: _token() for g in missing}
            client.set_many(created, None)
            tokens.update(created)
        for generation in missing if len(missing) == 1 else ():
            token = _token()
            # add() loses to a concurrent creator: read the winner's token then.
            tokens[generation] = (
                token if client.add(generation, token, None) else client.get(generation)
            )
    except CACHE_ERRORS:
        logger.warning("Shared cache unavailable: reading the database")
        return None
    except (pickle.UnpicklingError, AttributeError, ImportError, EOFError):
        # Stored by another release, whose classes differ: as good as absent.
        logger.warning("Unreadable cached value among %s: reading the database", keys)
        return None
    return {k: found[k] for k in keys if k in found}, tokens


def store(key: str, value: Any, timeout: int) -> None:
    """Remember ``value`` (a best effort: a cache that is down just means no copy)."""
    try:
        _client().set(key, value, timeout)
    except CACHE_ERRORS:
        logger.warning("Copy %s not stored: cache unavailable", key)


@dataclass(frozen=True)
class _Copy:
    tokens: tuple[str, ...]
    value: object
    until: dt.datetime | None  # the clock's own end of the copy, if it has one


def cached(
    *,
    key: str,
    watched: list[str],
    compute: Callable[[], T],
    timeout: int,
    now: dt.datetime | None = None,
    until: Callable[[T], dt.datetime | None] | None = None,
) -> T:
    """``compute()``'s value, from the cache while the ``watched`` generations are those it
    was stored under (and, with ``until``, before ``until(value)`` by ``now``). One cache
    round trip on a hit; ``compute()`` alone when the cache is down.

    ``key`` must name everything the caller read that decides ``watched``: a copy stored
    under other scopes has other tokens, but two keys must not share one slot."""
    fetched = fetch(keys=[key], generations=watched)
    if fetched is None:  # cache down
        return compute()
    found, tokens = fetched
    current = tuple(tokens[g] for g in watched)
    stored = found.get(key)
    if (
        isinstance(stored, _Copy)
        and stored.tokens == current
        and (stored.until is None or (now is not None and now < stored.until))
    ):
        return stored.value  # type: ignore[return-value]
    value = compute()  # reads the database after the tokens: see the module's docstring
    store(key, _Copy(current, value, until(value) if until else None), timeout)
    return value


def _replay_missed(client: Any) -> None:
    """Replace the generations invalidated while the cache was down (raises if it still is)."""
    missed = set(_missed)
    client.set_many({g: _token() for g in missed}, None)
    _missed.difference_update(missed)
    logger.warning("Replayed %d invalidations missed while the cache was down", len(missed))


def replace(*generations: str) -> None:
    """Replace the tokens of ``generations`` now and again once the transaction commits."""
    if not generations:
        return

    def new_tokens() -> None:
        for generation in generations:
            _local_epochs[generation] = _local_epochs.get(generation, 0) + 1
        try:
            _client().set_many({g: _token() for g in generations}, None)
        except CACHE_ERRORS:
            _missed.update(generations)
            logger.warning(
                "Cached copies of %s not invalidated yet: cache unavailable", generations
            )

    new_tokens()
    # robust: an earlier on-commit callback that raises must not skip this one.
    transaction.on_commit(new_tokens, robust=True)


def invalidate(
    *,
    editions: Iterable[str] = (),
    groups: Iterable[int | None] = (),
    marks: Iterable[int] = (),
) -> None:
    """What these editions (by slug) and groups (by id) show, or the marks of these editions
    (by id), have changed: every cached copy computed from them is discarded, now and once
    the transaction commits."""
    replace(
        *sorted({edition_scope(slug) for slug in editions if slug}),
        *sorted({group_scope(pk) for pk in groups if pk is not None}),
        *sorted({marks_scope(pk) for pk in marks}),
    )
