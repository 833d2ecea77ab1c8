"""One agenda item (a ``<br>``-separated part of a cell) read from its Markdown pieces.

    [~~] [Lecture N: | Deadline for | Label: ] [Title](url) | Title
         { [[label](url), [label](url)] | [label](url) | , }  [(note or speaker)] [~~ _(Cancelled)_]

Link kinds and deadline names come from ``grammar``; every link's URL passes
``config.validators.link_url_problem`` or the item is refused as unsafe.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from config.validators import link_url_problem

from . import grammar
from .markdown import LINK, STRIKE_CLOSE, STRIKE_OPEN, TEXT, Piece
from .model import DEADLINE, EVENT, LECTURE, OTHER, SYLLABUS, AgendaEntry, LinkEntry

Report = Callable[..., None]  # report(message, unsafe=False)

_DEADLINE_RE = re.compile(r"^\s*deadline\s+for\s+(?P<rest>.*)$", re.I | re.S)
_LECTURE_RE = re.compile(r"^\s*lecture\s+(?P<number>\d+)\s*:\s*(?P<rest>.*)$", re.I | re.S)
_BAD_LECTURE_RE = re.compile(r"^\s*lecture\s+\S+\s*:", re.I)
_EVENT_RE = re.compile(r"^(?P<label>[A-Z][A-Za-z][A-Za-z \-]{0,38}?)\s*:\s*(?P<rest>.*)$", re.S)
_TAIL_PARENS_RE = re.compile(r"^(?P<head>.*?)\s*\((?P<inner>[^()]*(?:\([^()]*\)[^()]*)*)\)$")
_CANCELLED_TAIL_RE = re.compile(r"[\s_*]*\(\s*cancell?ed\s*\)[\s_*.]*$", re.I)


class ItemError(Exception):
    def __init__(self, message: str, *, unsafe: bool = False):
        super().__init__(message)
        self.unsafe = unsafe


def read_item(
    parts: list[Piece],
    *,
    line: int,
    date: dt.date | None,
    position: int,
    archived: bool,
    warn: Report,
) -> AgendaEntry:
    """The item; raises ``ItemError`` with the reason when it cannot be read."""
    parts = _trim(parts)
    if not parts:
        raise ItemError("empty agenda item")
    parts, cancelled = _cancelled(parts)
    head = parts[0].text if parts[0].kind == TEXT else ""
    entry = AgendaEntry(EVENT, date, position, "", line, archived=archived, cancelled=cancelled)
    if not archived and (match := _DEADLINE_RE.match(head)):
        return _deadline(entry, [Piece(TEXT, match["rest"]), *parts[1:]], warn)
    if match := _LECTURE_RE.match(head):
        entry.kind, entry.number = LECTURE, int(match["number"])
        rest = [Piece(TEXT, match["rest"]), *parts[1:]]
    elif _BAD_LECTURE_RE.match(head):
        raise ItemError(f'cannot read the lecture {_plain(parts)!r} (expected "Lecture N: Title")')
    elif archived or not head.strip():
        entry.kind = LECTURE
        rest = parts
    elif (match := _EVENT_RE.match(head)) and (match["rest"].strip() or len(parts) > 1):
        entry.label = match["label"].strip()
        rest = [Piece(TEXT, match["rest"]), *parts[1:]]
    else:
        rest = parts
    _fill(entry, _trim(rest))
    if entry.kind == LECTURE and entry.number is None and not entry.title_url and not archived:
        entry.kind = EVENT  # plain text that is not "Lecture N": an event
    if entry.number is None and not entry.label:
        if entry.title.casefold() in grammar.SYLLABUS_TITLES:
            entry.kind = SYLLABUS
    _check_lengths(entry)
    return entry


def _trim(parts: list[Piece]) -> list[Piece]:
    parts = [p for p in parts if not (p.kind == TEXT and not p.text.strip())]
    return parts


def _cancelled(parts: list[Piece]) -> tuple[list[Piece], bool]:
    """``~~item~~ _(Cancelled)_`` (or ``item (Cancelled)``) -> (item, True)."""
    cancelled = False
    if parts[0].kind == STRIKE_OPEN:
        closes = [i for i, p in enumerate(parts) if p.kind == STRIKE_CLOSE]
        if closes:
            after = "".join(p.text if p.kind == TEXT else "\0" for p in parts[closes[-1] + 1 :])
            if not after.strip() or grammar.CANCELLED_RE.match(after):
                parts, cancelled = parts[1 : closes[-1]], True
    # Strikethrough anywhere else is text as written.
    flat: list[Piece] = []
    for piece in parts:
        if piece.kind in (STRIKE_OPEN, STRIKE_CLOSE):
            piece = Piece(TEXT, "~~")
        if piece.kind == TEXT and flat and flat[-1].kind == TEXT:
            flat[-1] = Piece(TEXT, flat[-1].text + piece.text)
        else:
            flat.append(piece)
    if flat and flat[-1].kind == TEXT and (match := _CANCELLED_TAIL_RE.search(flat[-1].text)):
        flat[-1] = Piece(TEXT, flat[-1].text[: match.start()])
        cancelled = True
    return _trim(flat), cancelled


def _link(label: str, url: str) -> LinkEntry:
    if problem := link_url_problem(url):
        raise ItemError(problem, unsafe=True)
    label = grammar.squash(label)
    return LinkEntry(grammar.link_kind(label, url), label, url)


def _deadline(entry: AgendaEntry, parts: list[Piece], warn: Report) -> AgendaEntry:
    """``Deadline for Homework 1``, ``Deadline for [Homework 1](url)``,
    ``Deadline for the project [[handout](url)]``."""
    name, urls, depth = [], [], 0
    for piece in parts:
        if piece.kind == LINK:
            urls.append(_link(piece.text, piece.url).url)
            if depth == 0:
                name.append(piece.text)
            continue
        for char in piece.text:
            if char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif depth == 0:
                name.append(char)
    what = grammar.squash("".join(name))
    if depth != 0 or len(urls) > 1:
        raise ItemError(f"cannot read the deadline {_plain(parts)!r} (one link at most)")
    if not what:
        raise ItemError('"Deadline for" what?')
    kind, number, title = grammar.classify_deadline(what)
    if kind == OTHER:
        warn(f"unknown deadline {what!r}: imported as an assignment of kind other")
    entry.kind, entry.title, entry.agenda_title = DEADLINE, title, what
    entry.assignment_kind, entry.assignment_number = kind, number
    entry.title_url = urls[0] if urls else ""
    if entry.cancelled:
        raise ItemError("a deadline cannot be cancelled in the agenda; remove its row")
    return entry


def _fill(entry: AgendaEntry, parts: list[Piece]) -> None:
    """Read "[Title](url) [[PDF](u)] [[a](u), [b](u)] [c](u), [d](u) (note)" into ``entry``."""
    index = 0
    if parts and parts[0].kind == LINK:
        entry.title = grammar.squash(parts[0].text)
        entry.title_url = _link(parts[0].text, parts[0].url).url
        index = 1
    elif parts:
        text = parts[0].text
        cut = text.find("[")
        entry.title = grammar.squash(text if cut < 0 else text[:cut])
        parts = [Piece(TEXT, text[cut:]) if cut >= 0 else Piece(TEXT, ""), *parts[1:]]
        index = 0
    depth, tail, rest = 0, "", parts[index:]
    for offset, piece in enumerate(rest):
        if piece.kind == LINK:
            if tail:
                raise ItemError(f"cannot read {_plain(rest)!r} after the links")
            entry.links.append(_link(piece.text, piece.url))
            continue
        text = piece.text
        position = 0
        while position < len(text):
            char = text[position]
            if char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
                if depth < 0:
                    raise ItemError(f"cannot read the links in {_plain(rest)!r}")
            elif char == "(" and depth == 0 and offset == len(rest) - 1:
                tail = text[position:].strip()
                if not tail.endswith(")"):
                    raise ItemError(f"cannot read {tail!r} after the links")
                break
            elif not (char.isspace() or char == ","):
                raise ItemError(f"cannot read {_plain(rest).strip()!r} after the links")
            position += 1
    if depth != 0:
        raise ItemError(f"cannot read the links in {_plain(rest)!r} (expected [[PDF](url)])")
    if not entry.title_url and not tail and (paren := _TAIL_PARENS_RE.match(entry.title)):
        if paren["head"]:
            entry.title, tail = paren["head"].strip(), f"({paren['inner']})"
    if tail:
        if entry.kind == EVENT:
            entry.speaker = tail[1:-1].strip()
        else:
            entry.note = tail
    if not entry.title:
        raise ItemError("an agenda item without a title")
    if any(c in entry.title for c in "[]"):
        raise ItemError(f"cannot read the title {entry.title!r}")


def _check_lengths(entry: AgendaEntry) -> None:
    limit = grammar.MAX_TITLE[entry.kind]
    if len(entry.title) > limit:
        raise ItemError(f"the title is longer than {limit} characters")
    if len(entry.label) > grammar.MAX_LABEL or len(entry.speaker) > grammar.MAX_NOTE:
        raise ItemError("the label or the speaker is too long")
    if len(entry.note) > grammar.MAX_NOTE:
        raise ItemError(f"the note is longer than {grammar.MAX_NOTE} characters")
    for link in entry.links:
        if len(link.label) > grammar.MAX_LABEL:
            raise ItemError(f"the link label {link.label[:40]!r}… is too long")


def _plain(parts: list[Piece]) -> str:
    out = []
    for piece in parts:
        out.append(f"[{piece.text}]({piece.url})" if piece.kind == LINK else piece.text)
    return grammar.squash("".join(out))


def unread_item(
    parts: list[Piece], *, line: int, date: dt.date | None, position: int
) -> AgendaEntry:
    """What --allow-problems keeps of an unreadable item: an event with its text and the
    links whose URL is acceptable."""
    links = []
    for piece in parts:
        if piece.kind == LINK and not link_url_problem(piece.url):
            label = grammar.squash(piece.text)[: grammar.MAX_LABEL]
            links.append(LinkEntry(grammar.link_kind(label, piece.url), label, piece.url))
    text = "".join(p.text for p in parts if p.kind in (TEXT, LINK))
    title = grammar.squash(text.replace("[", " ").replace("]", " "))
    title = title[: grammar.MAX_TITLE[EVENT]] or "(unreadable agenda item)"
    return AgendaEntry(EVENT, date, position, title, line, links=links, unread=True)
