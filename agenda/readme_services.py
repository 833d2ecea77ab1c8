"""Import a course README into an edition (the export is ``agenda.readme_export``).

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

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

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
from courses.services import (
    content_delete,
    content_save,
    edition_archive,
    edition_publish,
    edition_unpublish,
)

from . import readme_format as fmt
from .readme_export import event_rows, lecture_rows, staff_rows
from .readme_format import Problem

DEFAULT_TIMEZONE = "Europe/Brussels"


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
        # Unreadable agenda items are kept as "other" items (events) with their text.
        self.keep_unread = bool(parsed.problems)
        self._course_editions: list[Edition] | None = None

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
        existing = staff_rows(self.edition)
        matcher = _Matcher(existing, key=lambda m: (m.role, m.name.casefold()))
        for position, entry in enumerate(self.parsed.staff):
            membership = matcher.take((entry.role, entry.name.casefold()))
            if membership is None:
                membership = Membership(edition=self.edition, role=entry.role)
            values: dict[str, object] = {"position": position}
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
        matcher = _Matcher(lecture_rows(self.edition), key=_lecture_key)
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
                "cancelled": entry.cancelled,
            }
            _save_if_changed(lecture, values, self.report, "lecture")
            self._links(lecture, LectureLink, "lecture", entry.all_links(), new=new)
        self._remove(matcher.leftovers(), "lecture", str)

    def _events(self) -> None:
        matcher = _Matcher(event_rows(self.edition), key=lambda e: _event_key(e.label, e.title))
        for entry in self.parsed.agenda:
            if entry.kind != fmt.EVENT:
                continue
            if entry.unread and not self.keep_unread:
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
                "cancelled": entry.cancelled,
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
            values["handout_in_agenda"] = entry.handout_in_agenda
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

    def _archived_edition(self, entry: fmt.PreviousEditionEntry) -> Edition | None:
        """The edition of the same course that a previous-edition link archives: by the tag in
        its URL (``…/tree/v5-info8010-2022`` -> ``info8010-2022``, as ``import_history``
        names them), else by academic year ("2021-2022")."""
        if self._course_editions is None:
            self._course_editions = list(
                Edition.objects.filter(course_id=self.edition.course_id).exclude(pk=self.edition.pk)
            )
        if match := _TREE_TAG_RE.search(entry.url):
            slug = slug_from_tag(match["tag"])
            found = next((e for e in self._course_editions if e.slug == slug), None)
            if found is not None:
                return found
        same_year = [e for e in self._course_editions if e.academic_year == entry.label.strip()]
        return same_year[0] if len(same_year) == 1 else None

    def _previous_editions(self) -> None:
        existing = PreviousEdition.objects.filter(edition=self.edition).order_by("position", "id")
        matcher = _Matcher(existing, key=lambda p: p.label.casefold())
        for position, entry in enumerate(self.parsed.previous_editions):
            previous = matcher.take(entry.label.casefold()) or PreviousEdition(edition=self.edition)
            values = {
                "label": entry.label,
                "url": entry.url,
                "position": position,
                "linked_edition": self._archived_edition(entry),
            }
            _save_if_changed(previous, values, self.report, "previous edition")
        self._remove(matcher.leftovers(), "previous edition", lambda p: p.label)


def slug_from_tag(tag: str) -> str:
    """``v6-info8010-2023`` -> ``info8010-2023`` (the slug of the edition a tag archives)."""
    return slugify(_TAG_PREFIX_RE.sub("", tag))[:64]


_TAG_PREFIX_RE = re.compile(r"^v\d+[-_.]", re.I)
_TREE_TAG_RE = re.compile(r"/(?:tree|releases/tag)/(?P<tag>[^/?#]+)/?(?:[?#].*)?$")


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
        if status and status != edition.status:
            _set_status(edition, status)
            report.updated["edition status"] += 1
    return edition


def _set_status(edition: Edition, status: str) -> None:
    # Through the status services (they lock the row and invalidate the public pages). An
    # import that asks for "archived" archives a draft too: it was asked for explicitly.
    if status == Edition.Status.PUBLISHED:
        edition_publish(edition=edition)
    elif status == Edition.Status.DRAFT:
        edition_unpublish(edition=edition)
    else:
        if edition.status == Edition.Status.DRAFT:
            edition_publish(edition=edition)
        edition_archive(edition=edition)
    edition.status = status


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
    unsafe = [p for p in parsed.problems if p.unsafe]
    if unsafe:
        count = len(unsafe)
        raise ReadmeImportError(
            f"{count} link{'s' if count != 1 else ''} of the README may not be shown (only "
            "http(s) and relative links are); nothing was imported, even with --allow-problems.",
            problems=parsed.problems,
            warnings=parsed.warnings,
        )
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
