"""The INFO8010 course README format: parse it into dataclasses, and render them back.

Pure: no ORM, no settings. ``agenda.readme_services`` maps the dataclasses to models.

The format (see ``docs/readme-format.md``)::

    # INFO8010 - Deep Learning                      -> course code and title
    Lectures for INFO8010 - Deep Learning, ...      -> intro (term "Spring 2023" read from it)
    - Instructor: ... / - Teaching assistants: ...  -> staff (comma separated)
    - When: Spring 2023, Friday 8:30 AM             -> schedule text, weekday, time, term
    - Classroom: R3 / B28                           -> meeting room
    - Discord: [...](...)                           -> any other bullet: an info line
    ## Agenda                                       -> the agenda table, ``<br>`` between items
    ## Homeworks / ## Project / ## Reading assignment / ## Archives / ## anything
                                                    -> sections

What is in a section ``body`` and what is structured
----------------------------------------------------
A section's ``body`` is its Markdown prose exactly as written, except that each structured
list is cut out and replaced by one marker line, an HTML comment such as
``<!-- lectern:homeworks -->``, kept where the list stood:

- ``## Homeworks``: the bullets ``- [Homework N](url): summary Due by **date**.`` are
  structured (``HomeworkEntry`` -> the assignment's handout URL, summary and due date);
  marker ``<!-- lectern:homeworks -->``.
- ``## Reading assignment``: the paper bullets ``- Authors, "Title", 2022. [[Paper](url)]``
  are structured (``PaperEntry``); marker ``<!-- lectern:papers -->``. The rest, including the
  constraints list and the "This is a **hard** deadline." sentence, stays in the body; that
  sentence also sets ``reading_hard_deadline``.
- ``## Archives``: the ``- [label](url)`` bullets (previous editions) and the ``| Topic |``
  table (archived lectures) are structured; markers ``<!-- lectern:previous-editions -->``
  and ``<!-- lectern:archived-lectures -->``. Sub-headings and prose stay in the body.

So the structured data is the single source of truth for what it holds (a due date changed
in the admin shows on the page and in the export), and the body never repeats it. Rendering
the body alone as sanitised Markdown shows the prose (sanitisers drop the comments); to show
a section fully, replace each marker with the rendered list: ``expand_markers(body, blocks)``
with ``blocks`` from ``structured_blocks(readme)`` does exactly that, and the export uses it.

Rows that cannot be read are never dropped silently: they become ``Problem(line, message)``
entries in ``ParsedReadme.problems``. Readable but doubtful input (an unknown deadline kind,
two different due dates for one homework) becomes a warning.
"""

from __future__ import annotations

import datetime as dt
import re
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

MONTHS = (
    "january february march april may june july august september october november december"
).split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

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
    # Deadlines: the wording after "Deadline for", and what it names.
    agenda_title: str = ""
    assignment_kind: str = ""
    assignment_number: int | None = None

    def all_links(self) -> list[LinkEntry]:
        """The links as stored: the title link first (kind slides for lectures)."""
        if not self.title_url:
            return list(self.links)
        return [_title_link(self.kind, self.label, self.title_url), *self.links]


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


# --------------------------------------------------------------------------- regular bits

