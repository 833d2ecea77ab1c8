"""Local times shown with their zone, as docs/decisions/0002-deadline-rule.md says:
"Mon 6 Mar 2023, 23:59 Brussels time (CET)"."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import pgettext

from courses import timeutils

register = template.Library()


def zone_place(tz_name: str) -> str:
    """The place of a zone name: Europe/Brussels → Brussels, America/New_York → New York."""
    return tz_name.rsplit("/", 1)[-1].replace("_", " ")


def format_zoned(moment: dt.datetime, tz_name: str) -> str:
    """``moment`` as wall-clock time in ``tz_name``, with the zone spelled out."""
    local = timeutils.to_local(moment, tz_name)
    # Django's date formatting, in the active language (never strftime, which follows the
    # process locale): "Mon 6 Mar 2023, 23:59" / "lun 6 mar 2023, 23:59".
    when = date_format(local, pgettext("zoned time", "D j M Y, H:i"))
    return pgettext("zoned time", "%(when)s %(place)s time (%(abbr)s)") % {
        "when": when,
        "place": zone_place(tz_name),
        "abbr": local.tzname(),
    }


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
