"""RFC 5545 calendars from plain data. Pure: no ORM, no settings, no request.

The edition feed (``agenda.calendar``) and any later personal feed describe their entries with
``CalendarEntry`` and call ``build_calendar``. Every timed DTSTART/DTEND is written as local
wall-clock time with ``TZID=<the calendar's zone>`` and the zone's VTIMEZONE is included, so
clients show 23:59 Brussels time whatever their own zone; only DTSTAMP and LAST-MODIFIED are
UTC, as RFC 5545 requires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar

PRODID = "-//Lectern//Course calendar//EN"
# How often subscribed clients should poll (RFC 7986 REFRESH-INTERVAL, Outlook's TTL).
REFRESH_INTERVAL = dt.timedelta(hours=6)
# The VTIMEZONE lists transitions this far around the entries (a term needs a year or so).
_ZONE_MARGIN = dt.timedelta(days=366)


@dataclass(frozen=True)
class CalendarEntry:
    """One VEVENT.

    ``start`` is an aware datetime (any zone: it is written in the calendar's zone) or a
    ``date`` for an all-day entry. ``end`` is of the same type; ``end == start`` is an
    instant (a deadline: written with DTEND = DTSTART, which calendar apps show on its day
    only); None writes no DTEND. TEXT values (summary, description, location, categories)
    are escaped by ``icalendar`` (``\\``, ``;``, ``,``, newlines).
    """

    uid: str
    summary: str
    start: dt.datetime | dt.date
    end: dt.datetime | dt.date | None = None
    description: str = ""
    location: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()
    sequence: int = 0
    last_modified: dt.datetime | None = None
    transparent: bool = False  # True: does not block time in free/busy (deadlines)
    cancelled: bool = False  # STATUS:CANCELLED (RFC 5545 §3.8.1.11): kept, shown cancelled


def build_calendar(
    *,
    name: str,
    tz_name: str,
    entries: Iterable[CalendarEntry],
    generated_at: dt.datetime,
    description: str = "",
) -> bytes:
    """The serialized VCALENDAR of ``entries`` in zone ``tz_name``.

    ``generated_at`` (aware) is the DTSTAMP of entries that have no ``last_modified``; with
    it, building twice from the same data gives the same bytes.
    """
    zone = ZoneInfo(tz_name)
    entries = list(entries)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("name", name)
    cal.add("x-wr-timezone", tz_name)
    if description:
        cal.add("x-wr-caldesc", description)
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL).to_ical().decode())
    cal.add_component(_vtimezone(tz_name, entries, generated_at))
    for entry in entries:
        cal.add_component(_vevent(entry, zone, generated_at))
    return cal.to_ical()


def _vtimezone(
    tz_name: str, entries: list[CalendarEntry], generated_at: dt.datetime
) -> icalendar.Timezone:
    days = [_day(e.start) for e in entries] or [generated_at.date()]
    return icalendar.Timezone.from_tzid(
        tz_name,
        first_date=min(days) - _ZONE_MARGIN,
        last_date=max(days) + _ZONE_MARGIN,
    )


def _day(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _local(value: dt.datetime | dt.date, zone: ZoneInfo) -> dt.datetime | dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("calendar times must be aware")
        # Written with TZID=<zone>, never as UTC "Z" times.
        return value.astimezone(zone)
    return value


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(microsecond=0)


def _vevent(entry: CalendarEntry, zone: ZoneInfo, generated_at: dt.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", _utc(entry.last_modified or generated_at))
    if entry.last_modified is not None:
        event.add("last-modified", _utc(entry.last_modified))
    event.add("sequence", entry.sequence)
    event.add("summary", entry.summary)
    event.add("dtstart", _local(entry.start, zone))
    if entry.end is not None:
        event.add("dtend", _local(entry.end, zone))
    if entry.description:
        event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    if entry.categories:
        event.add("categories", list(entry.categories))
    if entry.cancelled:
        event.add("status", "CANCELLED")
    event.add("transp", "TRANSPARENT" if entry.transparent or entry.cancelled else "OPAQUE")
    return event
