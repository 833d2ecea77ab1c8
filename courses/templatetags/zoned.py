"""Local times shown with their zone, as docs/decisions/0002-deadline-rule.md says:
"Mon 6 Mar 2023, 23:59 Brussels time (CET)"."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from courses import timeutils

register = template.Library()

# Spelled out rather than strftime's %a/%b, which follow the process locale.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_place(tz_name: str) -> str:
    """The place of a zone name: Europe/Brussels → Brussels, America/New_York → New York."""
    return tz_name.rsplit("/", 1)[-1].replace("_", " ")


def format_zoned(moment: dt.datetime, tz_name: str) -> str:
    """``moment`` as wall-clock time in ``tz_name``, with the zone spelled out."""
    local = timeutils.to_local(moment, tz_name)
    return (
        f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{local:%H:%M} {zone_place(tz_name)} time ({local.tzname()})"
    )


@register.simple_tag
def zoned_time(moment: dt.datetime | None, tz_name: str) -> SafeString | str:
    """``{% zoned_time assignment.due_at edition.timezone %}`` → a <time> element."""
    if moment is None:
        return ""
    local = timeutils.to_local(moment, tz_name)
    return format_html(
        '<time datetime="{}">{}</time>',
        local.isoformat(timespec="minutes"),
        format_zoned(moment, tz_name),
    )
