"""Writes on assignments, and on whole editions where assignments follow: an edition's own
fields (a new time zone moves every deadline) and cloning an edition into a new term. They
live here because they touch ``courses`` rows and this app's, and ``courses`` never imports
a higher app (docs/decisions/0001-layers.md); ``agenda``, ``demo`` and the admin call them.

An assignment's deadline instant is derived from its local date and time and the edition's
zone when read (docs/decisions/0008-derived-values.md): nothing here recomputes it. What is
stored and follows deadlines — the closing bookkeeping (``closed_at``) and the apps above
that compute from deadlines (``signals.assignments_changed``) — is kept here.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.db.models import Min, Model
from django.utils import timezone

from courses import timeutils
from courses.models import (
    STAFF_ROLES,
    Edition,
    EditionInfo,
    EditionSection,
    Event,
    EventLink,
    Lecture,
    LectureLink,
    Membership,
    PreviousEdition,
)
from courses.services import content_delete, content_save

from .models import Assignment, Paper
from .prose_dates import shift_prose_dates
from .signals import assignments_changed

_M = TypeVar("_M", bound=Model)

# What an assignment's deadline follows: a change re-opens the closing bookkeeping.
_DEADLINE_FIELDS = ("due_date", "due_time", "grace_minutes", "edition_id")


def _announce(*edition_ids: int) -> None:
    assignments_changed.send(sender=Assignment, edition_ids=sorted(set(edition_ids)))


@transaction.atomic
def assignment_save(*, assignment: Assignment) -> Assignment:
    """Create or edit an assignment (the admin, an import). A moved deadline re-opens the
    closing bookkeeping; the cached pages of its edition (and of the one it left) are
    invalidated, and the apps above are told (grading recomputes final grades)."""
    before = (
        Assignment.objects.filter(pk=assignment.pk).values(*_DEADLINE_FIELDS).first()
        if assignment.pk is not None
        else None
    )
    if before is not None and any(
        before[name] != getattr(assignment, name) for name in _DEADLINE_FIELDS
    ):
        assignment.closed_at = None
    content_save(instance=assignment)
    _announce(assignment.edition_id, *([before["edition_id"]] if before else []))
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: Assignment) -> None:
    """Delete an assignment with its papers (refused by the database once work is handed in)."""
    edition_id = assignment.edition_id
    content_delete(instance=assignment)
    _announce(edition_id)


@transaction.atomic
def edition_update(*, edition: Edition) -> Edition:
    """Save an edition's own fields as staff edit them (the admin).

    Deadlines are local times in the edition's zone, so a new time zone moves every one of
    them: it is refused, naming each, when a deadline's local time does not exist in the new
    zone (02:30 on the spring DST change); otherwise the closing bookkeeping starts over and
    the apps above are told. A new slug invalidates the cached pages under the old one too.
    """
    before = Edition.objects.select_for_update().get(pk=edition.pk)
    if before.timezone != edition.timezone:
        if not timeutils.is_valid_zone(edition.timezone):
            raise ValidationError({"timezone": f"Unknown time zone {edition.timezone!r}."})
        problems = []
        for assignment in Assignment.objects.filter(edition=edition):
            try:
                timeutils.localize(assignment.due_date, assignment.due_time, edition.timezone)
            except timeutils.NonexistentLocalTime as exc:
                problems.append(f"{assignment.title}: {exc}.")
        if problems:
            raise ValidationError({"timezone": problems})
        Assignment.objects.filter(edition=edition).update(closed_at=None)
        _announce(edition.pk)
    return content_save(instance=edition)


def edition_first_agenda_date(*, edition: Edition) -> dt.date | None:
    """The earliest date on the agenda of ``edition`` (lectures, events, deadlines)."""
    dates = [
        Lecture.objects.filter(edition=edition, archived=False).aggregate(d=Min("date"))["d"],
        Event.objects.filter(edition=edition).aggregate(d=Min("date"))["d"],
        Assignment.objects.filter(edition=edition).aggregate(d=Min("due_date"))["d"],
    ]
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


_ACADEMIC_YEAR = re.compile(r"^(\d{4})([-/])(\d{4})$")


def _shift_academic_year(academic_year: str, years: int) -> str:
    match = _ACADEMIC_YEAR.match(academic_year)
    if not match or years == 0:
        return academic_year
    first, sep, second = match.groups()
    return f"{int(first) + years}{sep}{int(second) + years}"


def _copy(obj: _M, **changes: Any) -> _M:
    """An unsaved copy of model instance ``obj`` with ``changes`` applied."""
    values = {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and f.attname not in changes
    }
    return type(obj)(**values, **changes)


@transaction.atomic
def edition_clone(
    *, source: Edition, new_slug: str, start: dt.date, term: str | None = None
) -> Edition:
    """A draft copy of ``source`` for a new term whose agenda starts in the week of ``start``.

    Every date moves by the same whole number of weeks (the weeks between the source's
    first agenda date and ``start``, rounded), so lectures keep their weekday. Deadlines and
    other times keep their local wall-clock time in the edition's zone, across DST changes.
    Staff memberships are copied; students, groups and submissions are not. The clone gets
    a new enrolment code.
    """
    try:
        validate_slug(new_slug)
    except ValidationError as exc:
        raise ValidationError({"new_slug": exc.messages}) from exc
    taken = ValidationError({"new_slug": f"An edition with the slug {new_slug!r} already exists."})
    if Edition.objects.filter(slug=new_slug).exists():
        raise taken

    first = edition_first_agenda_date(edition=source)
    weeks = timeutils.weeks_between(first, start) if first else 0
    days = weeks * 7
    tz = source.timezone

    def shift_date(day: dt.date | None) -> dt.date | None:
        return timeutils.shift_date_by_weeks(day, weeks) if day else None

    def shift_moment(moment: dt.datetime | None) -> dt.datetime | None:
        if moment is None:
            return None
        try:
            return timeutils.shift_wall_clock(moment, tz, days=days)
        except timeutils.NonexistentLocalTime as exc:
            raise ValidationError(f"Cannot move {moment:%Y-%m-%d %H:%M}: {exc}.") from exc

    new_term = term or source.term
    intro, schedule_text = source.intro, source.schedule_text
    if term and term != source.term:
        # "Lectures for INFO8010, Spring 2023." should not survive into Spring 2027.
        intro = intro.replace(source.term, term)
        schedule_text = schedule_text.replace(source.term, term)
    years = round(days / 365.25)
    # Dates in the prose move with the agenda ("submitted by May 19" → the clone's date).
    prose_year = first.year if first else timezone.localdate().year

    def prose(text: str) -> str:
        return shift_prose_dates(text, days=days, default_year=prose_year)

    intro, schedule_text = prose(intro), prose(schedule_text)

    edition = _copy(
        source,
        slug=new_slug,
        term=new_term,
        academic_year=_shift_academic_year(source.academic_year, years),
        intro=intro,
        schedule_text=schedule_text,
        status=Edition.Status.DRAFT,
        enrolment_code=Edition._meta.get_field("enrolment_code").get_default(),
        groups_lock_at=shift_moment(source.groups_lock_at),
    )
    try:
        with transaction.atomic():
            edition.save()
    except IntegrityError as exc:  # the slug was taken concurrently
        raise taken from exc

    Membership.objects.bulk_create(
        _copy(m, edition_id=edition.pk)
        for m in source.memberships.filter(role__in=STAFF_ROLES).order_by("position", "id")
    )
    EditionInfo.objects.bulk_create(
        _copy(x, edition_id=edition.pk, value=prose(x.value)) for x in source.infos.all()
    )
    EditionSection.objects.bulk_create(
        _copy(x, edition_id=edition.pk, body=prose(x.body)) for x in source.sections.all()
    )
    PreviousEdition.objects.bulk_create(
        _copy(x, edition_id=edition.pk) for x in source.previous_editions.all()
    )

    lectures = list(source.lectures.prefetch_related("links").order_by("pk"))
    clones = Lecture.objects.bulk_create(
        _copy(x, edition_id=edition.pk, date=shift_date(x.date), sequence=0) for x in lectures
    )
    LectureLink.objects.bulk_create(
        _copy(link, lecture_id=clone.pk)
        for old, clone in zip(lectures, clones, strict=True)
        for link in old.links.all()
    )

    events = list(source.events.prefetch_related("links").order_by("pk"))
    event_clones = Event.objects.bulk_create(
        _copy(x, edition_id=edition.pk, date=shift_date(x.date), sequence=0) for x in events
    )
    EventLink.objects.bulk_create(
        _copy(link, event_id=clone.pk)
        for old, clone in zip(events, event_clones, strict=True)
        for link in old.links.all()
    )

    for old in source.assignments.prefetch_related("papers").order_by("pk"):
        # Saved one by one, each with its papers; due_at follows from the local date and time.
        clone = _copy(
            old,
            edition_id=edition.pk,
            due_date=shift_date(old.due_date),
            opens_at=shift_moment(old.opens_at),
            summary=prose(old.summary),
            description=prose(old.description),
            sequence=0,
        )
        clone.edition = edition
        # Bookkeeping of the source's term starts afresh (submissions closes assignments).
        if hasattr(clone, "closed_at"):
            clone.closed_at = None
        try:
            clone.clean()  # a due time in a DST gap on the new date (02:30 in March)
        except ValidationError as exc:
            raise ValidationError(f"{old.title}: {'; '.join(exc.messages)}") from exc
        clone.save()
        Paper.objects.bulk_create(_copy(p, assignment_id=clone.pk) for p in old.papers.all())
    return edition
