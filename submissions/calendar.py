"""The personal calendar feed: the group's effective deadlines and whether each is handed in,
behind a secret, revocable URL (no session: calendar apps cannot log in).

Built like the edition feed (``agenda.calendar``): deadlines are events of zero length
(DTEND = DTSTART) in the category ``Deadline``, with the assignment's page as URL. Every
DTSTAMP comes from the data (the assignment's last change, the group's last hand-in, its
extension), so the same data gives the same bytes: the ETag is the body's digest and
Last-Modified the newest of those instants, and a poll with either gets a 304.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.db.models import Max
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from config.links import absolute_for
from courses.ical import CalendarEntry, build_calendar

from . import cache, selectors
from .models import CalendarFeedToken, Extension, Submission

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
CATEGORY = "Deadline"  # the edition feed's category of deadlines
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@require_safe
def personal_calendar(request, token: str):
    # Secrets are URL-safe base64; anything else (a NUL byte, …) names no feed and is not
    # worth a query (PostgreSQL refuses NUL in a string).
    feed = None
    if _TOKEN.fullmatch(token):
        feed = CalendarFeedToken.objects.select_related("user").filter(token=token).first()
    if feed is None:
        raise Http404("Unknown or revoked calendar address.")
    # Read at every poll (a revoked address or a new group shows at once), the rest from the
    # copy kept under the generations of the user's editions and groups.
    scope = selectors.feed_scope(user=feed.user)
    copy = cache.personal_feed(
        key_parts=(feed.pk, feed.token, feed.user.email, request.scheme, request.get_host(), scope),
        editions=[slug for slug, _ in scope],
        groups=[group for _, group in scope if group is not None],
        compute=lambda: _feed_copy(request, feed),
    )
    response = get_conditional_response(
        request, etag=copy.etag, last_modified=int(copy.last_modified)
    )
    if response is None:
        response = HttpResponse(copy.body, content_type="text/calendar; charset=utf-8")
        response.headers["Content-Disposition"] = 'inline; filename="lectern.ics"'
    response.headers["ETag"] = copy.etag
    response.headers["Last-Modified"] = http_date(copy.last_modified)
    # Personal: never in a shared cache; a calendar app may keep it and revalidate.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _feed_copy(request, feed: CalendarFeedToken) -> cache.FeedCopy:
    user = feed.user
    editions = list(selectors.student_editions(user=user))
    several = len(editions) > 1
    entries = []
    zone = editions[0].timezone if editions else "UTC"
    for edition in editions:
        group = selectors.group_of(user=user, edition=edition)
        handed_in_at: dict[int, dt.datetime] = {}
        extended_at: dict[int, dt.datetime] = {}
        if group is not None:
            handed_in_at = dict(
                Submission.objects.filter(group=group, assignment__edition=edition)
                .values("assignment")
                .annotate(last=Max("submitted_at"))
                .values_list("assignment", "last")
                .order_by()
            )
            extended_at = dict(
                Extension.objects.filter(group=group, assignment__edition=edition).values_list(
                    "assignment", "granted_at"
                )
            )
        course = edition.course.code + (f" {edition.term}" if several else "")
        for status in selectors.assignment_statuses(edition=edition, group=group):
            a = status.assignment
            state = (
                f"handed in (version {status.latest_version})"
                if status.handed_in
                else "not handed in"
            )
            changed = max(
                [a.updated_at, handed_in_at.get(a.pk, _EPOCH), extended_at.get(a.pk, _EPOCH)]
            )
            entries.append(
                CalendarEntry(
                    uid=f"deadline-{a.pk}-user-{user.pk}@{edition.slug}.lectern",
                    summary=f"{'✓ ' if status.handed_in else ''}Deadline: {a.title} ({course})",
                    start=status.deadline,
                    end=status.deadline,
                    description=f"{a.title}: {state}."
                    + (" Extended for your group." if status.extended else ""),
                    url=absolute_for(request, reverse("submissions:assignment", args=[a.pk])),
                    categories=(CATEGORY,),
                    sequence=a.sequence + status.versions + (1 if status.extended else 0),
                    last_modified=changed,
                    transparent=True,
                )
            )
    last_modified = max(
        [feed.created_at, *(e.last_modified for e in entries if e.last_modified)]
    ).replace(microsecond=0)
    body = build_calendar(
        name=f"Lectern — {user.email}",
        tz_name=zone,
        entries=entries,
        generated_at=last_modified,
    )
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return cache.FeedCopy(body=body, etag=etag, last_modified=last_modified.timestamp())
