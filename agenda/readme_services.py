"""Import a course README into an edition, and export an edition as a README.

The format and what maps to what: ``agenda.readme_format`` and ``docs/readme-format.md``.

Re-import semantics (the README is the source of truth for what it expresses):

- Rows are matched to existing rows by natural key and updated in place, so ids (and the
  iCalendar UIDs built from them) survive a re-import, and an unchanged row is not saved
  (its ``sequence`` does not move). Keys: lectures by number (the syllabus by its kind,
  unnumbered and archived lectures by title); events by (label, title, n-th occurrence);
  links by position under their item; assignments by kind and number (homeworks), kind
  (project proposal, project, reading report) or title (other); papers by title; staff by
  (role, name); info lines by label; sections by heading; previous editions by label.
- Rows of the edition that the README no longer has are deleted when they hold nothing but
  README content: lectures, events, their links, info lines, sections, previous editions,
  and staff memberships without an account. Assignments and papers are never deleted
  (submissions, grades and paper choices hang off them); they are reported as kept. Staff
  memberships with an account are kept too.
- All or nothing: if any row cannot be read, nothing is written (``ReadmeImportError``)
  unless ``allow_problems=True``; then the readable rows are imported and *nothing is
  deleted*, so an unreadable row never removes the row it was meant to update.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch

from assignments.models import Assignment, Paper
from assignments.services import assignment_save
from courses import timeutils
from courses.models import (
    Course,
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

from . import readme_format as fmt
from .readme_format import Problem

DEFAULT_TIMEZONE = "Europe/Brussels"
STAFF_ROLES = (Membership.Role.INSTRUCTOR, Membership.Role.TA)


class ReadmeImportError(Exception):
    """The README cannot be imported; nothing was written."""

    def __init__(self, message: str, *, problems=(), warnings=()):
        super().__init__(message)
        self.problems: list[Problem] = list(problems)
        self.warnings: list[Problem] = list(warnings)


@dataclass
class ImportReport:
    edition_slug: str
    edition_created: bool = False
    dry_run: bool = False
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    kept: list[str] = field(default_factory=list)  # in the DB, not in the README, not deleted
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.edition_created or +self.created or +self.updated or +self.deleted)

    def summary_lines(self) -> list[str]:
        lines = []
        for title, counter in (
            ("created", self.created),
            ("updated", self.updated),
            ("deleted", self.deleted),
            ("unchanged", self.unchanged),
        ):
            if +counter:
                parts = ", ".join(f"{n} {name}" for name, n in sorted(counter.items()) if n)
                lines.append(f"{title}: {parts}")
        lines += [f"kept (not in the README): {what}" for what in self.kept]
        return lines


def _save(obj) -> None:
    # Through the services: calendar SEQUENCE, cached pages, what follows deadlines.
    if isinstance(obj, Assignment):
        assignment_save(assignment=obj)
    else:
        content_save(instance=obj)


def _save_if_changed(obj, values: dict, report: ImportReport, name: str) -> bool:
    """Set ``values`` on ``obj`` and save it if anything differs (new objects always)."""
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    for key in changed:
        setattr(obj, key, values[key])
    if obj.pk is None:
        _save(obj)
        report.created[name] += 1
        return True
    if changed:
        _save(obj)
        report.updated[name] += 1
        return True
    report.unchanged[name] += 1
    return False


class _Matcher:
    """Existing rows by natural key, handed out in order; what is left was not in the README."""

    def __init__(self, rows, key):
        self._key = key
        self._rows: dict = defaultdict(list)
        for row in rows:
            self._rows[key(row)].append(row)

    def take(self, key):
        rows = self._rows.get(key)
        return rows.pop(0) if rows else None

    def leftovers(self) -> list:
        return [row for rows in self._rows.values() for row in rows]


def _lecture_key(lecture: Lecture) -> tuple:
    if lecture.kind == Lecture.Kind.SYLLABUS:
        return (fmt.SYLLABUS, lecture.archived)
    if lecture.number is not None and not lecture.archived:
        return (fmt.LECTURE, lecture.number)
    return (fmt.LECTURE, lecture.archived, lecture.title.casefold())


def _event_key(label: str, title: str) -> tuple:
    return (label.casefold(), title.casefold())


class _Importer:
    def __init__(self, *, edition: Edition, parsed: fmt.ParsedReadme, report: ImportReport):
        self.edition = edition
        self.parsed = parsed
        self.report = report
        # With unreadable rows allowed through, deleting "missing" rows could delete the very
        # row that could not be read.
        self.may_delete = not parsed.problems

    def run(self) -> None:
        self._staff()
        self._infos()
        self._lectures()
        self._events()
        assignments = self._assignments()
        self._papers(assignments)
        self._sections()
        self._previous_editions()

    def _remove(self, rows, name: str, describe) -> None:
        for row in rows:
            if self.may_delete:
                content_delete(instance=row)
                self.report.deleted[name] += 1
            else:
                self.report.kept.append(
                    f"{name} {describe(row)} (not deleted: the README has problems)"
                )

    # -- header

    def _staff(self) -> None:
        existing = Membership.objects.filter(edition=self.edition, role__in=STAFF_ROLES)
        existing = existing.select_related("user").order_by("position", "id")
        matcher = _Matcher(existing, key=lambda m: (m.role, m.name.casefold()))
        for position, entry in enumerate(self.parsed.staff):
            membership = matcher.take((entry.role, entry.name.casefold()))
            if membership is None:
                membership = Membership(edition=self.edition, role=entry.role)
            values = {"position": position}
            if membership.user_id is None:
                values["display_name"] = entry.name
            _save_if_changed(membership, values, self.report, "staff")
        leftovers = matcher.leftovers()
        for membership in leftovers:
            if membership.user_id is not None:
                self.report.kept.append(f"staff {membership.name} (has an account)")
        self._remove([m for m in leftovers if m.user_id is None], "staff", lambda m: m.name)

    def _infos(self) -> None:
        existing = EditionInfo.objects.filter(edition=self.edition).order_by("position", "id")
        matcher = _Matcher(existing, key=lambda i: i.label.casefold())
        for position, entry in enumerate(self.parsed.infos):
            info = matcher.take(entry.label.casefold()) or EditionInfo(edition=self.edition)
            values = {"label": entry.label, "value": entry.value, "position": position}
            _save_if_changed(info, values, self.report, "info")
        self._remove(matcher.leftovers(), "info", lambda i: i.label)

    # -- agenda

    def _lectures(self) -> None:
        existing = (
            Lecture.objects.filter(edition=self.edition)
            .prefetch_related(
                Prefetch("links", queryset=LectureLink.objects.order_by("position", "id"))
            )
            .order_by("date", "position", "id")
        )
        matcher = _Matcher(existing, key=_lecture_key)
        entries = [e for e in self.parsed.agenda if e.kind in (fmt.SYLLABUS, fmt.LECTURE)]
        for entry in [*entries, *self.parsed.archived_lectures]:
            lecture = matcher.take(fmt.agenda_key(entry)) or Lecture(edition=self.edition)
            new = lecture.pk is None
            values = {
                "kind": Lecture.Kind.SYLLABUS
                if entry.kind == fmt.SYLLABUS
                else Lecture.Kind.LECTURE,
                "number": entry.number,
                "title": entry.title,
                "note": entry.note,
                "date": entry.date,
                "position": entry.position,
                "archived": entry.archived,
            }
            _save_if_changed(lecture, values, self.report, "lecture")
            self._links(lecture, LectureLink, "lecture", entry.all_links(), new=new)
        self._remove(matcher.leftovers(), "lecture", str)

    def _events(self) -> None:
        existing = (
            Event.objects.filter(edition=self.edition)
            .prefetch_related(
                Prefetch("links", queryset=EventLink.objects.order_by("position", "id"))
            )
            .order_by("date", "position", "id")
        )
        matcher = _Matcher(existing, key=lambda e: _event_key(e.label, e.title))
        for entry in self.parsed.agenda:
            if entry.kind != fmt.EVENT:
                continue
            event = matcher.take(_event_key(entry.label, entry.title)) or Event(
                edition=self.edition
            )
            new = event.pk is None
            values = {
                "label": entry.label,
                "title": entry.title,
                "speaker": entry.speaker,
                "date": entry.date,
                "position": entry.position,
            }
            _save_if_changed(event, values, self.report, "event")
            self._links(event, EventLink, "event", entry.all_links(), new=new)
        self._remove(matcher.leftovers(), "event", str)

    def _links(self, parent, model, fk: str, entries: list[fmt.LinkEntry], *, new: bool) -> None:
        existing = [] if new else list(parent.links.all())
        for position, entry in enumerate(entries):
            link = existing[position] if position < len(existing) else model(**{fk: parent})
            values = {
                "kind": entry.kind,
                "label": entry.label,
                "url": entry.url,
                "position": position,
            }
            _save_if_changed(link, values, self.report, "link")
        self._remove(existing[len(entries) :], "link", lambda link: link.url)

    def _assignments(self) -> dict[tuple, Assignment]:
        existing = Assignment.objects.filter(edition=self.edition).order_by(
            "due_date", "due_time", "position", "id"
        )
        matcher = _Matcher(existing, key=lambda a: fmt.assignment_key(a.kind, a.number, a.title))
        matched: dict[tuple, Assignment] = {}
        for entry in self.parsed.assignments:
            key = fmt.assignment_key(entry.kind, entry.number, entry.title)
            assignment = matcher.take(key) or Assignment(edition=self.edition)
            assignment.edition = self.edition  # due_at is resolved in the edition's zone
            values = {
                "kind": entry.kind,
                "number": entry.number,
                "title": entry.title,
                "agenda_title": entry.agenda_title,
                "due_date": entry.due_date,
                "position": entry.position,
            }
            if entry.handout_url is not None:
                values["handout_url"] = entry.handout_url
            if entry.summary is not None:
                values["summary"] = entry.summary
            if entry.hard_deadline:
                values["hard_deadline"] = True
            _save_if_changed(assignment, values, self.report, "assignment")
            matched[key] = assignment
        for assignment in matcher.leftovers():
            self.report.kept.append(
                f"assignment {assignment.title} (assignments are never deleted)"
            )
        return matched

    def _papers(self, assignments: dict[tuple, Assignment]) -> None:
        reading = assignments.get((fmt.READING_REPORT,))
        if reading is None:
            return
        existing = Paper.objects.filter(assignment=reading).order_by("position", "id")
        matcher = _Matcher(existing, key=lambda p: p.title.casefold())
        for position, entry in enumerate(self.parsed.papers):
            paper = matcher.take(entry.title.casefold()) or Paper(assignment=reading)
            values = {
                "authors": entry.authors,
                "title": entry.title,
                "year": entry.year,
                "url": entry.url,
                "position": position,
            }
            _save_if_changed(paper, values, self.report, "paper")
        for paper in matcher.leftovers():
            self.report.kept.append(f'paper "{paper.title}" (papers are never deleted)')

    # -- sections

    def _sections(self) -> None:
        existing = EditionSection.objects.filter(edition=self.edition).order_by("position", "id")
        matcher = _Matcher(existing, key=lambda s: s.heading.casefold())
        for index, entry in enumerate(self.parsed.sections):
            section = matcher.take(entry.heading.casefold()) or EditionSection(edition=self.edition)
            values = {
                "kind": entry.kind,
                "heading": entry.heading,
                "body": entry.body,
                "position": index * fmt.ROW_STEP,
            }
            _save_if_changed(section, values, self.report, "section")
        self._remove(matcher.leftovers(), "section", lambda s: s.heading)

    def _previous_editions(self) -> None:
        existing = PreviousEdition.objects.filter(edition=self.edition).order_by("position", "id")
        matcher = _Matcher(existing, key=lambda p: p.label.casefold())
        for position, entry in enumerate(self.parsed.previous_editions):
            previous = matcher.take(entry.label.casefold()) or PreviousEdition(edition=self.edition)
            values = {"label": entry.label, "url": entry.url, "position": position}
            _save_if_changed(previous, values, self.report, "previous edition")
        self._remove(matcher.leftovers(), "previous edition", lambda p: p.label)


def _academic_year(term: str) -> str:
    found = fmt.season_year(term)
    if not found:
        return ""
    season, year = found
    if season in ("Fall", "Autumn"):
        return f"{year}-{year + 1}"
    return f"{year - 1}-{year}"


def _edition_for_import(
    *,
    slug: str,
    parsed: fmt.ParsedReadme,
    status: str | None,
    timezone: str | None,
    report: ImportReport,
) -> Edition:
    edition = Edition.objects.select_for_update().select_related("course").filter(slug=slug).first()
    if edition is None:
        if not parsed.course_code or not parsed.term:
            raise ReadmeImportError(
                f"Edition {slug!r} does not exist and the README does not say its course code "
                'and term (a "# INFO8010 - Deep Learning" heading and "Spring 2023").',
                problems=parsed.problems,
                warnings=parsed.warnings,
            )
        course, _ = Course.objects.get_or_create(
            code=parsed.course_code,
            defaults={"title": parsed.course_title, "institution": parsed.institution},
        )
        edition = Edition(
            course=course,
            slug=slug,
            term=parsed.term,
            academic_year=_academic_year(parsed.term),
            timezone=timezone or DEFAULT_TIMEZONE,
            status=status or Edition.Status.DRAFT,
        )
        report.edition_created = True
    else:
        if parsed.course_code and parsed.course_code != edition.course.code:
            raise ReadmeImportError(
                f"The README is for {parsed.course_code} but edition {slug!r} belongs to "
                f"{edition.course.code}; nothing was imported."
            )
        if timezone and timezone != edition.timezone:
            raise ReadmeImportError(
                f"Edition {slug!r} uses the time zone {edition.timezone}, not {timezone}; "
                "change it in the admin (deadlines move with it), not through an import."
            )
        if status:
            edition.status = status
    values = {
        "intro": parsed.intro,
        "schedule_text": parsed.schedule_text,
        "meeting_weekday": parsed.meeting_weekday,
        "meeting_time": parsed.meeting_time,
        "meeting_room": parsed.meeting_room,
    }
    if parsed.term:
        values["term"] = parsed.term
    if report.edition_created:
        for key, value in values.items():
            setattr(edition, key, value)
        content_save(instance=edition)
    else:
        _save_if_changed(edition, values, report, "edition")
    return edition


def readme_import(
    *,
    text: str,
    edition_slug: str,
    status: str | None = None,
    timezone: str | None = None,
    dry_run: bool = False,
    allow_problems: bool = False,
) -> ImportReport:
    """Create or update edition ``edition_slug`` from a course README (all or nothing)."""
    if timezone and not timeutils.is_valid_zone(timezone):
        raise ReadmeImportError(f"Unknown time zone {timezone!r}.")
    if status and status not in Edition.Status.values:
        raise ReadmeImportError(
            f"Unknown status {status!r} (one of {', '.join(Edition.Status.values)})."
        )
    parsed = fmt.parse_readme(text)
    report = ImportReport(
        edition_slug=edition_slug,
        dry_run=dry_run,
        problems=list(parsed.problems),
        warnings=list(parsed.warnings),
    )
    if parsed.problems and not allow_problems:
        count = len(parsed.problems)
        raise ReadmeImportError(
            f"{count} row{'s' if count != 1 else ''} of the README could not be read; "
            "nothing was imported.",
            problems=parsed.problems,
            warnings=parsed.warnings,
        )
    with transaction.atomic():
        edition = _edition_for_import(
            slug=edition_slug, parsed=parsed, status=status, timezone=timezone, report=report
        )
        _Importer(edition=edition, parsed=parsed, report=report).run()
        if dry_run:
            transaction.set_rollback(True)
    return report


# --------------------------------------------------------------------------- export


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
    staff = Membership.objects.filter(edition=edition, role__in=STAFF_ROLES).select_related("user")
    readme.staff = [fmt.StaffEntry(m.role, m.name) for m in staff.order_by("position", "id")]
    readme.infos = [
        fmt.InfoEntry(i.label, i.value)
        for i in EditionInfo.objects.filter(edition=edition).order_by("position", "id")
    ]
    lectures = (
        Lecture.objects.filter(edition=edition)
        .prefetch_related(
            Prefetch("links", queryset=LectureLink.objects.order_by("position", "id"))
        )
        .order_by("date", "position", "id")
    )
    for lecture in lectures:
        entry = _lecture_entry(lecture)
        (readme.archived_lectures if lecture.archived else readme.agenda).append(entry)
    events = (
        Event.objects.filter(edition=edition)
        .prefetch_related(Prefetch("links", queryset=EventLink.objects.order_by("position", "id")))
        .order_by("date", "position", "id")
    )
    for event in events:
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
            )
        )
        if (
            assignment.kind == Assignment.Kind.HOMEWORK
            and assignment.number is not None
            and assignment.handout_url
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
