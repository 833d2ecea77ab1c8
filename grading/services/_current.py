"""Knowing, without reading a single mark, that an edition's stored final grades are current.

After a recomputation the cache remembers (``remember``) the tokens of every generation the
final grades are computed from — the edition's (its assignments and deadlines), its marks'
(grades, individual marks, exam marks, the scheme: every grading service that changes one
queues a recomputation and invalidates them, ``_common.recompute_after_commit``) and each
of its groups' (hand-ins and the members they list, extensions, memberships) — with the
students and groups it found and the next deadline still to pass (an assignment not handed
in counts as missing once its deadline, extension and grace included, has passed). A later
recomputation whose tokens, students, groups and scheme are the same, before that deadline,
has nothing to do (``is_current``): two queries and one cache round trip instead of loading
every mark (docs/performance.md, "Grade recomputation").

Writes that bypass the services are not seen: the nightly job recomputes in full
(``force=True``), which also rewrites what such a write left stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.db import transaction

from config import generations
from courses.models import Edition
from submissions import deadlines
from submissions.models import Extension, StudentGroup

from .. import selectors
from ..models import SchemeComponent

TTL = 60 * 60 * 24


@dataclass(frozen=True)
class _Memo:
    tokens: tuple[str, ...]
    population: str
    since: dt.datetime  # the time the final grades were computed for
    horizon: dt.datetime | None  # the next deadline to pass; None: none left


@dataclass(frozen=True)
class Check:
    key: str
    tokens: tuple[str, ...] | None  # None: the cache is down
    population: str
    current: bool


def _key(edition_id: int) -> str:
    return f"grading:final-grades-current:{edition_id}"


def is_current(
    *, edition: Edition, students: list[int], scheme_key: str, now: dt.datetime
) -> Check:
    """Whether nothing the final grades of ``edition`` depend on changed since they were last
    computed (see the module doc). One query (the groups) and one cache round trip."""
    group_ids = list(
        StudentGroup.objects.filter(edition=edition).order_by("pk").values_list("pk", flat=True)
    )
    watched = [generations.edition_scope(edition.slug), generations.marks_scope(edition.pk)]
    watched += [generations.group_scope(pk) for pk in group_ids]
    population = hashlib.sha256(repr((scheme_key, students, group_ids)).encode()).hexdigest()
    key = _key(edition.pk)
    fetched = generations.fetch(keys=[key], generations=watched)
    if fetched is None:
        return Check(key, None, population, current=False)
    found, tokens = fetched
    current_tokens = tuple(tokens[g] for g in watched)
    memo = found.get(key)
    current = (
        isinstance(memo, _Memo)
        and memo.tokens == current_tokens
        and memo.population == population
        and memo.since <= now
        and (memo.horizon is None or now < memo.horizon)
    )
    return Check(key, current_tokens, population, current=current)


def remember(*, check: Check, loaded: selectors.LoadedScheme, now: dt.datetime) -> None:
    """Once the transaction commits, remember that the final grades are current as of the
    tokens ``check`` read (before the marks were). One query (the extensions)."""
    if check.tokens is None:
        return
    memo = _Memo(check.tokens, check.population, now, _next_deadline(loaded, now))
    transaction.on_commit(lambda: generations.store(check.key, memo, TTL), robust=True)


def _next_deadline(loaded: selectors.LoadedScheme, now: dt.datetime) -> dt.datetime | None:
    """The first effective deadline after ``now`` of the scheme's assignments, for any group
    (with or without its extension)."""
    assignments = {
        c.assignment_id: c.assignment
        for c in loaded.components
        if c.kind == SchemeComponent.Kind.ASSIGNMENT and c.assignment is not None
    }
    tz_name = loaded.edition.timezone
    shifts = {(pk, 0, 0) for pk in assignments}
    shifts.update(
        Extension.objects.filter(assignment_id__in=list(assignments))
        .values_list("assignment_id", "days", "hours")
        .order_by()
        .distinct()
    )
    future = [
        moment
        for pk, days, hours in shifts
        if (
            moment := deadlines.effective_deadline(
                due_at=assignments[pk].due_at,
                tz_name=tz_name,
                extension_days=days,
                extension_hours=hours,
                grace_minutes=assignments[pk].grace_minutes,
            )
        )
        > now
    ]
    return min(future, default=None)
