"""The personal calendar feed: the group's effective deadlines and whether each is handed in,
behind a secret, revocable URL (no session: calendar apps cannot log in)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from courses.ical import CalendarEntry, build_calendar

from . import selectors
from .models import CalendarFeedToken


@require_GET
def personal_calendar(request, token: str):
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token).first()
    if feed is None:
        raise Http404("Unknown or revoked calendar address.")
    user = feed.user
    entries = []
    zone = "UTC"
    for edition in selectors.student_editions(user=user):
        zone = edition.timezone
        group = selectors.group_of(user=user, edition=edition)
        for status in selectors.assignment_statuses(edition=edition, group=group):
            a = status.assignment
            state = (
                f"handed in (version {status.latest_version})"
                if status.handed_in
                else "not handed in"
            )
            entries.append(
                CalendarEntry(
                    uid=f"deadline-{a.pk}-user-{user.pk}@{edition.slug}.lectern",
                    # The course and the term: two editions' "Homework 1" stay apart.
                    summary=f"{'✓ ' if status.handed_in else ''}Deadline: {a.title} "
                    f"({edition.course.code} {edition.term})",
                    start=status.deadline,
                    description=f"{edition.course.code} {edition.term}, {a.title}: {state}."
                    + (" Extended for your group." if status.extended else ""),
                    categories=("deadline",),
                    sequence=a.sequence + status.versions + (1 if status.extended else 0),
                    transparent=True,
                )
            )
    body = build_calendar(
        name=f"Lectern — {user.email}",
        tz_name=zone,
        entries=entries,
        generated_at=timezone.now(),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
