"""Wall-clock arithmetic in an edition's time zone. Pure: no ORM, no settings.

Deadlines and lecture times are local wall-clock times in the edition's IANA zone. They are
resolved to aware datetimes here, and only here, so that DST changes are handled once.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones


class NonexistentLocalTime(ValueError):
    """The wall-clock time falls in a DST gap (e.g. 02:30 on the last Sunday of March)."""


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_valid_zone(name: str) -> bool:
    return name in available_timezones()


def localize(day: dt.date, at: dt.time, tz_name: str) -> dt.datetime:
    """The aware datetime of wall-clock ``at`` on ``day`` in ``tz_name``.

    Ambiguous times (the repeated hour in autumn) resolve to the first occurrence; times in
    the spring gap do not exist and raise ``NonexistentLocalTime``.
    """
    tz = ZoneInfo(tz_name)
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    aware = naive.replace(tzinfo=tz, fold=0)
    # A time in the gap does not survive a round trip through UTC.
    roundtrip = aware.astimezone(dt.UTC).astimezone(tz)
    if roundtrip.replace(tzinfo=None) != naive:
        raise NonexistentLocalTime(f"{naive:%Y-%m-%d %H:%M} does not exist in {tz_name}")
    return aware


def resolve(day: dt.date, at: dt.time, tz_name: str) -> dt.datetime:
    """Like ``localize``, but a time in the spring gap never raises: it is read at the UTC
    offset in force *before* the clocks moved (02:59 on the night Brussels goes from CET to
    CEST is 02:59 CET, i.e. 03:59 CEST). Nothing that exists ends earlier than asked.

    For reads only (docs/decisions/0018-dst-gap-rule.md): writes refuse such times with
    ``localize``; this is the rule for rows that hold one anyway (older data, a new
    time-zone database).
    """
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    # PEP 495: fold=0 maps a time in a gap with the offset before the transition.
    tz = ZoneInfo(tz_name)
    return naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC).astimezone(tz)


def to_local(moment: dt.datetime, tz_name: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(ZoneInfo(tz_name))


def shift_wall_clock(
    moment: dt.datetime,
    tz_name: str,
    *,
    days: int = 0,
    hours: int = 0,
    minutes: int = 0,
    strict: bool = True,
) -> dt.datetime:
    """Move ``moment`` by a wall-clock amount in ``tz_name`` (DST-safe: 23:59 stays 23:59).

    A result in the spring gap raises ``NonexistentLocalTime``, or with ``strict=False`` is
    resolved by ``resolve``'s rule.
    """
    local = to_local(moment, tz_name).replace(tzinfo=None)
    moved = local + dt.timedelta(days=days, hours=hours, minutes=minutes)
    return (localize if strict else resolve)(moved.date(), moved.time(), tz_name)


def shift_date_by_weeks(day: dt.date, weeks: int) -> dt.date:
    return day + dt.timedelta(weeks=weeks)


def weeks_between(old: dt.date, new: dt.date) -> int:
    """Whole weeks from ``old`` to ``new``, rounded to the nearest week so weekdays stay."""
    days = (new - old).days
    return round(days / 7)