_URL = r"[^\s()<>]+(?:\([^\s()<>]*\)[^\s()<>]*)*"
_LINK_RE = re.compile(r"\[(?P<text>[^\[\]]+)\]\((?P<url>" + _URL + r")\)")
_LINK_GROUP_RE = re.compile(
    r"\[\s*(?P<inner>\[[^\[\]]+\]\(" + _URL + r"\)(?:\s*,\s*\[[^\[\]]+\]\(" + _URL + r"\))*)\s*\]"
)
_BR_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES_RE = re.compile(r"[ \t]+")
_TITLE_RE = re.compile(r"^#\s+(?P<code>[A-Za-z]+\d+\w*)\s*[-–—:]\s*(?P<title>.+?)\s*$")
_TERM_RE = re.compile(r"\b(?P<season>Spring|Summer|Fall|Autumn|Winter)\s+(?P<year>\d{4})\b", re.I)
_INSTITUTION_RE = re.compile(
    r",\s*(?P<inst>[^,]+?),\s*(?:Spring|Summer|Fall|Autumn|Winter)\s+\d{4}", re.I
)
_TIME_RE = re.compile(r"\b(?P<h>\d{1,2})[:.h](?P<m>\d{2})\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?")
_BULLET_RE = re.compile(r"^[-*+]\s+(?P<text>.*)$")
_LABELLED_RE = re.compile(r"^(?P<label>[^:\[\]()]{1,40}?)\s*:\s*(?P<value>.*)$")
_DATE_RE = re.compile(
    r"^(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?$"
)
_UNDATED = {"", "-", "--", "---", "—", "–", "tba", "tbd"}
_DEADLINE_RE = re.compile(r"^deadline\s+for\s+(?P<what>.+)$", re.I)
_LECTURE_RE = re.compile(r"^lecture\s+(?P<number>\d+)\s*:\s*(?P<rest>.*)$", re.I)
_EVENT_RE = re.compile(r"^(?P<label>[A-Z][A-Za-z][A-Za-z \-]{0,38}?)\s*:\s+(?P<rest>.+)$")
_TAIL_PARENS_RE = re.compile(r"^(?P<head>.*?)\s*\((?P<inner>[^()]*(?:\([^()]*\)[^()]*)*)\)$")
_HOMEWORK_TITLE_RE = re.compile(r"^homework\s+(?P<number>\d+)$", re.I)
_HOMEWORK_BULLET_RE = re.compile(r"^[-*+]\s+\[?\s*homework\s+\d", re.I)
_HOMEWORK_ITEM_RE = re.compile(
    r"^[-*+]\s+\[(?P<title>[^\]]+)\]\((?P<url>" + _URL + r")\)\s*:?\s*(?P<rest>.*)$"
)
_DUE_RE = re.compile(r"^(?P<summary>.*?)\s*Due\s+(?:by|on)\s+\*\*(?P<due>[^*]+)\*\*\.?$", re.I)
_PAPER_TRIGGER_RE = re.compile(r'^[-*+]\s+.*(?:"[^"]+"|\[\[Paper\]\()', re.I)
_PAPER_RE = re.compile(
    r'^[-*+]\s+(?P<authors>[^"]+?),\s*"(?P<title>[^"]+?)",?\s*(?P<year>\d{4})?\.?\s*'
    r"(?:\[\[Paper\]\((?P<url>" + _URL + r")\)\])?\s*\.?$",
    re.I,
)
_HARD_RE = re.compile(r"\*\*hard\*\*\s+deadline|\bhard\s+deadline", re.I)
_PREVIOUS_RE = re.compile(r"^[-*+]\s+\[(?P<label>[^\]]+)\]\((?P<url>" + _URL + r")\)\s*$")
_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def _squash(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


def _title_link(item_kind: str, event_label: str, url: str) -> LinkEntry:
    if item_kind in (LECTURE, SYLLABUS):
        return LinkEntry(LINK_SLIDES, "Slides", url)
    if event_label.casefold() == "code":
        return LinkEntry(LINK_CODE, "Code", url)
    return LinkEntry(LINK_OTHER, "Link", url)


def is_title_link(item_kind: str, event_label: str, link: LinkEntry) -> bool:
    """Whether ``link``, stored first, is the link on the item's title."""
    expected = _title_link(item_kind, event_label, link.url)
    return (link.kind, link.label) == (expected.kind, expected.label)


def link_kind(label: str) -> str:
    """``[PDF]`` -> pdf, ``[video]`` -> video, ``[code]``/``[code 2]`` -> code, …"""
    word = label.strip().split(" ")[0].casefold() if label.strip() else ""
    return {
        "pdf": LINK_PDF,
        "video": LINK_VIDEO,
        "code": LINK_CODE,
        "slides": LINK_SLIDES,
    }.get(word, LINK_OTHER)


def season_year(term: str) -> tuple[str, int] | None:
    match = _TERM_RE.search(term or "")
    if not match:
        return None
    return match["season"].capitalize(), int(match["year"])


def infer_year(month: int, term: str, default: int | None) -> int | None:
    """The year of a yearless agenda date: the term's year, or the next one for January–July
    dates of a fall/winter term (a "Fall 2023" term runs into January 2024)."""
    found = season_year(term)
    if not found:
        return default
    season, year = found
    if season in ("Fall", "Autumn", "Winter") and month < 8:
        return year + 1
    return year


def parse_date(text: str, *, term: str, year: int | None) -> dt.date:
    """ "February 10", "March  6", "March 7th, 2022" -> a date. Raises ValueError."""
    match = _DATE_RE.match(_squash(text))
    if not match:
        raise ValueError(f"cannot read the date {text.strip()!r}")
    name = match["month"].casefold()
    months = [i for i, m in enumerate(MONTHS, 1) if m == name or (len(name) >= 3 and m[:3] == name)]
    if len(months) != 1:
        raise ValueError(f"cannot read the date {text.strip()!r}: unknown month")
    month = months[0]
    the_year = int(match["year"]) if match["year"] else infer_year(month, term, year)
    if the_year is None:
        raise ValueError(f"the date {text.strip()!r} has no year and the term is unknown")
    try:
        return dt.date(the_year, month, int(match["day"]))
    except ValueError as exc:
        raise ValueError(f"cannot read the date {text.strip()!r}: {exc}") from exc


def format_date(day: dt.date, *, term: str, with_year: bool = False) -> str:
    text = f"{MONTHS[day.month - 1].capitalize()} {day.day}"
    if with_year or infer_year(day.month, term, day.year) != day.year:
        text += f", {day.year}"
    return text


def classify_deadline(what: str) -> tuple[str, int | None, str]:
    """The wording after "Deadline for" -> (assignment kind, number, normalised title)."""
    core = re.sub(r"^(the|a|an)\s+", "", _squash(what), flags=re.I)
    if match := _HOMEWORK_TITLE_RE.match(core):
        number = int(match["number"])
        return HOMEWORK, number, f"Homework {number}"
    lowered = core.casefold()
    if lowered == "project proposal":
        return PROJECT_PROPOSAL, None, "Project proposal"
    if lowered in ("reading assignment", "reading report"):
        return READING_REPORT, None, "Reading assignment"
    if lowered == "project":
        return PROJECT, None, "Project"
    return OTHER, None, core[:1].upper() + core[1:]


# --------------------------------------------------------------------------- parsing


class _Reader:
    def __init__(self, text: str):
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.out = ParsedReadme()

    def problem(self, line: int, message: str) -> None:
        self.out.problems.append(Problem(line, message))

    def warn(self, line: int, message: str) -> None:
        self.out.warnings.append(Problem(line, message))

    # -- structure

    def parse(self) -> ParsedReadme:
        chunks = self._split()  # [(heading, heading_line, [(lineno, text), ...])]
        header_seen = False
        for heading, line, body in chunks:
            if heading is None:
                self._header(body)
                header_seen = True
            elif heading.casefold() == "agenda":
                self._agenda(body)
            else:
                self._section(heading, line, body)
        if not header_seen or not self.out.course_code:
            self.problem(1, 'no "# CODE - Title" heading (e.g. "# INFO8010 - Deep Learning")')
        if not any(h is not None and h.casefold() == "agenda" for h, _, _ in chunks):
            self.problem(1, 'no "## Agenda" section')
        self._merge_assignments()
        return self.out

    def _split(self):
        chunks: list = []
        heading, heading_line, body = None, 0, []
        in_fence = False
        title_seen = False
        for index, raw in enumerate(self.lines, 1):
            text = raw.rstrip("\n")
            if text.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            if not in_fence and text.startswith("## "):
                if heading is not None or body or title_seen:
                    chunks.append((heading, heading_line, body))
                heading, heading_line, body = text[3:].strip(), index, []
                continue
            if not in_fence and text.startswith("# ") and not title_seen and heading is None:
                title_seen = True
                match = _TITLE_RE.match(text.strip())
                if match:
                    self.out.course_code = match["code"]
                    self.out.course_title = match["title"]
                else:
                    self.problem(index, f"cannot read the title {text.strip()!r}")
                continue
            body.append((index, text))
        chunks.append((heading, heading_line, body))
        return chunks

    # -- header

    def _header(self, body) -> None:
        intro: list[str] = []
        when_term = ""
        for line, text in body:
            bullet = _BULLET_RE.match(text.strip())
            if not bullet:
                if text.strip() or intro:
                    intro.append(text)
                continue
            labelled = _LABELLED_RE.match(bullet["text"].strip())
            if not labelled:
                self.problem(
                    line, f'cannot read the header bullet {text.strip()!r} ("Label: value")'
                )
                continue
            label, value = labelled["label"].strip(), labelled["value"].strip()
            key = label.casefold()
            if key in ("instructor", "instructors", "lecturer", "lecturers"):
                self._staff("instructor", value, line)
            elif key in ("teaching assistant", "teaching assistants", "ta", "tas"):
                self._staff("ta", value, line)
            elif key == "when":
                when_term = self._when(value, line)
            elif key in ("classroom", "room", "where"):
                self.out.meeting_room = value
            else:
                self.out.infos.append(InfoEntry(label, value))
        self.out.intro = "\n".join(intro).strip()
        term_source = when_term or self.out.intro
        found = season_year(term_source) or season_year(self.out.intro)
        if found:
            self.out.term = f"{found[0]} {found[1]}"
            self.out.year = found[1]
        else:
            line = body[0][0] if body else 1
            self.problem(line, 'no term such as "Spring 2023" in the intro line or When bullet')
        if match := _INSTITUTION_RE.search(self.out.intro):
            self.out.institution = match["inst"].strip()

    def _staff(self, role: str, value: str, line: int) -> None:
        names = [n.strip() for n in value.split(",") if n.strip()]
        if not names:
            self.problem(line, "no names in the staff bullet")
        for name in names:
            self.out.staff.append(StaffEntry(role, name))

    def _when(self, value: str, line: int) -> str:
        self.out.schedule_text = value
        lowered = value.casefold()
        days = [i for i, d in enumerate(WEEKDAYS) if re.search(rf"\b{d}s?\b", lowered)]
        if len(days) == 1:
            self.out.meeting_weekday = days[0]
        elif days:
            self.warn(line, "several weekdays in the When bullet; no meeting weekday set")
        if match := _TIME_RE.search(value):
            hour, minute = int(match["h"]), int(match["m"])
            ampm = (match["ampm"] or "").replace(".", "").casefold()
            if ampm == "pm" and hour < 12:
                hour += 12
            elif ampm == "am" and hour == 12:
                hour = 0
            if hour < 24 and minute < 60:
                self.out.meeting_time = dt.time(hour, minute)
            else:
                self.warn(line, f"cannot read the time in {value!r}")
        return value if _TERM_RE.search(value) else ""

    # -- agenda

    def _table(self, body, first_header: str | None):
        """Rows of the first Markdown table in ``body``: [(line, [cells])]; other lines are
        returned apart so that they are not lost."""
        rows, other, table_lines = [], [], []
        state = "before"
        for line, text in body:
            stripped = text.strip()
            if state == "before":
                if stripped.startswith("|"):
                    cells = _cells(stripped)
                    if first_header and cells and cells[0].casefold() != first_header:
                        other.append((line, text))
                        continue
                    state = "header"
                    table_lines.append(line)
                    continue
                if stripped:
                    other.append((line, text))
                continue
            if state == "header":
                table_lines.append(line)
                if _SEPARATOR_RE.match(stripped):
                    state = "rows"
                    continue
                self.problem(line, "expected the table separator line (| --- | --- |)")
                state = "rows"
            if state == "rows":
                if stripped.startswith("|"):
                    rows.append((line, _cells(stripped)))
                    table_lines.append(line)
                    continue
                if stripped:
                    state = "after"
                    other.append((line, text))
                continue
            if stripped:
                other.append((line, text))
        return rows, other, table_lines

    def _agenda(self, body) -> None:
        rows, other, table_lines = self._table(body, first_header=None)
        for line, text in other:
            self.problem(line, f"text outside the agenda table is not imported: {text.strip()!r}")
        if not table_lines:
            self.problem(body[0][0] if body else 1, "no table in the Agenda section")
        seen: dict[tuple, int] = {}
        for row_index, (line, cells) in enumerate(rows):
            if len(cells) != 2:
                self.problem(line, f"expected 2 cells (| Date | Topic |), found {len(cells)}")
                continue
            date_text, cell = cells
            date: dt.date | None = None
            if date_text.strip().casefold() not in _UNDATED:
                try:
                    date = parse_date(date_text, term=self.out.term, year=self.out.year)
                except ValueError as exc:
                    self.problem(line, str(exc))
                    continue
            items = [i for i in _BR_RE.split(cell)]
            if len(items) >= ROW_STEP:
                self.problem(line, f"more than {ROW_STEP - 1} items in one agenda cell")
                continue
            for item_index, item_text in enumerate(items):
                position = row_index * ROW_STEP + item_index
                entry = self._item(item_text, line, date, position, archived=False)
                if entry is None:
                    continue
                if entry.date is None and entry.kind != EVENT:
                    self.problem(line, f"{_describe(entry)} needs a date")
                    continue
                key = agenda_key(entry)
                if key in seen:
                    self.problem(line, f"{_describe(entry)} already appears on line {seen[key]}")
                    continue
                seen[key] = line
                self.out.agenda.append(entry)

    def _item(self, text: str, line: int, date, position: int, *, archived: bool):
        text = _squash(text)
        if not text:
            self.problem(line, "empty agenda item")
            return None
        if not archived and (match := _DEADLINE_RE.match(text)):
            what = _squash(match["what"])
            if "[" in what or "]" in what:
                self.problem(line, f"links are not supported in a deadline row: {text!r}")
                return None
            kind, number, title = classify_deadline(what)
            if kind == OTHER:
                self.warn(
                    line, f"unknown deadline {what!r}: imported as an assignment of kind other"
                )
            return AgendaEntry(
                kind=DEADLINE,
                date=date,
                position=position,
                title=title,
                line=line,
                agenda_title=what,
                assignment_kind=kind,
                assignment_number=number,
            )
        if match := _LECTURE_RE.match(text):
            entry = AgendaEntry(LECTURE, date, position, "", line, number=int(match["number"]))
            rest = match["rest"]
        elif re.match(r"^lecture\b", text, re.I) and not _LINK_RE.match(text):
            self.problem(line, f'cannot read the lecture {text!r} (expected "Lecture N: Title")')
            return None
        elif archived or text.startswith("["):
            entry = AgendaEntry(LECTURE, date, position, "", line)
            rest = text
        elif match := _EVENT_RE.match(text):
            entry = AgendaEntry(EVENT, date, position, "", line, label=match["label"].strip())
            rest = match["rest"]
        else:
            entry = AgendaEntry(EVENT, date, position, "", line)
            rest = text
        entry.archived = archived
        if not self._fill(entry, rest, line):
            return None
        if entry.kind == LECTURE and entry.number is None and _is_syllabus(entry.title):
            entry.kind = SYLLABUS
        if entry.kind == EVENT and not entry.label and _is_syllabus(entry.title):
            entry.kind = SYLLABUS
        return entry

    def _fill(self, entry: AgendaEntry, rest: str, line: int) -> bool:
        """Read "[Title](url) [[PDF](u)] [[video](u)] (note)" into ``entry``."""
        rest = rest.strip()
        match = _LINK_RE.match(rest)
        if match:
            entry.title = _squash(match["text"])
            entry.title_url = match["url"]
            rest = rest[match.end() :].strip()
        else:
            cut = rest.find("[")
            head = rest if cut < 0 else rest[:cut]
            entry.title = head.strip()
            rest = "" if cut < 0 else rest[cut:]
        # The bracketed link groups, then an optional "(…)" tail.
        while rest.startswith("["):
            group = _LINK_GROUP_RE.match(rest)
            if not group:
                self.problem(line, f"cannot read the links in {rest!r} (expected [[PDF](url)])")
                return False
            for link in _LINK_RE.finditer(group["inner"]):
                label = _squash(link["text"])
                entry.links.append(LinkEntry(link_kind(label), label, link["url"]))
            rest = rest[group.end() :].strip()
        tail = ""
        if rest:
            if rest.startswith("(") and rest.endswith(")"):
                tail = rest
            else:
                self.problem(line, f"cannot read {rest!r} after the links")
                return False
        if not entry.title_url:
            # A plain title may end in "(…)": a lecture's note or an event's speaker.
            if not tail and (paren := _TAIL_PARENS_RE.match(entry.title)):
                if paren["head"]:
                    entry.title, tail = paren["head"].strip(), f"({paren['inner']})"
        if tail:
            if entry.kind == EVENT:
                entry.speaker = tail[1:-1].strip()
            else:
                entry.note = tail
        if not entry.title:
            self.problem(line, "an agenda item without a title")
            return False
        if any(c in entry.title for c in "[]"):
            self.problem(line, f"cannot read the title {entry.title!r}")
            return False
        return True

    # -- sections

    def _section(self, heading: str, heading_line: int, body) -> None:
        key = heading.casefold()
        if key in ("homeworks", "homework"):
            kind = SECTION_HOMEWORKS
            body = self._homeworks(body)
        elif key in ("project", "projects"):
            kind = SECTION_PROJECT
        elif key.startswith("reading assignment") or key.startswith("reading report"):
            kind = SECTION_READING
            body = self._papers(body)
            if any(_HARD_RE.search(text) for _, text in body):
                self.out.reading_hard_deadline = True
        else:
            kind = SECTION_OTHER
            if key in ("archives", "archive"):
                body = self._archives(body)
        text = "\n".join(t for _, t in body).strip("\n")
        self.out.sections.append(SectionEntry(kind, heading, text, heading_line))

    def _homeworks(self, body):
        kept, placed = [], False
        for line, text in body:
            if not _HOMEWORK_BULLET_RE.match(text.strip()):
                kept.append((line, text))
                continue
            if not placed:
                kept.append((line, MARKER_HOMEWORKS))
                placed = True
            self._homework(text.strip(), line)
        return kept

    def _homework(self, text: str, line: int) -> None:
        match = _HOMEWORK_ITEM_RE.match(text)
        title = match and _HOMEWORK_TITLE_RE.match(_squash(match["title"]))
        if not match or not title:
            self.problem(line, f'cannot read the homework {text!r} ("- [Homework N](url): …")')
            return
        rest = _squash(match["rest"])
        due = None
        summary = rest
        if due_match := _DUE_RE.match(rest):
            summary = due_match["summary"]
            try:
                due = parse_date(due_match["due"], term=self.out.term, year=self.out.year)
            except ValueError as exc:
                self.problem(line, str(exc))
                return
        number = int(title["number"])
        if any(h.number == number for h in self.out.homeworks):
            self.problem(line, f"Homework {number} is listed twice")
            return
        self.out.homeworks.append(
            HomeworkEntry(number, f"Homework {number}", match["url"], summary, due, line)
        )

    def _papers(self, body):
        kept, placed = [], False
        for line, text in body:
            if not _PAPER_TRIGGER_RE.match(text.strip()):
                kept.append((line, text))
                continue
            if not placed:
                kept.append((line, MARKER_PAPERS))
                placed = True
            match = _PAPER_RE.match(_squash(text))
            if not match:
                self.problem(
                    line, f'cannot read the paper {text.strip()!r} (- Authors, "Title", 2022. …)'
                )
                continue
            self.out.papers.append(
                PaperEntry(
                    authors=match["authors"].strip(),
                    title=match["title"].strip(),
                    year=int(match["year"]) if match["year"] else None,
                    url=match["url"] or "",
                    line=line,
                )
            )
        return kept

    def _archives(self, body):
        rows, _other, table_lines = self._table(body, first_header="topic")
        table = set(table_lines)
        for row_index, (line, cells) in enumerate(rows):
            if len(cells) != 1:
                self.problem(line, f"expected 1 cell (| Topic |), found {len(cells)}")
                continue
            for item_index, item in enumerate(_BR_RE.split(cells[0])):
                position = row_index * ROW_STEP + item_index
                entry = self._item(item, line, None, position, archived=True)
                if entry is None:
                    continue
                if entry.kind != LECTURE or entry.number is not None:
                    self.problem(line, "an archived lecture is written [Title](url) [[PDF](url)]")
                    continue
                key = agenda_key(entry)
                if any(agenda_key(a) == key for a in self.out.archived_lectures):
                    self.problem(line, f"archived lecture {entry.title!r} is listed twice")
                    continue
                self.out.archived_lectures.append(entry)
        kept: list = []
        for line, text in body:
            if line in table:
                if line == table_lines[0]:
                    kept.append((line, MARKER_ARCHIVED_LECTURES))
                continue
            match = _PREVIOUS_RE.match(text.strip())
            if not match:
                kept.append((line, text))
                continue
            if not self.out.previous_editions:
                kept.append((line, MARKER_PREVIOUS_EDITIONS))
            self.out.previous_editions.append(
                PreviousEditionEntry(match["label"].strip(), match["url"], line)
            )
        return kept

    # -- assignments

    def _merge_assignments(self) -> None:
        out = self.out
        by_key: dict[tuple, AssignmentEntry] = {}
        for entry in out.agenda:
            if entry.kind != DEADLINE:
                continue
            assignment = AssignmentEntry(
                kind=entry.assignment_kind,
                number=entry.assignment_number,
                title=entry.title,
                agenda_title=entry.agenda_title,
                due_date=entry.date,
                position=entry.position,
                line=entry.line,
            )
            out.assignments.append(assignment)
            by_key[assignment_key(assignment.kind, assignment.number, assignment.title)] = (
                assignment
            )
        for homework in out.homeworks:
            key = assignment_key(HOMEWORK, homework.number, homework.title)
            assignment = by_key.get(key)
            if assignment is None:
                if homework.due_date is None:
                    self.problem(
                        homework.line, f"{homework.title} has no due date and no deadline row"
                    )
                    continue
                self.warn(
                    homework.line, f'{homework.title} has no "Deadline for" row in the agenda'
                )
                assignment = AssignmentEntry(
                    kind=HOMEWORK,
                    number=homework.number,
                    title=homework.title,
                    agenda_title=homework.title,
                    due_date=homework.due_date,
                    position=len(out.agenda) * ROW_STEP + homework.number,
                    line=homework.line,
                )
                out.assignments.append(assignment)
                by_key[key] = assignment
            elif homework.due_date and homework.due_date != assignment.due_date:
                self.warn(
                    homework.line,
                    f"{homework.title} is due {homework.due_date:%B %d, %Y} here but "
                    f"{assignment.due_date:%B %d, %Y} in the agenda (line {assignment.line}); "
                    "the homework list wins",
                )
                assignment.due_date = homework.due_date
            assignment.handout_url = homework.url
            assignment.summary = homework.summary
        readings = [a for a in out.assignments if a.kind == READING_REPORT]
        if readings and out.reading_hard_deadline:
            readings[0].hard_deadline = True
        elif out.papers:
            self.problem(
                out.papers[0].line,
                'papers are listed but the agenda has no "Deadline for the reading assignment"',
            )


def _cells(row: str) -> list[str]:
    inner = row.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|"):
        inner = inner[:-1]
    return [c.strip() for c in inner.split("|")]


def _is_syllabus(title: str) -> bool:
    return title.casefold() in ("course syllabus", "syllabus")


def _describe(entry: AgendaEntry) -> str:
    if entry.kind == DEADLINE:
        return f'"Deadline for {entry.agenda_title}"'
    if entry.kind == LECTURE and entry.number is not None:
        return f"Lecture {entry.number}"
    return repr(entry.title)


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


def assignment_key(kind: str, number: int | None, title: str) -> tuple:
    if kind == HOMEWORK:
        return (kind, number)
    if kind == OTHER:
        return (kind, title.casefold())
    return (kind,)


def parse_readme(text: str) -> ParsedReadme:
    """Read a course README in the INFO8010 format; unreadable rows go to ``problems``."""
    return _Reader(text).parse()


# --------------------------------------------------------------------------- rendering


def render_links(links: list[LinkEntry]) -> str:
    """Bracketed links; consecutive numbered links of one kind share a bracket, as in
    ``[[code 1](u), [code 2](u)]``."""
    groups: list[list[LinkEntry]] = []
    for link in links:
        numbered = re.search(r"\s\d+\w?$", link.label)
        previous = groups[-1][-1] if groups else None
        if (
            numbered
            and previous is not None
            and previous.kind == link.kind
            and re.search(r"\s\d+\w?$", previous.label)
        ):
            groups[-1].append(link)
        else:
            groups.append([link])
    return " ".join(
        "[" + ", ".join(f"[{link.label}]({link.url})" for link in group) + "]" for group in groups
    )


def render_item(entry: AgendaEntry) -> str:
    if entry.kind == DEADLINE:
        return f"Deadline for {entry.agenda_title or entry.title}"
    title = f"[{entry.title}]({entry.title_url})" if entry.title_url else entry.title
    parts = []
    if entry.kind == LECTURE and entry.number is not None:
        parts.append(f"Lecture {entry.number}: {title}")
    elif entry.kind == EVENT and entry.label:
        parts.append(f"{entry.label}: {title}")
    else:
        parts.append(title)
    if entry.links:
        parts.append(render_links(entry.links))
    if entry.kind == EVENT and entry.speaker:
        parts.append(f"({entry.speaker})")
    elif entry.note:
        parts.append(entry.note)
    return " ".join(parts)


def render_agenda(readme: ParsedReadme) -> str:
    """The agenda table; items of one date and one row (position // ROW_STEP) share a row."""
    entries = sorted(
        readme.agenda,
        key=lambda e: (e.date is None, e.date or dt.date.min, e.position),
    )
    rows: list[list[AgendaEntry]] = []
    for entry in entries:
        if rows and _same_row(rows[-1][-1], entry):
            rows[-1].append(entry)
        else:
            rows.append([entry])
    lines = ["| Date | Topic |", "| --- | --- |"]
    for row in rows:
        date = row[0].date
        date_text = format_date(date, term=readme.term) if date else "---"
        lines.append(f"| {date_text} | " + "<br>".join(render_item(e) for e in row) + " |")
    return "\n".join(lines)


def _same_row(a: AgendaEntry, b: AgendaEntry) -> bool:
    return a.date == b.date and a.position // ROW_STEP == b.position // ROW_STEP


def render_homeworks(readme: ParsedReadme) -> str:
    lines = []
    for homework in sorted(readme.homeworks, key=lambda h: h.number):
        text = f"- [{homework.title}]({homework.url}):"
        if homework.summary:
            text += f" {homework.summary}"
        if homework.due_date:
            text += f" Due by **{format_date(homework.due_date, term='', with_year=True)}**."
        lines.append(text)
    return "\n".join(lines)


def render_papers(readme: ParsedReadme) -> str:
    lines = []
    for paper in readme.papers:
        text = f'- {paper.authors}, "{paper.title}"'
        if paper.year:
            text += f", {paper.year}."
        if paper.url:
            text += f" [[Paper]({paper.url})]"
        lines.append(text)
    return "\n".join(lines)


def render_previous_editions(readme: ParsedReadme) -> str:
    return "\n".join(f"- [{p.label}]({p.url})" for p in readme.previous_editions)


def render_archived_lectures(readme: ParsedReadme) -> str:
    lines = ["| Topic |", "| --- |"]
    lines += [f"| {render_item(e)} |" for e in readme.archived_lectures]
    return "\n".join(lines)


def structured_blocks(readme: ParsedReadme) -> dict[str, str]:
    """Marker -> the Markdown of the structured list it stands for (empty lists left out)."""
    blocks = {}
    if readme.homeworks:
        blocks[MARKER_HOMEWORKS] = render_homeworks(readme)
    if readme.papers:
        blocks[MARKER_PAPERS] = render_papers(readme)
    if readme.previous_editions:
        blocks[MARKER_PREVIOUS_EDITIONS] = render_previous_editions(readme)
    if readme.archived_lectures:
        blocks[MARKER_ARCHIVED_LECTURES] = render_archived_lectures(readme)
    return blocks


def expand_markers(body: str, blocks: dict[str, str]) -> str:
    """``body`` with each marker line replaced by its block (a marker without data goes)."""
    lines = []
    for line in body.split("\n"):
        if line.strip() in MARKERS:
            block = blocks.get(line.strip(), "")
            if block:
                lines.append(block)
            continue
        lines.append(line)
    return "\n".join(lines)


# Where a structured list goes when no section body has its marker (data added in the admin).
_FALLBACK_SECTIONS = {
    MARKER_HOMEWORKS: (SECTION_HOMEWORKS, "Homeworks", "{block}"),
    MARKER_PAPERS: (SECTION_READING, "Reading assignment", "{block}"),
    MARKER_PREVIOUS_EDITIONS: (SECTION_OTHER, "Archives", "### Previous editions\n\n{block}"),
    MARKER_ARCHIVED_LECTURES: (SECTION_OTHER, "Archives", "### Archived lectures\n\n{block}"),
}


def render_readme(readme: ParsedReadme) -> str:
    """The README in the INFO8010 format; ``parse_readme(render_readme(r))`` reads back ``r``."""
    out = [f"# {readme.course_code} - {readme.course_title}", ""]
    if readme.intro:
        out += [readme.intro, ""]
    bullets = []
    instructors = [s.name for s in readme.staff if s.role == "instructor"]
    tas = [s.name for s in readme.staff if s.role == "ta"]
    if instructors:
        label = "Instructor" if len(instructors) == 1 else "Instructors"
        bullets.append(f"- {label}: {', '.join(instructors)}")
    if tas:
        label = "Teaching assistant" if len(tas) == 1 else "Teaching assistants"
        bullets.append(f"- {label}: {', '.join(tas)}")
    if readme.schedule_text:
        bullets.append(f"- When: {readme.schedule_text}")
    if readme.meeting_room:
        bullets.append(f"- Classroom: {readme.meeting_room}")
    bullets += [f"- {info.label}: {info.value}" for info in readme.infos]
    if bullets:
        out += [*bullets, ""]
    out += ["## Agenda", "", render_agenda(readme), ""]

    blocks = structured_blocks(readme)
    sections = [SectionEntry(s.kind, s.heading, s.body) for s in readme.sections]
    placed = {m for s in sections for m in MARKERS if m in s.body.split("\n")}
    for marker in blocks:
        if marker in placed:
            continue
        kind, heading, template = _FALLBACK_SECTIONS[marker]
        target = next((s for s in sections if s.heading.casefold() == heading.casefold()), None)
        if target is None:
            target = SectionEntry(kind, heading, "")
            sections.append(target)
        target.body = "\n\n".join(p for p in (target.body, template.format(block=marker)) if p)
    for section in sections:
        out += [f"## {section.heading}", ""]
        body = expand_markers(section.body, blocks).strip("\n")
        if body:
            out += [body, ""]
    return "\n".join(out).rstrip("\n") + "\n"
