import datetime as dt
import functools

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def countdown(seconds: int) -> str:
    """ "2 days 3 hours", "3 hours 12 minutes", "45 minutes", "less than a minute" """
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60

    def d(n):
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}

    def h(n):
        return ngettext("%(n)s hour", "%(n)s hours", n) % {"n": n}

    def m(n):
        return ngettext("%(n)s minute", "%(n)s minutes", n) % {"n": n}

    if days:
        return f"{d(days)} {h(hours)}"
    if hours:
        return f"{h(hours)} {m(minutes)}"
    if minutes:
        return m(minutes)
    return _("less than a minute")


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
    return _deadline_html(moment.astimezone(dt.UTC), tz_name, viewer_tz or None, get_language())


# A page lists the same few deadlines again and again (a dashboard shows each twice on every
# reload): the markup depends on nothing else than the language, so it is kept.
@functools.lru_cache(maxsize=4096)
def _deadline_html(moment, tz_name: str, viewer_tz: str | None, language: str | None):
    html = format_html(
        '<time datetime="{}">{}</time>', moment.isoformat(), in_zone(moment, tz_name)
    )
    if viewer_tz and viewer_tz != tz_name:
        html += format_html(
            ' <span class="muted">({})</span>',
            _("your time: %(when)s") % {"when": in_zone(moment, viewer_tz)},
        )
    return html


@register.simple_tag
def exact_time(moment, tz_name: str):
    """A human time in the edition's zone, with the exact ISO instant in a ``<details>``."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return format_html(
        '<time datetime="{}">{}</time> <details class="exact-time"><summary>{}</summary>'
        "<code>{}</code></details>",
        moment.isoformat(),
        in_zone(moment, tz_name),
        _("exact time"),
        moment.isoformat(),
    )
