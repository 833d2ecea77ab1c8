"""The planner's answers kept in the shared cache, so that a student's app polling
``GET /api/v1/me/planner/`` costs a few indexed reads instead of the whole computation.

A copy is one student's page of planner entries, as serialized, for one variant of the request
(host and scheme, for the absolute URLs; language; query string). It is used only while:

- the generation of every edition on the page and of every group the student is in on those
  editions is the one it was computed under (``config.generations.cached``). Writes name what
  they changed: agenda and assignments invalidate the edition; hand-ins, extensions, members
  and grades (``grading.services.grades``) invalidate the group. The editions and groups are
  part of the key, so joining another group reads another copy;
- the clock has not reached the first moment at which the same data would answer otherwise
  (``valid_until``): an ``open`` assignment's deadline, when it becomes ``missed``, and the
  next local midnight of each edition, when the list of upcoming lectures moves on;
- it is younger than ``TTL``, a safety net rather than the mechanism.

The editions on the page and the student's groups are read from the database on every
request (two small queries): enrolment is never served from the cache. When the cache is
down, every request computes its answer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import User
from config import generations
from courses.models import Edition

from . import planner
from .planner import OPEN, PlannerEdition

TTL = 300


def page(
    *,
    user: User,
    editions: list[Edition],
    variant: str,
    render: Callable[[list[PlannerEdition]], Any],
    now: dt.datetime,
) -> Any:
    """``render(planner of user for editions)``, from the cache while nothing it was
    computed from has changed. Two queries and one cache round trip on a hit."""
    groups = planner.groups_of(user=user, editions=editions)
    slugs = [e.slug for e in editions]
    group_ids = sorted(groups.values())

    def compute() -> tuple[Any, dt.datetime | None]:
        planned = planner.planner_for_student(user=user, editions=editions, now=now, groups=groups)
        return render(planned), valid_until(planned=planned, now=now)

    # Hashed: the variant carries client input, whose length must not reach the cache key.
    named = repr((variant, slugs, group_ids)).encode()
    data, _ = generations.cached(
        key=f"planner:{user.pk}:{hashlib.sha256(named).hexdigest()[:32]}",
        watched=[generations.edition_scope(s) for s in slugs]
        + [generations.group_scope(g) for g in group_ids],
        compute=compute,
        timeout=TTL,
        now=now,
        until=itemgetter(1),
    )
    return data


def valid_until(*, planned: list[PlannerEdition], now: dt.datetime) -> dt.datetime | None:
    """The first moment at which ``planned`` would be computed differently from the same
    data: an open assignment's deadline, or an edition's next local midnight (None: none)."""
    moments: list[dt.datetime] = []
    for entry in planned:
        zone = ZoneInfo(entry.edition.timezone)
        tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
        moments.append(dt.datetime.combine(tomorrow, dt.time.min, tzinfo=zone))
        moments.extend(
            item.deadline for item in entry.items if item.status == OPEN and item.deadline > now
        )
    return min(moments, default=None)
