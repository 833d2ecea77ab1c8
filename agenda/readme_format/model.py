"""The README's data: what the reader produces and the renderer writes (no ORM).

``agenda.readme_services`` maps these dataclasses to models.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Agenda item kinds.
SYLLABUS = "syllabus"
LECTURE = "lecture"
EVENT = "event"
DEADLINE = "deadline"

# Link kinds (the values of courses.models.Link.Kind).
LINK_SLIDES = "slides"
LINK_PDF = "pdf"
LINK_VIDEO = "video"
LINK_CODE = "code"
LINK_NOTEBOOK = "notebook"
LINK_TUTORIAL = "tutorial"
LINK_HANDOUT = "handout"
LINK_OTHER = "other"

# Assignment kinds (the values of assignments.models.Assignment.Kind).
HOMEWORK = "homework"
PROJECT_PROPOSAL = "project_proposal"
PROJECT = "project"
READING_REPORT = "reading_report"
OTHER = "other"

# Section kinds (the values of courses.models.EditionSection.Kind).
SECTION_HOMEWORKS = "homeworks"
SECTION_PROJECT = "project"
SECTION_READING = "reading"
SECTION_OTHER = "other"

MARKER_HOMEWORKS = "<!-- lectern:homeworks -->"
MARKER_PAPERS = "<!-- lectern:papers -->"
MARKER_PREVIOUS_EDITIONS = "<!-- lectern:previous-editions -->"
MARKER_ARCHIVED_LECTURES = "<!-- lectern:archived-lectures -->"
MARKERS = (MARKER_HOMEWORKS, MARKER_PAPERS, MARKER_PREVIOUS_EDITIONS, MARKER_ARCHIVED_LECTURES)

# Agenda positions: row_index * ROW_STEP + item_index, so items sort in order of appearance.
ROW_STEP = 10


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    # An unsafe link (javascript:, data:, …): refused even with --allow-problems.
    unsafe: bool = field(default=False, compare=False)

    def __str__(self):
        return f"line {self.line}: {self.message}"


@dataclass
class LinkEntry:
    kind: str
    label: str
    url: str


@dataclass
class AgendaEntry:
    """One item of an agenda cell (or of the archived lectures table)."""

    kind: str  # SYLLABUS, LECTURE, EVENT or DEADLINE
    date: dt.date | None
    position: int
    title: str
    line: int = 0
    number: int | None = None  # lectures
    note: str = ""  # lectures: "(Optional)"
    label: str = ""  # events: "Tutorial", "Invited talk", "Code"
    speaker: str = ""  # events
    title_url: str = ""  # the link on the title: a lecture's slides, an event's link
    links: list[LinkEntry] = field(default_factory=list)  # the bracketed links
    archived: bool = False
    cancelled: bool = False  # "~~Lecture 6: …~~ _(Cancelled)_"
    # A row that could not be read, kept (with --allow-problems) as an event with its text.
    unread: bool = False
    # Deadlines: the wording after "Deadline for", and what it names.
    agenda_title: str = ""
    assignment_kind: str = ""
    assignment_number: int | None = None

    def all_links(self) -> list[LinkEntry]:
        """The links as stored: the title link first (kind slides for lectures)."""
        if not self.title_url:
            return list(self.links)
        return [title_link(self.kind, self.label, self.title_url), *self.links]


@dataclass
class StaffEntry:
    role: str  # "instructor" or "ta"
    name: str


@dataclass
class InfoEntry:
    label: str
    value: str


@dataclass
class SectionEntry:
    kind: str
    heading: str
    body: str  # Markdown, structured lists replaced by markers
    line: int = 0


@dataclass
class HomeworkEntry:
    number: int
    title: str
    url: str
    summary: str
    due_date: dt.date | None
    line: int = 0


@dataclass
class PaperEntry:
    authors: str
    title: str
    year: int | None
    url: str
    line: int = 0


@dataclass
class PreviousEditionEntry:
    label: str
    url: str
    line: int = 0


@dataclass
class AssignmentEntry:
    """A deadline row merged with the homework list (what the import writes)."""

    kind: str
    number: int | None
    title: str
    agenda_title: str
    due_date: dt.date
    position: int
    line: int
    handout_url: str | None = None  # None: not given by the README, leave as is
    summary: str | None = None
    hard_deadline: bool | None = None  # True: "a **hard** deadline"; None: not said
    handout_in_agenda: bool = False  # "Deadline for [Homework 1](url)"


@dataclass
class ParsedReadme:
    course_code: str = ""
    course_title: str = ""
    institution: str = ""
    intro: str = ""
    term: str = ""  # "Spring 2023"
    year: int | None = None
    schedule_text: str = ""
    meeting_weekday: int | None = None  # 0 = Monday
    meeting_time: dt.time | None = None
    meeting_room: str = ""
    staff: list[StaffEntry] = field(default_factory=list)
    infos: list[InfoEntry] = field(default_factory=list)
    agenda: list[AgendaEntry] = field(default_factory=list)
    sections: list[SectionEntry] = field(default_factory=list)
    homeworks: list[HomeworkEntry] = field(default_factory=list)
    papers: list[PaperEntry] = field(default_factory=list)
    reading_hard_deadline: bool = False
    previous_editions: list[PreviousEditionEntry] = field(default_factory=list)
    archived_lectures: list[AgendaEntry] = field(default_factory=list)
    assignments: list[AssignmentEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def title_link(item_kind: str, event_label: str, url: str) -> LinkEntry:
    """The link on an item's title as stored (first): a lecture's slides, a "Code:" event's
    code, any other event's link."""
    if item_kind in (LECTURE, SYLLABUS):
        return LinkEntry(LINK_SLIDES, "Slides", url)
    if event_label.casefold() == "code":
        return LinkEntry(LINK_CODE, "Code", url)
    return LinkEntry(LINK_OTHER, "Link", url)


def is_title_link(item_kind: str, event_label: str, link: LinkEntry) -> bool:
    """Whether ``link``, stored first, is the link on the item's title."""
    expected = title_link(item_kind, event_label, link.url)
    return (link.kind, link.label) == (expected.kind, expected.label)


def assignment_key(kind: str, number: int | None, title: str) -> tuple:
    if kind == HOMEWORK:
        return (kind, number)
    if kind == OTHER:
        return (kind, title.casefold())
    return (kind,)


def agenda_key(entry: AgendaEntry) -> tuple:
    """The natural key of an agenda item within an edition (what re-import matches on)."""
    if entry.kind == DEADLINE:
        return (
            DEADLINE,
            *assignment_key(entry.assignment_kind, entry.assignment_number, entry.title),
        )
    if entry.kind == SYLLABUS:
        return (SYLLABUS, entry.archived)
    if entry.kind == LECTURE:
        if entry.number is not None and not entry.archived:
            return (LECTURE, entry.number)
        return (LECTURE, entry.archived, entry.title.casefold())
    return (EVENT, entry.label.casefold(), entry.title.casefold(), entry.date)
