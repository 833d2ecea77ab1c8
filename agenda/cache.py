"""A cache in front of the public schedule, so that polling clients cost almost nothing.

Two layers, both in the shared cache (Redis in production):

- the **state** of an edition: its status and the digest of its agenda (the fingerprint the
  ETag comes from), stored with the edition's *generation* (``config/generations.py``).
  Every service that writes what the schedule shows invalidates the edition (and the one
  a row moved away from) through ``config.generations.invalidate``, so a state computed
  from data read before a write is never used after it. States also expire after
  ``STATE_TTL``, a safety net rather than the mechanism.
- the rendered **body** of a schedule response per query string, stored with the
  generation and the validators it was rendered under, and used only while the generation
  is current. A request served from the cache costs one round trip (``cached_response``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from config import generations
from courses.models import Edition

from . import selectors

STATE_TTL = 300
LOCAL_SECONDS = 1.0
_LOCAL_MAX = 1000
# (slug, variant) -> (trusted until, this process's epoch of the edition, body): this
# process's copies of shared entries. A write made by this process moves the epoch
# (config.generations.local_epoch), so it is seen at once.
_local: dict[tuple[str, str], tuple[float, int, CachedBody]] = {}


@dataclass(frozen=True)
class EditionState:
    pk: int
    slug: str
    public: bool
    digest: str
    last_modified: dt.datetime
    generation: str | None  # None: computed while the cache was down


def _state_key(slug: str) -> str:
    return f"agenda:state:{slug}"


def _generation_key(slug: str) -> str:
    return generations.edition_scope(slug)


def edition_state(*, slug: str, last_modified_for) -> tuple[EditionState | None, Edition | None]:
    """The cached state of edition ``slug`` (None if there is no such edition), and the
    edition itself when it had to be read from the database.

    ``last_modified_for(edition, fingerprint)`` gives the Last-Modified to remember with a
    newly computed state. One cache round trip when the state is current.
    """
    fetched = generations.fetch(keys=[_state_key(slug)], generations=[_generation_key(slug)])
    found, tokens = fetched or ({}, {})
    generation = tokens.get(_generation_key(slug))
    state = found.get(_state_key(slug))
    if state is not None and state.generation == generation:
        return state, None
    edition = Edition.objects.select_related("course").filter(slug=slug).first()
    if edition is None:
        return None, None
    fingerprint = selectors.edition_agenda_fingerprint(edition=edition)
    state = EditionState(
        pk=edition.pk,
        slug=edition.slug,
        public=edition.is_public,
        digest=fingerprint.digest,
        last_modified=last_modified_for(edition, fingerprint),
        generation=generation,
    )
    if generation is not None:
        generations.store(_state_key(slug), state, STATE_TTL)
    return state, edition


@dataclass(frozen=True)
class CachedBody:
    generation: str | None
    digest: str
    last_modified: dt.datetime
    body: bytes


def _body_key(slug: str, variant: str) -> str:
    # Hashed: a variant carries client input, whose length must not reach the cache key.
    return f"agenda:body:{slug}:{hashlib.sha256(variant.encode()).hexdigest()[:32]}"


def cached_response(*, slug: str, variant: str) -> CachedBody | None:
    """The body rendered for ``variant`` if nothing changed since.

    A process trusts what it read from the shared cache for ``LOCAL_SECONDS``: most hits
    cost no round trip at all. A write made by this process is seen at once (its
    invalidation moves the local epoch); other processes see it within ``LOCAL_SECONDS``.
    """
    now = time.monotonic()
    key, generation = _body_key(slug, variant), _generation_key(slug)
    epoch = generations.local_epoch(generation)
    local = _local.get((slug, variant))
    if local is not None and local[0] > now and local[1] == epoch:
        return local[2]
    found, tokens = generations.fetch(keys=[key], generations=[generation]) or ({}, {})
    cached = found.get(key)
    if cached is None or cached.generation != tokens.get(generation):
        return None
    if len(_local) >= _LOCAL_MAX:
        _local.clear()
    _local[(slug, variant)] = (now + LOCAL_SECONDS, epoch, cached)
    return cached


def body_set(*, state: EditionState, variant: str, body: bytes) -> None:
    """Remember a public body (only public editions: the same for every viewer)."""
    copy_set(
        slug=state.slug,
        variant=variant,
        body=CachedBody(state.generation, state.digest, state.last_modified, body),
    )


def generation_token(slug: str) -> str | None:
    """The current token of edition ``slug``'s generation, to store a copy under: read
    *before* what the copy is computed from (None when the cache is down). One round trip."""
    fetched = generations.fetch(keys=[], generations=[_generation_key(slug)])
    return None if fetched is None else fetched[1].get(_generation_key(slug))


def copy_set(*, slug: str, variant: str, body: CachedBody) -> None:
    """Remember ``body`` for ``variant`` of a public edition until its generation moves."""
    if body.generation is None:  # computed while the cache was down
        return
    generations.store(_body_key(slug, variant), body, STATE_TTL)
