"""Dates written in an instructor's prose ("submitted by **May 19**", "June 2, 2023"), moved
with the edition when it is cloned, so that a new term does not keep last year's dates next
to its real deadlines. Pure: no ORM, no clock."""

from __future__ import annotations

import datetime as dt
import re

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = "|".join(MONTHS)
# "May 19", "May 19, 2023", "May 19th"; and "19 May", "19 May 2023".
_MONTH_DAY = re.compile(
    rf"\b(?P<month>{_MONTH}) (?P<day>\d{{1,2}})(?P<th>st|nd|rd|th)?(?:, (?P<year>\d{{4}}))?\b"
)
_DAY_MONTH = re.compile(rf"\b(?P<day>\d{{1,2}}) (?P<month>{_MONTH})(?: (?P<year>\d{{4}}))?\b")


def shift_prose_dates(text: str, *, days: int, default_year: int) -> str:
    """``text`` with every English month-and-day date moved by ``days``; a date without a year
    is read in ``default_year``. Dates that do not exist ("February 30") are left alone."""
    if not days or not text:
        return text

    def moved(match: re.Match[str]) -> dt.date | None:
        year = int(match["year"]) if match["year"] else default_year
        try:
            day = dt.date(year, MONTHS.index(match["month"]) + 1, int(match["day"]))
        except ValueError:
            return None
        return day + dt.timedelta(days=days)

    def month_day(match: re.Match[str]) -> str:
        day = moved(match)
        if day is None:
            return match[0]
        out = f"{MONTHS[day.month - 1]} {day.day}{_ordinal(day.day) if match['th'] else ''}"
        return f"{out}, {day.year}" if match["year"] else out

    def day_month(match: re.Match[str]) -> str:
        day = moved(match)
        if day is None:
            return match[0]
        out = f"{day.day} {MONTHS[day.month - 1]}"
        return f"{out} {day.year}" if match["year"] else out

    return _DAY_MONTH.sub(day_month, _MONTH_DAY.sub(month_day, text))


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
