"""A cache of each group's standing in an edition, so that a reloaded dashboard costs little;
and of each personal calendar feed, which calendar apps poll (``personal_feed``).

What a dashboard shows of a group — its name and members, and for every assignment of the
edition the group's effective deadline, latest version and proposal decision — changes only
when someone writes: a hand-in, an extension, a review, a member joining or leaving, a
renamed student, an edited assignment or edition. So it is kept in the shared cache under
two generations (``config/generations.py``): the edition's and the group's, which the
services that make those writes invalidate (docs/decisions/0007-caching.md). Snapshots also
expire after ``SNAPSHOT_TTL``, a safety net rather than the mechanism.

What depends on the clock (is a deadline still ahead, how long is left) is not cached:
``selectors.StatusRow`` computes it when the page is rendered. Who may see a snapshot is
not cached either: the caller checks the membership and reads the viewer's group from the
database on every request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from config import generations

SNAPSHOT_TTL = 300

T = TypeVar("T")


def _snapshot_key(edition_id: int, group_id: int | None, shape: str) -> str:
    return f"submissions:group-standing:{shape}:{edition_id}:{group_id or 0}"


def group_standing(
    *,
    edition_id: int,
    edition_slug: str,
    group_id: int | None,
    shape: str,
    compute: Callable[[], T],
) -> T:
    """``compute()``'s value for this edition and group, from the cache while nothing it
    depends on has changed. One cache round trip on a hit.

    ``shape`` names the value's structure (its classes' fields): part of the key, so that a
    release whose value has another shape never reads what an older one stored.
    """
    watched = [generations.edition_scope(edition_slug)]
    if group_id is not None:
        watched.append(generations.group_scope(group_id))
    return generations.cached(
        key=_snapshot_key(edition_id, group_id, shape),
        watched=watched,
        compute=compute,
        timeout=SNAPSHOT_TTL,
    )


@dataclass(frozen=True)
class FeedCopy:
    body: bytes
    etag: str
    last_modified: float  # a timestamp


def personal_feed(
    *, key_parts: tuple, editions: list[str], groups: list[int], compute: Callable[[], FeedCopy]
) -> FeedCopy:
    """A personal calendar feed, from the cache while the editions and groups it shows
    have not changed. One cache round trip on a hit.

    ``key_parts`` names the feed and everything the caller read that decides which scopes
    it watches (the user's editions and groups), so a user who joins or leaves one gets
    another key; ``editions`` (slugs) and ``groups`` (ids) are those scopes.
    """
    key = "submissions:personal-feed:" + hashlib.sha256(repr(key_parts).encode()).hexdigest()
    watched = [generations.edition_scope(s) for s in editions]
    watched += [generations.group_scope(g) for g in groups]
    return generations.cached(key=key, watched=watched, compute=compute, timeout=SNAPSHOT_TTL)
