"""The planner's answers kept in the shared cache, so that a student's app polling
``GET /api/v1/me/planner/`` costs a few indexed reads instead of the whole computation.

A copy is one student's page of planner entries, as serialized, for one variant of the request
(host and scheme, for the absolute URLs; language; query string). It is used only while:

- the generation of every edition on the page and of every group the student is in on those
  editions is the one it was computed under (``config.generations``). Writes name what they
  changed: agenda and assignments invalidate the edition; hand-ins, extensions, members and
  grades (``grading.services.grades``) invalidate the group. Joining another group changes
  the list of scopes itself, which a copy is compared with too;
- the clock has not reached the first moment at which the same data would answer otherwise
  (``valid_until``): an ``open`` assignment's deadline, when it becomes ``missed``, and the
  next local midnight of each edition, when the list of upcoming lectures moves on;
- it is younger than ``TTL``, a safety net rather than the mechanism.

The editions on the page and the student's groups are read from the database on every
request (two small queries): enrolment is never served from the cache. When the cache is
down, every request computes its answer (``generations.fetch`` answers ``None``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from config import generations

from .planner import OPEN, PlannerEdition

TTL = 300


@dataclass(frozen=True)
class CachedPlanner:
    scopes: tuple[str, ...]
    tokens: tuple[str | None, ...]
    valid_until: dt.datetime
    data: Any


@dataclass(frozen=True)
class Lookup:
    """What ``lookup`` found: the copy's data if usable, and what a new copy is stored with."""

    data: Any
    key: str
    scopes: tuple[str, ...]
    tokens: tuple[str | None, ...] | None  # None: the cache is down, store nothing


def _key(user_id: int, variant: str) -> str:
    # Hashed: the variant carries client input, whose length must not reach the cache key.
    return f"planner:{user_id}:{hashlib.sha256(variant.encode()).hexdigest()[:32]}"


def lookup(
    *, user_id: int, variant: str, edition_slugs: list[str], group_ids: list[int], now: dt.datetime
) -> Lookup:
    """The cached page for this request if nothing it was computed from has changed since.
    One cache round trip."""
    key = _key(user_id, variant)
    scopes = (
        *(generations.edition_scope(slug) for slug in edition_slugs),
        *(generations.group_scope(pk) for pk in sorted(group_ids)),
    )
    fetched = generations.fetch(keys=[key], generations=scopes)
    if fetched is None:
        return Lookup(data=None, key=key, scopes=scopes, tokens=None)
    found, current = fetched
    tokens = tuple(current.get(scope) for scope in scopes)
    cached = found.get(key)
    data = None
    if (
        isinstance(cached, CachedPlanner)
        and cached.scopes == scopes
        and cached.tokens == tokens
        and now < cached.valid_until
    ):
        data = cached.data
    return Lookup(data=data, key=key, scopes=scopes, tokens=tokens)


def store(*, found: Lookup, data: Any, valid_until: dt.datetime) -> None:
    """Remember ``data``, computed after ``found`` was looked up (so under its tokens)."""
    if found.tokens is None:
        return
    generations.store(
        found.key,
        CachedPlanner(scopes=found.scopes, tokens=found.tokens, valid_until=valid_until, data=data),
        TTL,
    )


def valid_until(*, planned: list[PlannerEdition], now: dt.datetime) -> dt.datetime:
    """The first moment at which ``planned`` would be computed differently from the same
    data: an open assignment's deadline, or an edition's next local midnight."""
    moments = [now + dt.timedelta(seconds=TTL)]
    for entry in planned:
        zone = ZoneInfo(entry.edition.timezone)
        tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
        moments.append(dt.datetime.combine(tomorrow, dt.time.min, tzinfo=zone))
        moments.extend(
            item.deadline for item in entry.items if item.status == OPEN and item.deadline > now
        )
    return min(moments)
