"""The iCalendar feed of an edition's schedule: ``/editions/<slug>/calendar.ics``.

Same visibility as the web page and the API (drafts: their staff only, 404 otherwise), same
conditional GET, same anonymous throttle. The mapping from schedule items to calendar entries
is pure; ``courses.ical`` writes the RFC 5545 text.

- Lectures (and the syllabus) last ``Edition.lecture_minutes`` from the edition's meeting time.
- Events start at their own time (else the meeting time) and last as long as a lecture.
- Deadlines are instants: DTSTART at the due time and DTEND equal to it (an event of zero
  length). Without DTEND, RFC 5545 §3.6.1 says the same thing, but several calendar apps then
  show a timed event over a day, or over two when the deadline is 23:59. Marked TRANSPARENT
  so they do not block the day in free/busy.
- An item with no time (the edition has no meeting time) is an all-day entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from courses import permissions
from courses.ical import CalendarEntry, build_calendar
from courses.models import Edition

from . import cache as agenda_cache
from . import conditional, page_cache, selectors
from .selectors import KIND_DEADLINE, KIND_EVENT, KIND_LECTURE, ScheduleItem

CONTENT_TYPE = "text/calendar; charset=utf-8"
VARIANT = "calendar.ics"


def calendar_uid(*, item: ScheduleItem, edition: Edition) -> str:
    """Stable across regenerations and edits: built from the item's own id, not its position."""
    return f"{item.uid}@{edition.slug}.lectern"


def _summary(item: ScheduleItem) -> str:
    if item.kind == KIND_LECTURE and item.number is not None:
        summary = f"Lecture {item.number}: {item.title}"
    elif item.kind == KIND_EVENT and item.label:
        summary = f"{item.label}: {item.title}"
    else:
        summary = item.title
    if item.kind == KIND_EVENT and item.speaker:
        summary = f"{summary} ({item.speaker})"
    return f"{summary} {item.note}" if item.note else summary


def _description(item: ScheduleItem) -> str:
    lines = []
    if item.speaker:
        lines.append(f"Speaker: {item.speaker}")
    lines += [f"{link.label}: {link.url}" for link in item.links]
    return "\n".join(lines)


def calendar_entries(
    *, edition: Edition, items: Iterable[ScheduleItem], page_url: str = ""
) -> list[CalendarEntry]:
    """The calendar entries of ``items`` (from ``schedule_for_edition``). No query."""
    length = dt.timedelta(minutes=edition.lecture_minutes)
    entries = []
    for item in items:
        deadline = item.kind == KIND_DEADLINE
        moment = item.due_at if deadline else item.starts_at
        start: dt.datetime | dt.date
        end: dt.datetime | dt.date | None
        if moment is None:
            start, end = item.date, item.date + dt.timedelta(days=1)
        else:
            start, end = moment, moment if deadline else moment + length
        entries.append(
            CalendarEntry(
                uid=calendar_uid(item=item, edition=edition),
                summary=_summary(item),
                start=start,
                end=end,
                description=_description(item),
                location="" if deadline else edition.meeting_room,
                url=page_url,
                categories=(item.kind.capitalize(),),
                sequence=item.sequence,
                last_modified=item.updated_at,
                transparent=deadline,
                cancelled=item.cancelled,
            )
        )
    return entries


def _throttled(request: HttpRequest) -> HttpResponse | None:
    """The API's throttles (anonymous clients by IP address) applied to the feed."""
    classes = cast(list[type[BaseThrottle]], api_settings.DEFAULT_THROTTLE_CLASSES)
    for throttle in (cls() for cls in classes):
        # Throttles read the client address and the user, which a Django request has too.
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            response = HttpResponse(
                "Too many requests.\n", status=429, content_type="text/plain; charset=utf-8"
            )
            if (wait := throttle.wait()) is not None:
                response.headers["Retry-After"] = str(max(1, round(wait)))
            return response
    return None


@require_safe
def edition_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    anonymous = page_cache.plain_anonymous_get(request, query_matters=False)
    if anonymous:
        # No session cookie and no Authorization header: nobody is signed in. Saying so
        # spares the throttle a lazy session lookup.
        request.user = AnonymousUser()
    if (response := _throttled(request)) is not None:
        return response
    if anonymous and (response := _anonymous_calendar(request, slug)) is not None:
        return response
    edition = permissions.edition_get_visible(slug=slug, user=request.user)
    private = request.user.is_authenticated
    validators = conditional.validators_for(
        scope=f"edition-{edition.pk}",
        fingerprint=selectors.edition_agenda_fingerprint(edition=edition),
        variant=VARIANT,
    )
    if response := conditional.not_modified_response(request, validators, private=private):
        return response
    return _calendar_response(
        _calendar_body(request, edition, validators), edition.slug, validators, private=private
    )


def _anonymous_calendar(request: HttpRequest, slug: str) -> HttpResponse | None:
    """A public edition's feed for a client without credentials, from the shared copy
    (one cache round trip at most, no query) — the schedule's cache and validators. None
    when the edition is not public (the general path answers)."""
    # The feed holds absolute links to the course page: one copy per scheme and host.
    variant = f"{VARIANT}:{request.scheme}://{request.get_host()}"
    cached = agenda_cache.cached_response(slug=slug, variant=variant)
    if cached is not None:
        validators = conditional.validators_known(
            digest=cached.digest, last_modified=cached.last_modified, variant=VARIANT
        )
        if response := conditional.not_modified_response(request, validators, private=False):
            return response
        return _calendar_response(cached.body, slug, validators, private=False)
    state, edition = agenda_cache.edition_state(
        slug=slug,
        last_modified_for=lambda edition, fp: conditional.last_modified_for(
            scope=f"edition-{edition.pk}", fingerprint=fp
        ),
    )
    if state is None or not state.public:
        return None
    validators = conditional.validators_known(
        digest=state.digest, last_modified=state.last_modified, variant=VARIANT
    )
    if response := conditional.not_modified_response(request, validators, private=False):
        return response
    if edition is None:  # the state came from the cache
        edition = permissions.edition_get_visible(slug=slug, user=AnonymousUser())
    body = _calendar_body(request, edition, validators)
    agenda_cache.body_set(state=state, variant=variant, body=body)
    return _calendar_response(body, slug, validators, private=False)


def _calendar_body(
    request: HttpRequest, edition: Edition, validators: conditional.Validators
) -> bytes:
    items = selectors.schedule_for_edition(edition=edition)
    course = edition.course
    return build_calendar(
        name=f"{course.code} {course.title} – {edition.term}",
        description=f"Lectures, deadlines and events of {course.code} {course.title}, "
        f"{edition.term}.",
        tz_name=edition.timezone,
        entries=calendar_entries(
            edition=edition,
            items=items,
            page_url=request.build_absolute_uri(
                reverse("agenda:edition", kwargs={"slug": edition.slug})
            ),
        ),
        generated_at=validators.last_modified,
    )


def _calendar_response(
    body: bytes, slug: str, validators: conditional.Validators, *, private: bool
) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{slug}.ics"'
    return conditional.stamp(response, validators, private=private)
