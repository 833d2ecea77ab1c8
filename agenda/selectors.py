"""Reads that compose the agenda of an edition. Every function runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any, TypeVar

from django.db.models import Count, F, Max, Prefetch, QuerySet, Sum

from assignments.models import Assignment, Paper
from courses import permissions, timeutils
from courses.models import (
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

M = TypeVar("M", Lecture, Event)

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
    cancelled: bool = False  # kept in the agenda, struck through; STATUS:CANCELLED in feeds
    obj: Lecture | Event | Assignment | None = field(default=None, compare=False, repr=False)

    @property
    def sort_key(self) -> tuple[dt.date, int, int, str]:
        return (self.date, self.position, SCHEDULE_KINDS.index(self.kind), self.uid)


def edition_list_visible(*, user: Any) -> QuerySet[Edition]:
    return (
        permissions.editions_visible_to(user)
        .select_related("course")
        .order_by("course__code", "-slug")
    )


def _links(objs: Iterable) -> tuple[ScheduleLink, ...]:
    return tuple(ScheduleLink(kind=x.kind, label=x.display_label, url=x.url) for x in objs)


def _lecture_items(edition: Edition, lectures: Iterable[Lecture]) -> list[ScheduleItem]:
    items = []
    for lecture in lectures:
        assert lecture.date is not None  # the schedule reads dated rows only
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
                cancelled=lecture.cancelled,
                obj=lecture,
            )
        )
    return items


def _event_items(edition: Edition, events: Iterable[Event]) -> list[ScheduleItem]:
    items = []
    for event in events:
        assert event.date is not None  # the schedule reads dated rows only
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
                cancelled=event.cancelled,
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

    def _dated(qs: QuerySet[M]) -> QuerySet[M]:
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
        assignments = Assignment.objects.filter(edition=edition).select_related("edition")
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


# --- Validators for conditional GET (ETag / Last-Modified) -------------------------------


@dataclass(frozen=True)
class Fingerprint:
    """What a conditional GET compares: an opaque digest and the latest known change."""

    digest: str
    last_modified: dt.datetime


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _stats(queryset: QuerySet, child: str) -> tuple:
    # A row count and an id sum change on every insert or delete; the newest updated_at
    # changes on every save. ``child`` rows (links, papers) have no updated_at, so their
    # count, id sum and newest id stand in: adding or deleting one is seen, editing one in
    # place is seen only through its parent's save (the admin inline saves the parent).
    return tuple(
        queryset.aggregate(
            n=Count("pk", distinct=True),
            ids=Sum("pk", distinct=True),
            last=Max("updated_at"),
            children=Count(child),
            child_ids=Sum(child),
            child_last=Max(child),
        ).values()
    )


def edition_agenda_fingerprint(*, edition: Edition) -> Fingerprint:
    """A digest of everything an edition's schedule, lectures and assignments show.

    Three aggregate queries whatever the size of the agenda (lectures + links, events +
    links, assignments + papers); it changes when any item is added, changed or deleted.
    The schedule itself is not built.
    """
    lectures = _stats(Lecture.objects.filter(edition=edition), "links__id")
    events = _stats(Event.objects.filter(edition=edition), "links__id")
    assignments = _stats(Assignment.objects.filter(edition=edition), "papers__id")
    stamps = [edition.updated_at] + [s[2] for s in (lectures, events, assignments) if s[2]]
    return Fingerprint(
        digest=_digest(edition.pk, edition.updated_at, lectures, events, assignments),
        last_modified=max(stamps),
    )


def edition_list_fingerprint(*, user: Any) -> Fingerprint:
    """A digest of the editions ``user`` may see, with their course codes and titles.

    One query. Courses have no ``updated_at``, so their code and title are part of the digest.
    """
    rows = list(
        edition_list_visible(user=user).values_list(
            "pk", "updated_at", "course__code", "course__title"
        )
    )
    stamps = [row[1] for row in rows]
    return Fingerprint(
        digest=_digest(rows),
        last_modified=max(stamps) if stamps else dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    )


def lecture_list_for_edition(*, edition: Edition) -> QuerySet[Lecture]:
    """Every lecture of ``edition`` (dated ones by date, then archived ones) with its links."""
    return (
        Lecture.objects.filter(edition=edition)
        .prefetch_related(
            Prefetch("links", queryset=LectureLink.objects.order_by("position", "id"))
        )
        .order_by(F("date").asc(nulls_last=True), "position", "id")
    )


def assignment_list_for_edition(*, edition: Edition) -> QuerySet[Assignment]:
    """The assignments of ``edition`` by deadline, with the papers of reading reports."""
    return (
        Assignment.objects.filter(edition=edition)
        .prefetch_related(Prefetch("papers", queryset=Paper.objects.order_by("position", "id")))
        .select_related("edition")
        .order_by("due_date", "due_time", "position", "id")
    )


# The public course page -----------------------------------------------------------------


@dataclass(frozen=True)
class AgendaEntry:
    """An agenda item as the course page writes it: "Lecture 2: [Title] [PDF] [video]"."""

    kind: str
    prefix: str  # "Lecture 2: ", "Tutorial: ", ""
    title: str
    title_url: str = ""  # the slides, linked on the title
    links: tuple[ScheduleLink, ...] = ()  # every other link, in order, shown in brackets
    note: str = ""
    speaker: str = ""
    due_at: dt.datetime | None = None
    hard_deadline: bool = False
    cancelled: bool = False  # struck through, "(Cancelled)"

    @property
    def name(self) -> str:
        """What the links are about, for link text that makes sense out of context."""
        return f"{self.prefix}{self.title}"


@dataclass(frozen=True)
class AgendaRow:
    date: dt.date | None  # None: an undated row, after the dated ones
    entries: tuple[AgendaEntry, ...]


@dataclass(frozen=True)
class ReadingAssignment:
    assignment: Assignment
    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class EditionPage:
    edition: Edition
    instructors: tuple[Membership, ...]
    teaching_assistants: tuple[Membership, ...]
    infos: tuple[EditionInfo, ...]
    agenda: tuple[AgendaRow, ...]
    sections: tuple[EditionSection, ...]
    homeworks: tuple[Assignment, ...]
    readings: tuple[ReadingAssignment, ...]
    previous_editions: tuple[PreviousEdition, ...]

    @property
    def section_kinds(self) -> set[str]:
        return {section.kind for section in self.sections}


@dataclass(frozen=True)
class ArchivesPage:
    edition: Edition
    lectures: tuple[AgendaEntry, ...]
    previous_editions: tuple[PreviousEdition, ...]


def _lecture_entry(
    *, kind: str, number: int | None, title: str, note: str, links: Iterable[ScheduleLink]
) -> AgendaEntry:
    links = tuple(links)
    slides = next((x for x in links if x.kind == LectureLink.Kind.SLIDES), None)
    return AgendaEntry(
        kind=kind,
        prefix=f"Lecture {number}: " if number is not None else "",
        title=title,
        title_url=slides.url if slides else "",
        links=tuple(x for x in links if x is not slides),
        note=note,
    )


def _event_entry(
    *, label: str, title: str, speaker: str, links: Iterable[ScheduleLink]
) -> AgendaEntry:
    return AgendaEntry(
        kind=KIND_EVENT,
        prefix=f"{label}: " if label else "",
        title=title,
        links=tuple(links),
        speaker=speaker,
    )


def _agenda_entry(item: ScheduleItem) -> AgendaEntry:
    if item.kind in (KIND_SYLLABUS, KIND_LECTURE):
        entry = _lecture_entry(
            kind=item.kind, number=item.number, title=item.title, note=item.note, links=item.links
        )
        return replace(entry, cancelled=item.cancelled)
    if item.kind == KIND_EVENT:
        entry = _event_entry(
            label=item.label, title=item.title, speaker=item.speaker, links=item.links
        )
        return replace(entry, cancelled=item.cancelled)
    return AgendaEntry(
        kind=item.kind,
        prefix="",
        title=item.title,
        links=item.links,
        due_at=item.due_at,
        hard_deadline=getattr(item.obj, "hard_deadline", False),
    )


def _agenda_rows(*, edition: Edition, schedule: list[ScheduleItem]) -> list[AgendaRow]:
    # One row per date (several items per row), then the undated rows.
    rows = [
        AgendaRow(date=day, entries=tuple(_agenda_entry(i) for i in items))
        for day, items in groupby(schedule, key=lambda i: i.date)
    ]
    for event in undated_events_for_edition(edition=edition):
        entry = _event_entry(
            label=event.label,
            title=event.title,
            speaker=event.speaker,
            links=_links(event.links.all()),
        )
        rows.append(AgendaRow(date=None, entries=(replace(entry, cancelled=event.cancelled),)))
    return rows


def edition_page(*, edition: Edition) -> EditionPage:
    """Everything the course page of ``edition`` shows, in a fixed number of queries."""
    schedule = schedule_for_edition(edition=edition)
    rows = _agenda_rows(edition=edition, schedule=schedule)

    # Every assignment has a due date, so the schedule already loaded them all.
    assignments = [i.obj for i in schedule if isinstance(i.obj, Assignment)]
    homeworks = sorted(
        (a for a in assignments if a.kind == Assignment.Kind.HOMEWORK),
        key=lambda a: (a.number is None, a.number or 0, a.due_at, a.pk),
    )
    papers: dict[int, list[Paper]] = {}
    for paper in Paper.objects.filter(assignment__edition=edition).order_by("position", "id"):
        papers.setdefault(paper.assignment_id, []).append(paper)
    readings = tuple(
        ReadingAssignment(assignment=a, papers=tuple(papers.get(a.pk, ())))
        for a in assignments
        if a.kind == Assignment.Kind.READING_REPORT
    )
    staff = list(
        Membership.objects.filter(edition=edition, role__in=permissions.STAFF_ROLES)
        .select_related("user")
        .order_by("position", "id")
    )
    return EditionPage(
        edition=edition,
        instructors=tuple(m for m in staff if m.role == Membership.Role.INSTRUCTOR),
        teaching_assistants=tuple(m for m in staff if m.role == Membership.Role.TA),
        infos=tuple(EditionInfo.objects.filter(edition=edition).order_by("position", "id")),
        agenda=tuple(rows),
        sections=tuple(EditionSection.objects.filter(edition=edition).order_by("position", "id")),
        homeworks=tuple(homeworks),
        readings=readings,
        previous_editions=tuple(previous_editions_for_edition(edition=edition)),
    )


def previous_editions_for_edition(*, edition: Edition) -> QuerySet[PreviousEdition]:
    return (
        PreviousEdition.objects.filter(edition=edition)
        .select_related("linked_edition")
        .order_by("position", "id")
    )


def edition_archives_page(*, edition: Edition) -> ArchivesPage:
    """The archived lectures and previous editions of ``edition``."""
    lectures = tuple(
        _lecture_entry(
            kind=KIND_SYLLABUS if lecture.kind == Lecture.Kind.SYLLABUS else KIND_LECTURE,
            # An archived lecture has lost its place in the numbering.
            number=None,
            title=lecture.title,
            note=lecture.note,
            links=_links(lecture.links.all()),
        )
        for lecture in archived_lectures_for_edition(edition=edition)
    )
    return ArchivesPage(
        edition=edition,
        lectures=lectures,
        previous_editions=tuple(previous_editions_for_edition(edition=edition)),
    )


def edition_fingerprint(*, edition: Edition) -> Fingerprint:
    """A digest of the edition's own fields and its course (no query: both are loaded)."""
    course = edition.course
    return Fingerprint(
        digest=_digest(edition.pk, edition.updated_at, course.pk, course.code, course.title),
        last_modified=edition.updated_at,
    )
