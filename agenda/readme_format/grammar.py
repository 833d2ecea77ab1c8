"""The README grammar as data: which words and URLs mean what.

A new way of writing something that another edition uses is a new row in one of these
tables, not new parsing code (docs/readme-format.md lists them for instructors).
"""

from __future__ import annotations

import datetime as dt
import re

from .model import (
    HOMEWORK,
    LINK_CODE,
    LINK_HANDOUT,
    LINK_NOTEBOOK,
    LINK_OTHER,
    LINK_PDF,
    LINK_SLIDES,
    LINK_TUTORIAL,
    LINK_VIDEO,
    OTHER,
    PROJECT,
    PROJECT_PROPOSAL,
    READING_REPORT,
    SECTION_HOMEWORKS,
    SECTION_OTHER,
    SECTION_PROJECT,
    SECTION_READING,
)

# --------------------------------------------------------------------------- links

# A link's kind from the first word of its label ("[PDF]", "[code 2]", "[Notebook]").
LINK_KINDS_BY_LABEL: dict[str, str] = {
    "slides": LINK_SLIDES,
    "slide": LINK_SLIDES,
    "pdf": LINK_PDF,
    "video": LINK_VIDEO,
    "recording": LINK_VIDEO,
    "code": LINK_CODE,
    "notebook": LINK_NOTEBOOK,
    "colab": LINK_NOTEBOOK,
    "tutorial": LINK_TUTORIAL,
    "handout": LINK_HANDOUT,
    "homework": LINK_HANDOUT,
}

# Else from its URL (a label that is a title: "[Installation and tensor operations](…)").
# First match wins.
LINK_KINDS_BY_URL: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\.ipynb(?:[?#].*)?$|colab\.research\.google\.com", re.I), LINK_NOTEBOOK),
    (re.compile(r"(?:youtube\.com|youtu\.be|vimeo\.com)/", re.I), LINK_VIDEO),
    (re.compile(r"/tutorials?(?:/|$)", re.I), LINK_TUTORIAL),
    (re.compile(r"/homeworks?/|\.zip(?:[?#].*)?$", re.I), LINK_HANDOUT),
    (re.compile(r"\.pdf(?:[?#].*)?$|/pdf/", re.I), LINK_PDF),
    (re.compile(r"/code/|\.py(?:[?#].*)?$", re.I), LINK_CODE),
)


def link_kind(label: str, url: str = "") -> str:
    """``[PDF]`` -> pdf, ``[code 2]`` -> code, ``[Spiral classification](x.ipynb)`` -> notebook."""
    words = label.strip().split()
    if words and (kind := LINK_KINDS_BY_LABEL.get(words[0].casefold().rstrip(":"))):
        return kind
    for pattern, kind in LINK_KINDS_BY_URL:
        if pattern.search(url):
            return kind
    return LINK_OTHER


# --------------------------------------------------------------------------- deadlines

# "Deadline for <what>": <what> without its article, matched in order -> (kind, title).
# "{n}" in a title is the number matched by the pattern's group.
DEADLINE_KINDS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^homework\s+(\d+)$", re.I), HOMEWORK, "Homework {n}"),
    (re.compile(r"^(?:project\s+proposal|proposal)$", re.I), PROJECT_PROPOSAL, "Project proposal"),
    (
        re.compile(r"^(?:final\s+)?project(?:\s*\((?:code|report|code and report)\))?$", re.I),
        PROJECT,
        "Project",
    ),
    (
        re.compile(r"^reading\s+(?:assignment|report)(?:\s*\(report\))?$|^report$", re.I),
        READING_REPORT,
        "Reading assignment",
    ),
)
_ARTICLE_RE = re.compile(r"^(the|a|an)\s+", re.I)


def classify_deadline(what: str) -> tuple[str, int | None, str]:
    """The wording after "Deadline for" -> (assignment kind, number, normalised title)."""
    core = _ARTICLE_RE.sub("", squash(what))
    for pattern, kind, title in DEADLINE_KINDS:
        if match := pattern.match(core):
            number = int(match[1]) if match.groups() else None
            return kind, number, title.format(n=number)
    return OTHER, None, core[:1].upper() + core[1:]


# --------------------------------------------------------------------------- header, sections

STAFF_LABELS = {
    "instructor": "instructor",
    "instructors": "instructor",
    "lecturer": "instructor",
    "lecturers": "instructor",
    "teaching assistant": "ta",
    "teaching assistants": "ta",
    "ta": "ta",
    "tas": "ta",
}
WHEN_LABELS = {"when"}
ROOM_LABELS = {"classroom", "room", "where"}

# Section heading (casefolded, prefix match) -> kind.
SECTION_KINDS: tuple[tuple[str, str], ...] = (
    ("homework", SECTION_HOMEWORKS),
    ("project", SECTION_PROJECT),
    ("reading assignment", SECTION_READING),
    ("reading report", SECTION_READING),
)
ARCHIVE_HEADINGS = {"archives", "archive"}
AGENDA_HEADINGS = {"agenda", "schedule"}


def section_kind(heading: str) -> str:
    key = heading.casefold()
    for prefix, kind in SECTION_KINDS:
        if key.startswith(prefix):
            return kind
    return SECTION_OTHER


# Agenda table columns: the date column, the item columns; any other column's links are
# attached to the row's last lecture (or become an event labelled with the column's name).
DATE_COLUMNS = {"date", "dates", "when", "day"}
ITEM_COLUMNS = {"topic", "topics", "lecture", "lectures", "agenda", "content", "what"}

UNDATED = {"", "-", "--", "---", "—", "–", "tba", "tbd"}
SYLLABUS_TITLES = {"course syllabus", "syllabus"}
CANCELLED_RE = re.compile(r"^[\s_*]*\(?\s*cancell?ed\s*\)?[\s_*.]*$", re.I)
HARD_RE = re.compile(r"\*\*hard\*\*\s+deadline|\bhard\s+deadline", re.I)

# Lengths the models accept (refused with the row's line rather than cut).
MAX_TITLE = {"lecture": 200, "syllabus": 200, "event": 300, "deadline": 200}
MAX_LABEL = 64
MAX_NOTE = 200

# --------------------------------------------------------------------------- dates

MONTHS = (
    "january february march april may june july august september october november december"
).split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_SPACES_RE = re.compile(r"[ \t]+")
_TERM_RE = re.compile(r"\b(?P<season>Spring|Summer|Fall|Autumn|Winter)\s+(?P<year>\d{4})\b", re.I)
_DATE_RE = re.compile(
    r"^(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?$"
)


def squash(text: str) -> str:
    return _SPACES_RE.sub(" ", text).strip()


def has_term(text: str) -> bool:
    return bool(_TERM_RE.search(text or ""))


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
    match = _DATE_RE.match(squash(text))
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
