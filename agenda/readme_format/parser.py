"""Read a course README into ``ParsedReadme`` (docs/readme-format.md).

The document is read as markdown-it tokens (``markdown.read``); this module walks its blocks:
the header, the agenda table, the sections with their structured lists. Every problem
carries its source line.
"""

from __future__ import annotations

import datetime as dt
import re

from config.validators import link_url_problem

from . import grammar
from .items import ItemError, read_item, unread_item
from .markdown import LINK, Block, Document, Piece, pieces, read, split_breaks, url_problems
from .model import (
    DEADLINE,
    EVENT,
    HOMEWORK,
    LECTURE,
    MARKER_ARCHIVED_LECTURES,
    MARKER_HOMEWORKS,
    MARKER_PAPERS,
    MARKER_PREVIOUS_EDITIONS,
    READING_REPORT,
    ROW_STEP,
    SECTION_HOMEWORKS,
    SECTION_READING,
    AgendaEntry,
    AssignmentEntry,
    HomeworkEntry,
    InfoEntry,
    PaperEntry,
    ParsedReadme,
    PreviousEditionEntry,
    Problem,
    SectionEntry,
    StaffEntry,
    agenda_key,
    assignment_key,
)

_TITLE_RE = re.compile(r"^(?P<code>[A-Za-z]+\d+\w*)\s*[-–—:]\s*(?P<title>.+?)\s*$")
_INSTITUTION_RE = re.compile(
    r",\s*(?P<inst>[^,]+?),\s*(?:Spring|Summer|Fall|Autumn|Winter)\s+\d{4}", re.I
)
_TIME_RE = re.compile(r"\b(?P<h>\d{1,2})[:.h](?P<m>\d{2})\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?")
_LABELLED_RE = re.compile(r"^(?P<label>[^:\[\]()]{1,40}?)\s*:\s*(?P<value>.*)$", re.S)
_HOMEWORK_TITLE_RE = re.compile(r"^homework\s+(?P<number>\d+)$", re.I)
_HOMEWORK_BULLET_RE = re.compile(r"^\[?\s*homework\s+\d", re.I)
_DUE_RE = re.compile(r"^(?P<summary>.*?)\s*Due\s+(?:by|on)\s+\*\*(?P<due>[^*]+)\*\*\.?$", re.I)
_PAPER_TRIGGER_RE = re.compile(r'(?:"[^"]+"|\[\[Paper\]\()', re.I)
_PAPER_RE = re.compile(
    r'^(?P<authors>[^"]+?),\s*"(?P<title>[^"]+?)",?\s*(?P<year>\d{4})?\.?\s*'
    r"(?:\[\[Paper\]\((?P<url>[^()\s]+)\)\])?\s*\.?$",
    re.I,
)
_PREVIOUS_RE = re.compile(r"^\[(?P<label>[^\]]+)\]\((?P<url>[^()\s]+)\)\s*$")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")


