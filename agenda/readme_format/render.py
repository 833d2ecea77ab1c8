"""Write ``ParsedReadme`` back as a course README: ``parse_readme(render_readme(r))`` reads
back ``r`` (tested on every fixture and as a Hypothesis property)."""

from __future__ import annotations

import datetime as dt
import re

from .grammar import format_date
from .model import (
    DEADLINE,
    EVENT,
    LECTURE,
    MARKER_ARCHIVED_LECTURES,
    MARKER_HOMEWORKS,
    MARKER_PAPERS,
    MARKER_PREVIOUS_EDITIONS,
    MARKERS,
    ROW_STEP,
    SECTION_HOMEWORKS,
    SECTION_OTHER,
    SECTION_READING,
    AgendaEntry,
    LinkEntry,
    ParsedReadme,
    SectionEntry,
)


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
        what = entry.agenda_title or entry.title
        if entry.title_url:
            return f"Deadline for [{what}]({entry.title_url})"
        return f"Deadline for {what}"
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
    if entry.cancelled:
        return f"~~{' '.join(parts)}~~ _(Cancelled)_"
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
