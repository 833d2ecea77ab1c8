"""Deadline arithmetic (docs/decisions/0002-deadline-rule.md). Pure: no ORM.

A submission is accepted iff its official time is strictly before the group's effective
deadline: the assignment's deadline, moved by the group's extension in wall-clock terms in
the edition's zone, plus the assignment's grace period.
"""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import pgettext

from courses import timeutils


def effective_deadline(
    *,
    due_at: dt.datetime,
    tz_name: str,
    extension_days: int = 0,
    extension_hours: int = 0,
    grace_minutes: int = 0,
) -> dt.datetime:
    """The instant after which nothing is accepted for one group.

    The extension is added to the local wall-clock time (23:59 + 2 days is 23:59 two days
    later, whatever DST does in between); the grace period is real elapsed time. A moved
    time in the spring gap (23:59 + 3 hours on the night the clocks go forward) is refused
    when granted (``extended_deadline_problem``); read, it never raises: it is taken at the
    offset before the change (docs/decisions/0018-dst-gap-rule.md).
    """
    moved = due_at
    if extension_days or extension_hours:
        moved = timeutils.shift_wall_clock(
            due_at, tz_name, days=extension_days, hours=extension_hours, strict=False
        )
    # In UTC: adding a timedelta to a zoned datetime would add wall-clock time.
    return moved.astimezone(dt.UTC) + dt.timedelta(minutes=grace_minutes)


def extended_deadline_problem(
    *, due_at: dt.datetime, tz_name: str, extension_days: int, extension_hours: int
) -> str | None:
    """Why an extension cannot be granted as asked (its local end time does not exist in the
    edition's zone), or None."""
    try:
        timeutils.shift_wall_clock(due_at, tz_name, days=extension_days, hours=extension_hours)
    except timeutils.NonexistentLocalTime:
        local = timeutils.to_local(due_at, tz_name).replace(tzinfo=None)
        moved = local + dt.timedelta(days=extension_days, hours=extension_hours)
        return (
            f"This extension would end at {moved:%H:%M} on {moved:%a} {moved.day} "
            f"{moved:%b %Y}, a time that does not exist in {tz_name} (the clocks go forward "
            "that night). Give one hour more or less, or whole days."
        )
    return None


def for_group(assignment, extension=None) -> dt.datetime:
    """The effective deadline of ``assignment`` for a group with ``extension`` (None: none).

    Reads only attributes (``due_at``, ``edition.timezone``, ``grace_minutes``; ``days`` and
    ``hours``), so the callers' loaded rows are enough.
    """
    return effective_deadline(
        due_at=assignment.due_at,
        tz_name=assignment.edition.timezone,
        extension_days=extension.days if extension else 0,
        extension_hours=extension.hours if extension else 0,
        grace_minutes=assignment.grace_minutes,
    )


def is_on_time(*, official_time: dt.datetime, deadline: dt.datetime) -> bool:
    return official_time < deadline


def describe(*, deadline: dt.datetime, tz_name: str, city: str | None = None) -> str:
    """ "accepted until 23:59:00 Brussels time (CET) on Mon 6 Mar 2023" """
    local = timeutils.to_local(deadline, tz_name)
    city = city or tz_name.split("/")[-1].replace("_", " ")
    # Django's formats in the active language, not strftime (which follows the process locale).
    return pgettext("deadline", "accepted until %(time)s %(city)s time (%(abbr)s) on %(date)s") % {
        "time": date_format(local, "H:i:s"),
        "city": city,
        "abbr": local.tzname(),
        "date": date_format(local, pgettext("deadline", "D j M Y")),
    }
