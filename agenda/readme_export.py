"""Export an edition as a course README (``agenda.readme_format`` renders it).

Export then import gives the same data (docs/readme-format.md, tested on every fixture).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from assignments.models import Assignment, Paper
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

from . import readme_format as fmt

# The rows a README expresses, in README order: what the export writes and what an import
# matches its entries against.


def staff_rows(edition: Edition) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(edition=edition, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("position", "id")
    )


def lecture_rows(edition: Edition) -> QuerySet[Lecture]:
    return (
        Lecture.objects.filter(edition=edition)
        .prefetch_related(
            Prefetch("links", queryset=LectureLink.objects.order_by("position", "id"))
        )
        .order_by("date", "position", "id")
    )


def event_rows(edition: Edition) -> QuerySet[Event]:
    return (
        Event.objects.filter(edition=edition)
        .prefetch_related(Prefetch("links", queryset=EventLink.objects.order_by("position", "id")))
        .order_by("date", "position", "id")
    )


def _split_title_link(kind: str, label: str, links: list) -> tuple[str, list[fmt.LinkEntry]]:
    entries = [fmt.LinkEntry(link.kind, link.label, link.url) for link in links]
    if entries and fmt.is_title_link(kind, label, entries[0]):
        return entries[0].url, entries[1:]
    return "", entries


def _lecture_entry(lecture: Lecture) -> fmt.AgendaEntry:
    kind = fmt.SYLLABUS if lecture.kind == Lecture.Kind.SYLLABUS else fmt.LECTURE
    title_url, links = _split_title_link(kind, "", list(lecture.links.all()))
    return fmt.AgendaEntry(
        kind=kind,
        date=lecture.date,
        position=lecture.position,
        title=lecture.title,
        number=lecture.number,
        note=lecture.note,
        title_url=title_url,
        links=links,
        archived=lecture.archived,
        cancelled=lecture.cancelled,
    )


def readme_from_edition(*, edition: Edition) -> fmt.ParsedReadme:
    """The edition as ``ParsedReadme`` dataclasses (what the export renders).

    Also the way to show a section fully: ``fmt.expand_markers(section.body,
    fmt.structured_blocks(readme))``.
    """
    course = edition.course
    readme = fmt.ParsedReadme(
        course_code=course.code,
        course_title=course.title,
        institution=course.institution,
        intro=edition.intro,
        term=edition.term,
        year=(fmt.season_year(edition.term) or (None, None))[1],
        schedule_text=edition.when_text,
        meeting_weekday=edition.meeting_weekday,
        meeting_time=edition.meeting_time,
        meeting_room=edition.meeting_room,
    )
    readme.staff = [fmt.StaffEntry(m.role, m.name) for m in staff_rows(edition)]
    readme.infos = [
        fmt.InfoEntry(i.label, i.value)
        for i in EditionInfo.objects.filter(edition=edition).order_by("position", "id")
    ]
    for lecture in lecture_rows(edition):
        entry = _lecture_entry(lecture)
        (readme.archived_lectures if lecture.archived else readme.agenda).append(entry)
    for event in event_rows(edition):
        title_url, links = _split_title_link(fmt.EVENT, event.label, list(event.links.all()))
        readme.agenda.append(
            fmt.AgendaEntry(
                kind=fmt.EVENT,
                date=event.date,
                position=event.position,
                title=event.title,
                label=event.label,
                speaker=event.speaker,
                title_url=title_url,
                links=links,
                cancelled=event.cancelled,
            )
        )
    assignments = list(
        Assignment.objects.filter(edition=edition)
        .prefetch_related(Prefetch("papers", queryset=Paper.objects.order_by("position", "id")))
        .order_by("due_date", "due_time", "position", "id")
    )
    reading = None
    for assignment in assignments:
        readme.agenda.append(
            fmt.AgendaEntry(
                kind=fmt.DEADLINE,
                date=assignment.due_date,
                position=assignment.position,
                title=assignment.title,
                agenda_title=assignment.agenda_title or assignment.title,
                assignment_kind=assignment.kind,
                assignment_number=assignment.number,
                title_url=assignment.handout_url if assignment.handout_in_agenda else "",
            )
        )
        if (
            assignment.kind == Assignment.Kind.HOMEWORK
            and assignment.number is not None
            and assignment.handout_url
            # A handout linked from the agenda only ("Deadline for [Homework 1](…)") stays
            # there: a list of it would add a Homeworks section.
            and not (assignment.handout_in_agenda and not assignment.summary)
        ):
            readme.homeworks.append(
                fmt.HomeworkEntry(
                    number=assignment.number,
                    title=f"Homework {assignment.number}",
                    url=assignment.handout_url,
                    summary=assignment.summary,
                    due_date=assignment.due_date,
                )
            )
        if assignment.kind == Assignment.Kind.READING_REPORT and reading is None:
            reading = assignment
    if reading is not None:
        readme.reading_hard_deadline = reading.hard_deadline
        readme.papers = [
            fmt.PaperEntry(p.authors, p.title, p.year, p.url) for p in reading.papers.all()
        ]
    readme.sections = [
        fmt.SectionEntry(s.kind, s.heading, s.body)
        for s in EditionSection.objects.filter(edition=edition).order_by("position", "id")
    ]
    readme.previous_editions = [
        fmt.PreviousEditionEntry(p.label, p.url)
        for p in PreviousEdition.objects.filter(edition=edition).order_by("position", "id")
    ]
    return readme


def readme_export(*, edition: Edition) -> str:
    """The edition's course README in the INFO8010 format (imports back to the same data)."""
    return fmt.render_readme(readme_from_edition(edition=edition))
