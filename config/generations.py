"""Generations: tokens in the shared cache that change whenever what they stand for changes.

A reader stores what it computed together with the generations it read *before* reading the
database, and uses a stored copy only while those generations are still current. A writer
calls ``invalidate``: the token is replaced at once and again once the transaction commits.
Between the two, a concurrent reader may store a copy computed from the data as it was
before the commit; the second replacement discards it.

Tokens are random rather than counters: when the cache evicts a generation, the token that
replaces it can never equal the one a stale copy was stored with (a counter would restart
at a number an old copy may carry).

The cache is an accelerator. When it is down, ``fetch`` answers ``None`` and callers read
the database; ``invalidate`` and ``store`` log and carry on.
"""

from __future__ import annotations

import logging
import pickle
import secrets
from collections.abc import Callable, Iterable

from django.core.cache import cache
from django.db import transaction
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _token() -> str:
    return secrets.token_hex(8)


def fetch(*, keys: Iterable[str], generations: Iterable[str]) -> tuple[dict, dict] | None:
    """The cached values found under ``keys`` and the current token of each generation.

    One round trip; a second one only for generations the cache does not hold yet, which
    are created. ``None`` when the cache is unavailable.
    """
    keys, generations = list(keys), list(generations)
    try:
        found = cache.get_many(keys + generations)
        tokens = {g: found[g] for g in generations if g in found}
        for generation in generations:
            if generation not in tokens:
                token = _token()
                # add() loses to a concurrent creator: read the winner's token then.
                tokens[generation] = (
                    token if cache.add(generation, token, None) else cache.get(generation)
                )
    except RedisError:
        logger.warning("Shared cache unavailable: reading the database")
        return None
    except (pickle.UnpicklingError, AttributeError, ImportError, EOFError):
        # Stored by another release, whose classes differ: as good as absent.
        logger.warning("Unreadable cached value among %s: reading the database", keys)
        return None
    return {k: found[k] for k in keys if k in found}, tokens


def store(key: str, value, timeout: int) -> None:
    """Remember ``value`` (a best effort: a cache that is down just means no copy)."""
    try:
        cache.set(key, value, timeout)
    except RedisError:
        pass


def invalidate(*generations: str, also: Callable[[], None] | None = None) -> None:
    """Replace the tokens of ``generations`` now and again once the transaction commits.

    ``also`` runs each time too (for copies a process keeps outside the shared cache).
    """

    def replace():
        if also is not None:
            also()
        try:
            cache.set_many({g: _token() for g in generations}, None)
        except RedisError:
            logger.warning("Cached copies of %s not invalidated: cache unavailable", generations)

    replace()
    # robust: an earlier on-commit callback that raises must not skip this one.
    transaction.on_commit(replace, robust=True)
