"""Reads that compose the agenda of an edition. Every function runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Max, Prefetch, QuerySet
from django.http import Http404

from assignments.models import Assignment
from courses import timeutils
from courses.models import Edition, Event, EventLink, Lecture, LectureLink

KIND_SYLLABUS = "syllabus"
KIND_LECTURE = "lecture"
KIND_DEADLINE = "deadline"
KIND_EVENT = "event"
SCHEDULE_KINDS = (KIND_SYLLABUS, KIND_LECTURE, KIND_DEADLINE, KIND_EVENT)


@dataclass(frozen=True)
class ScheduleLink:
    kind: str
    label: str
    url: str


@dataclass(frozen=True)
class ScheduleItem:
    """One row item of the agenda, whatever model it comes from."""

    uid: str  # stable across edits, unique per edition: "lecture-12", "assignment-3", …
    date: dt.date
    position: int
    kind: str
    title: str
    number: int | None = None
    note: str = ""
    label: str = ""  # events: "Tutorial"; deadlines: "Deadline for"
    speaker: str = ""
    starts_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    links: tuple[ScheduleLink, ...] = field(default_factory=tuple)
    assignment_id: int | None = None
    sequence: int = 0
    updated_at: dt.datetime | None = None
    obj: object = field(default=None, compare=False, repr=False)

    @property
    def sort_key(self):
        return (self.date, self.position, SCHEDULE_KINDS.index(self.kind), self.uid)


def edition_get_visible(*, slug: str, user) -> Edition:
    """The edition ``slug`` if ``user`` may see it (published/archived, or staff of a draft); 404."""
    edition = (
        Edition.objects.visible_to(user).select_related("course").filter(slug=slug).first()
    )
    if edition is None:
        raise Http404("No such edition.")
    return edition


def edition_list_visible(*, user) -> QuerySet[Edition]:
    return Edition.objects.visible_to(user).select_related("course").order_by(
        "course__code", "-slug"
    )


def _links(objs: Iterable) -> tuple[ScheduleLink, ...]:
    return tuple(ScheduleLink(kind=x.kind, label=x.display_label, url=x.url) for x in objs)


def _lecture_items(edition: Edition, lectures: Iterable[Lecture]) -> list[ScheduleItem]:
    items = []
    for lecture in lectures:
        starts_at = None
        if edition.meeting_time is not None:
            starts_at = timeutils.localize(lecture.date, edition.meeting_time, edition.timezone)
        items.append(
            ScheduleItem(
                uid=f"lecture-{lecture.pk}",
                date=lecture.date,
                position=lecture.position,
                kind=KIND_SYLLABUS if lecture.kind == Lecture.Kind.SYLLABUS else KIND_LECTURE,
                title=lecture.title,
                number=lecture.number,
                note=lecture.note,
                starts_at=starts_at,
                links=_links(lecture.links.all()),
                sequence=lecture.sequence,
                updated_at=lecture.updated_at,
                obj=lecture,
            )
        )
    return items


def _event_items(edition: Edition, events: Iterable[Event]) -> list[ScheduleItem]:
    items = []
    for event in events:
        at = event.starts_at_time or edition.meeting_time
        starts_at = timeutils.localize(event.date, at, edition.timezone) if at else None
        items.append(
            ScheduleItem(
                uid=f"event-{event.pk}",
                date=event.date,
                position=event.position,
                kind=KIND_EVENT,
                title=event.title,
                label=event.label,
                speaker=event.speaker,
                starts_at=starts_at,
                links=_links(event.links.all()),
                sequence=event.sequence,
                updated_at=event.updated_at,
                obj=event,
            )
        )
    return items


def _deadline_items(edition: Edition, assignments: Iterable[Assignment]) -> list[ScheduleItem]:
    return [
        ScheduleItem(
            uid=f"assignment-{a.pk}",
            date=a.due_date,
            position=a.position,
            kind=KIND_DEADLINE,
            title=a.deadline_label,
            label="Deadline for",
            due_at=timeutils.to_local(a.due_at, edition.timezone),
            links=(ScheduleLink(kind="other", label="Handout", url=a.handout_url),)
            if a.handout_url
            else (),
            assignment_id=a.pk,
            sequence=a.sequence,
            updated_at=a.updated_at,
            obj=a,
        )
        for a in assignments
    ]


def schedule_for_edition(
    *,
    edition: Edition,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kinds: Iterable[str] | None = None,
) -> list[ScheduleItem]:
    """Dated agenda items of ``edition`` sorted by date, then order of appearance.

    Runs at most five queries (lectures, their links, events, their links, assignments)
    whatever the size of the agenda. Archived lectures and undated rows are not included.
    """
    wanted = set(kinds) if kinds else set(SCHEDULE_KINDS)

    def _dated(qs):
        qs = qs.filter(edition=edition, date__isnull=False)
        if date_from:
            qs = qs.filter(date__gte=date_from)
        if date_to:
            qs = qs.filter(date__lte=date_to)
        return qs

    items: list[ScheduleItem] = []
    lecture_kinds = set()
    if KIND_SYLLABUS in wanted:
        lecture_kinds.add(Lecture.Kind.SYLLABUS)
    if KIND_LECTURE in wanted:
        lecture_kinds.add(Lecture.Kind.LECTURE)
    if lecture_kinds:
        lectures = _dated(Lecture.objects.filter(archived=False, kind__in=lecture_kinds))
        lectures = lectures.prefetch_related(
            Prefetch("links", queryset=LectureLink.objects.order_by("position", "id"))
        )
        items += _lecture_items(edition, lectures)
    if KIND_EVENT in wanted:
        events = _dated(Event.objects.all()).prefetch_related(
            Prefetch("links", queryset=EventLink.objects.order_by("position", "id"))
        )
        items += _event_items(edition, events)
    if KIND_DEADLINE in wanted:
        assignments = Assignment.objects.filter(edition=edition)
        if date_from:
            assignments = assignments.filter(due_date__gte=date_from)
        if date_to:
            assignments = assignments.filter(due_date__lte=date_to)
        items += _deadline_items(edition, assignments)
    items.sort(key=lambda item: item.sort_key)
    return items


def archived_lectures_for_edition(*, edition: Edition) -> QuerySet[Lecture]:
    return (
        Lecture.objects.filter(edition=edition, archived=True)
        .prefetch_related(Prefetch("links", queryset=LectureLink.objects.order_by("position")))
        .order_by("position", "id")
    )


def undated_events_for_edition(*, edition: Edition) -> QuerySet[Event]:
    """Agenda rows without a date (e.g. "All lectures [PDF]"), shown after the dated rows."""
    return (
        Event.objects.filter(edition=edition, date__isnull=True)
        .prefetch_related(Prefetch("links", queryset=EventLink.objects.order_by("position")))
        .order_by("position", "id")
    )


def schedule_last_modified(*, edition: Edition) -> dt.datetime:
    """The latest change to anything on the edition's agenda (for Last-Modified / ETag)."""
    stamps = [edition.updated_at]
    for model in (Lecture, Event, Assignment):
        stamp = model.objects.filter(edition=edition).aggregate(m=Max("updated_at"))["m"]
        if stamp:
            stamps.append(stamp)
    return max(stamps)