class Reader:
    def __init__(self, text: str):
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.out = ParsedReadme()

    def problem(self, line: int, message: str, *, unsafe: bool = False) -> None:
        self.out.problems.append(Problem(line, message, unsafe=unsafe))

    def url_ok(self, line: int, url: str) -> bool:
        """A structured link's URL (a handout, a paper, a previous edition): http(s) or
        relative only (``config.validators``)."""
        if url and (problem := link_url_problem(url)):
            self.problem(line, problem, unsafe=True)
            return False
        return True

    def warn(self, line: int, message: str) -> None:
        self.out.warnings.append(Problem(line, message))

    def parse(self) -> ParsedReadme:
        if "\x00" in self.text:
            line = self.text[: self.text.index("\x00")].count("\n") + 1
            self.problem(line, "the README contains a NUL byte", unsafe=True)
            return self.out
        doc = read(self.text)
        for line, message in url_problems(doc):
            self.problem(line, message, unsafe=True)
        self.doc = doc
        chunks = self._chunks(doc)
        agenda_seen = False
        for heading, line, blocks, end in chunks:
            if heading is None:
                self._header(blocks)
            elif heading.casefold() in grammar.AGENDA_HEADINGS and not agenda_seen:
                agenda_seen = True
                self._agenda(line, blocks)
            else:
                self._section(heading, line, blocks, end)
        if not self.out.course_code:
            self.problem(1, 'no "# CODE - Title" heading (e.g. "# INFO8010 - Deep Learning")')
        if not agenda_seen:
            self.problem(1, 'no "## Agenda" section')
        self._merge_assignments()
        # A link in the agenda is checked by the item and by the whole-document audit.
        unique = {(p.line, p.message): p for p in self.out.problems}
        self.out.problems = sorted(unique.values(), key=lambda p: p.line)
        return self.out

    def _chunks(self, doc: Document):
        """[(heading or None, heading line, blocks, last line)] split at the ``##`` headings."""
        chunks: list = [[None, 0, [], len(doc.lines)]]
        title_seen = False
        for block in doc.blocks:
            if block.kind == "heading" and block.level == 2:
                chunks[-1][3] = block.line - 1
                chunks.append([block.text.strip(), block.line, [], len(doc.lines)])
            elif block.kind == "heading" and block.level == 1 and not title_seen:
                title_seen = True
                if match := _TITLE_RE.match(block.text.strip()):
                    self.out.course_code, self.out.course_title = match["code"], match["title"]
                else:
                    self.problem(block.line, f"cannot read the title {block.text.strip()!r}")
            else:
                chunks[-1][2].append(block)
        return [tuple(c) for c in chunks]

    def _source(self, block: Block) -> str:
        return "\n".join(self.doc.lines[block.line - 1 : block.end]).strip("\n")

    # -- header

    def _header(self, blocks: list[Block]) -> None:
        intro: list[str] = []
        when_term = ""
        for block in blocks:
            if block.kind != "bullet":
                intro.append(self._source(block))
                continue
            labelled = _LABELLED_RE.match(block.text.strip())
            if not labelled:
                self.problem(
                    block.line, f'cannot read the header bullet {block.text!r} ("Label: value")'
                )
                continue
            label, value = labelled["label"].strip(), labelled["value"].strip()
            key = label.casefold()
            if key in grammar.STAFF_LABELS:
                self._staff(grammar.STAFF_LABELS[key], value, block.line)
            elif key in grammar.WHEN_LABELS:
                when_term = self._when(value, block.line)
            elif key in grammar.ROOM_LABELS:
                self.out.meeting_room = value
            else:
                self.out.infos.append(InfoEntry(label, value))
        self.out.intro = "\n\n".join(intro).strip()
        found = grammar.season_year(when_term) or grammar.season_year(self.out.intro)
        if found:
            self.out.term = f"{found[0]} {found[1]}"
            self.out.year = found[1]
        else:
            line = blocks[0].line if blocks else 1
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
        days = [i for i, d in enumerate(grammar.WEEKDAYS) if re.search(rf"\b{d}s?\b", lowered)]
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
        return value if grammar.has_term(value) else ""

    # -- agenda

    def _written_cells(self, line: int) -> int:
        """How many cells the source row has (markdown-it pads or cuts to the header's)."""
        text = self.doc.lines[line - 1].strip()
        text = re.sub(r"`[^`]*`", "", text)
        cells = _CELL_SPLIT_RE.split(text)
        if cells and not cells[0].strip():
            cells = cells[1:]
        if cells and not cells[-1].strip() and text.endswith("|"):
            cells = cells[:-1]
        return len(cells)

    def _agenda(self, heading_line: int, blocks: list[Block]) -> None:
        table = next((b for b in blocks if b.kind == "table"), None)
        for block in blocks:
            if block is not table:
                text = self._source(block).split("\n")[0]
                self.problem(block.line, f"text outside the agenda table is not imported: {text!r}")
        if table is None:
            self.problem(heading_line, "no table in the Agenda section")
            return
        header = [cell.content.strip().casefold() for cell in table.rows[0].cells]
        columns = len(header)
        if columns < 2 or header[0] not in grammar.DATE_COLUMNS | {""}:
            self.problem(
                table.line, "the agenda table starts with a Date column (| Date | Topic |)"
            )
            return
        seen: dict[tuple, int] = {}
        for row_index, row in enumerate(table.rows[1:]):
            self._agenda_row(row_index, row, header, columns, seen)

    def _agenda_row(self, row_index, row, header, columns, seen) -> None:
        line = row.line
        written = self._written_cells(line)
        all_pieces = [p for cell in row.cells[1:] for p in pieces(cell)]
        if written != columns:
            self._unreadable(
                line, f"expected {columns} cells, found {written}", all_pieces, None, row_index
            )
            return
        date_text = row.cells[0].content
        date: dt.date | None = None
        if date_text.strip().casefold() not in grammar.UNDATED:
            try:
                date = grammar.parse_date(date_text, term=self.out.term, year=self.out.year)
            except ValueError as exc:
                self._unreadable(line, str(exc), all_pieces, None, row_index)
                return
        parts: list[tuple[list[Piece], str]] = []
        for cell, name in zip(row.cells[1:], header[1:], strict=True):
            column = "" if name in grammar.ITEM_COLUMNS else name
            parts += [(p, column) for p in split_breaks(pieces(cell))]
        if all(not "".join(p.text for p in part).strip() for part, _ in parts):
            self.warn(line, "an agenda row without an item: not imported")
            return
        if len(parts) >= ROW_STEP:
            self._unreadable(
                line, f"more than {ROW_STEP - 1} items in one row", all_pieces, date, row_index
            )
            return
        row_entries: list[AgendaEntry] = []
        for item_index, (part, column) in enumerate(parts):
            position = row_index * ROW_STEP + item_index
            if not "".join(p.text for p in part).strip() and not any(p.kind == LINK for p in part):
                continue  # an empty cell beside others, or "<br><br>"
            if column and all(p.kind == LINK or not p.text.strip(" ,[]") for p in part):
                if not any(p.kind == LINK for p in part):
                    continue  # an empty extra column
                if self._column_links(line, part, column, row_entries):
                    continue
            entry = self._item(part, line, date, position, archived=False)
            if entry is None:
                continue
            if column and entry.kind == EVENT and not entry.label:
                entry.label = column.capitalize()
            if entry.date is None and entry.kind != EVENT:
                self.problem(line, f"{_describe(entry)} needs a date")
                continue
            key = agenda_key(entry)
            if key in seen:
                self.problem(line, f"{_describe(entry)} already appears on line {seen[key]}")
                continue
            seen[key] = line
            row_entries.append(entry)
            self.out.agenda.append(entry)

    def _column_links(self, line, part, column, row_entries) -> bool:
        """Links alone in an extra column ("| Tutorial |") go to the row's last lecture."""
        target = next((e for e in reversed(row_entries) if e.kind == LECTURE), None)
        if target is None:
            return False
        try:
            links = [item for item in _links_of(part)]
        except ItemError as exc:
            self.problem(line, str(exc), unsafe=exc.unsafe)
            return True
        target.links += links
        return True

    def _item(self, part, line, date, position, *, archived) -> AgendaEntry | None:
        try:
            return read_item(
                part,
                line=line,
                date=date,
                position=position,
                archived=archived,
                warn=lambda message: self.warn(line, message),
            )
        except ItemError as exc:
            self.problem(line, str(exc), unsafe=exc.unsafe)
            if not archived and not exc.unsafe:
                self.out.agenda.append(unread_item(part, line=line, date=date, position=position))
            return None

    def _unreadable(self, line, message, all_pieces, date, row_index) -> None:
        self.problem(line, message)
        self.out.agenda.append(
            unread_item(all_pieces, line=line, date=date, position=row_index * ROW_STEP)
        )

    # -- sections

    def _section(self, heading: str, heading_line: int, blocks: list[Block], end: int) -> None:
        kind = grammar.section_kind(heading)
        lines = [(n, self.doc.lines[n - 1]) for n in range(heading_line + 1, end + 1)]
        if kind == SECTION_HOMEWORKS:
            lines = self._cut(lines, blocks, MARKER_HOMEWORKS, self._homework)
        elif kind == SECTION_READING:
            lines = self._cut(lines, blocks, MARKER_PAPERS, self._paper)
            if any(grammar.HARD_RE.search(text) for _, text in lines):
                self.out.reading_hard_deadline = True
        elif heading.casefold() in grammar.ARCHIVE_HEADINGS:
            lines = self._archives(lines, blocks)
        text = "\n".join(t for _, t in lines).strip("\n")
        self.out.sections.append(SectionEntry(kind, heading, text, heading_line))

    def _cut(self, lines, blocks, marker, reader) -> list:
        """``lines`` without the bullets ``reader`` takes (it returns False for prose bullets),
        the marker standing where the first one was."""
        taken: set[int] = set()
        for block in blocks:
            if block.kind == "bullet" and reader(block):
                taken.update(range(block.line, block.end + 1))
        kept, placed = [], False
        for number, text in lines:
            if number in taken and text.strip():
                if not placed:
                    kept.append((number, marker))
                    placed = True
                continue
            kept.append((number, text))
        return kept

    def _homework(self, block: Block) -> bool:
        text = grammar.squash(block.text.replace("\n", " "))
        if not _HOMEWORK_BULLET_RE.match(text):
            return False
        parts = pieces(block.inline) if block.inline else []
        first = parts[0] if parts else None
        title = (
            first and first.kind == LINK and _HOMEWORK_TITLE_RE.match(grammar.squash(first.text))
        )
        if not title:
            self.problem(
                block.line, f'cannot read the homework {text!r} ("- [Homework N](url): …")'
            )
            return True
        rest = grammar.squash(
            "".join(p.text if p.kind != LINK else f"[{p.text}]({p.url})" for p in parts[1:])
        )
        rest = rest.removeprefix(":").strip()
        due, summary = None, rest
        if due_match := _DUE_RE.match(rest):
            summary = due_match["summary"]
            try:
                due = grammar.parse_date(due_match["due"], term=self.out.term, year=self.out.year)
            except ValueError as exc:
                self.problem(block.line, str(exc))
                return True
        number = int(title["number"])
        assert first is not None  # matched above
        if not self.url_ok(block.line, first.url):
            return True
        if any(h.number == number for h in self.out.homeworks):
            self.problem(block.line, f"Homework {number} is listed twice")
            return True
        self.out.homeworks.append(
            HomeworkEntry(number, f"Homework {number}", first.url, summary, due, block.line)
        )
        return True

    def _paper(self, block: Block) -> bool:
        text = grammar.squash(block.text.replace("\n", " "))
        if not _PAPER_TRIGGER_RE.search(text):
            return False
        match = _PAPER_RE.match(text)
        if not match:
            self.problem(
                block.line, f'cannot read the paper {text!r} (- Authors, "Title", 2022. …)'
            )
            return True
        if not self.url_ok(block.line, match["url"] or ""):
            return True
        self.out.papers.append(
            PaperEntry(
                authors=match["authors"].strip(),
                title=match["title"].strip(),
                year=int(match["year"]) if match["year"] else None,
                url=match["url"] or "",
                line=block.line,
            )
        )
        return True

    def _previous(self, block: Block) -> bool:
        match = _PREVIOUS_RE.match(block.text.strip())
        if not match:
            return False
        if not self.url_ok(block.line, match["url"]):
            return True
        self.out.previous_editions.append(
            PreviousEditionEntry(match["label"].strip(), match["url"], block.line)
        )
        return True

    def _archives(self, lines, blocks) -> list:
        table = next(
            (
                b
                for b in blocks
                if b.kind == "table" and b.rows[0].cells[0].content.strip().casefold() == "topic"
            ),
            None,
        )
        if table is not None:
            self._archived_lectures(table)
            span = set(range(table.line, table.end + 1))
            kept = []
            for number, text in lines:
                if number in span and text.strip():
                    if number == table.line:
                        kept.append((number, MARKER_ARCHIVED_LECTURES))
                    continue
                kept.append((number, text))
            lines = kept
        return self._cut(lines, blocks, MARKER_PREVIOUS_EDITIONS, self._previous)

    def _archived_lectures(self, table: Block) -> None:
        for row_index, row in enumerate(table.rows[1:]):
            written = self._written_cells(row.line)
            if written != 1:
                self.problem(row.line, f"expected 1 cell (| Topic |), found {written}")
                continue
            for item_index, part in enumerate(split_breaks(pieces(row.cells[0]))):
                position = row_index * ROW_STEP + item_index
                entry = self._item(part, row.line, None, position, archived=True)
                if entry is None:
                    continue
                if entry.kind != LECTURE or entry.number is not None:
                    self.problem(
                        row.line, "an archived lecture is written [Title](url) [[PDF](url)]"
                    )
                    continue
                key = agenda_key(entry)
                if any(agenda_key(a) == key for a in self.out.archived_lectures):
                    self.problem(row.line, f"archived lecture {entry.title!r} is listed twice")
                    continue
                self.out.archived_lectures.append(entry)

    # -- assignments

    def _merge_assignments(self) -> None:
        out = self.out
        by_key: dict[tuple, AssignmentEntry] = {}
        for entry in out.agenda:
            if entry.kind != DEADLINE:
                continue
            assert entry.date is not None  # checked when the row was read
            assignment = AssignmentEntry(
                kind=entry.assignment_kind,
                number=entry.assignment_number,
                title=entry.title,
                agenda_title=entry.agenda_title,
                due_date=entry.date,
                position=entry.position,
                line=entry.line,
            )
            if entry.title_url:
                assignment.handout_url = entry.title_url
                assignment.handout_in_agenda = True
            out.assignments.append(assignment)
            by_key[assignment_key(assignment.kind, assignment.number, assignment.title)] = (
                assignment
            )
        for homework in out.homeworks:
            self._merge_homework(homework, by_key)
        readings = [a for a in out.assignments if a.kind == READING_REPORT]
        if readings:
            if out.reading_hard_deadline:
                readings[0].hard_deadline = True
        elif out.papers:
            self.problem(
                out.papers[0].line,
                'papers are listed but the agenda has no "Deadline for the reading assignment"',
            )

    def _merge_homework(self, homework: HomeworkEntry, by_key: dict) -> None:
        out = self.out
        key = assignment_key(HOMEWORK, homework.number, homework.title)
        assignment = by_key.get(key)
        if assignment is None:
            if homework.due_date is None:
                self.problem(homework.line, f"{homework.title} has no due date and no deadline row")
                return
            self.warn(homework.line, f'{homework.title} has no "Deadline for" row in the agenda')
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
        if assignment.handout_in_agenda and assignment.handout_url != homework.url:
            self.warn(
                homework.line,
                f"{homework.title} links {homework.url} here but {assignment.handout_url} in the "
                "agenda; the homework list wins",
            )
        assignment.handout_url = homework.url
        assignment.summary = homework.summary


def _links_of(part: list[Piece]):
    from .items import _link

    return [_link(p.text, p.url) for p in part if p.kind == LINK]


def _describe(entry: AgendaEntry) -> str:
    if entry.kind == DEADLINE:
        return f'"Deadline for {entry.agenda_title}"'
    if entry.kind == LECTURE and entry.number is not None:
        return f"Lecture {entry.number}"
    return repr(entry.title)


def parse_readme(text: str) -> ParsedReadme:
    """Read a course README; unreadable rows go to ``problems`` (each with its line)."""
    return Reader(text).parse()
