import datetime as dt
import functools

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def countdown(seconds: int) -> str:
    """ "2 days 3 hours", "3 hours 12 minutes", "45 minutes", "less than a minute" """
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def unit(n, word):
        return f"{n} {word}{'s' if n != 1 else ''}"

    if days:
        return f"{unit(days, 'day')} {unit(hours, 'hour')}"
    if hours:
        return f"{unit(hours, 'hour')} {unit(minutes, 'minute')}"
    if minutes:
        return unit(minutes, "minute")
    return "less than a minute"


@register.filter
def in_zone(moment, tz_name: str) -> str:
    """ "Mon 6 Mar 2023, 23:59 Brussels time (CET)" """
    from courses.templatetags.zoned import format_zoned

    if not moment or not tz_name:
        return ""
    return format_zoned(moment, tz_name)


@register.simple_tag
def deadline(moment, tz_name: str, viewer_tz: str | None = None):
    """``<time>`` in the edition's zone, and the viewer's own zone when it differs."""
    # In UTC: equal instants in different zones are equal keys, and must render alike.
    return _deadline_html(moment.astimezone(dt.UTC), tz_name, viewer_tz or None)


# A page lists the same few deadlines again and again (a dashboard shows each twice on every
# reload): the markup depends on nothing else, so it is kept.
@functools.lru_cache(maxsize=4096)
def _deadline_html(moment, tz_name: str, viewer_tz: str | None):
    html = format_html(
        '<time datetime="{}">{}</time>', moment.isoformat(), in_zone(moment, tz_name)
    )
    if viewer_tz and viewer_tz != tz_name:
        html += format_html(
            ' <span class="muted">(your time: {})</span>', in_zone(moment, viewer_tz)
        )
    return html
