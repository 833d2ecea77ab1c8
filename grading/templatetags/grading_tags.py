"""Numbers of the grade pages: decimals without trailing zeros and never in exponent form."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


def _plain(value) -> str:
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{number.quantize(Decimal(1)):f}"
    return f"{number.normalize():f}"


@register.filter
def num(value) -> str:
    """14.50 → "14.5", 40.0000 → "40", None → ""."""
    return _plain(value)


@register.filter
def pct(value) -> str:
    return "" if value in (None, "") else f"{_plain(value)}%"


@register.filter
def field_of(form, name):
    return form[name]


@register.simple_tag
def local_time(moment, tz_name: str):
    """``{% local_time submission.submitted_at edition.timezone %}`` → "2023-03-06 23:59 CET"
    in a <time> element: the edition's wall clock with the zone's abbreviation."""
    if moment is None:
        return ""
    from django.utils.html import format_html

    from courses import timeutils

    local = timeutils.to_local(moment, tz_name)
    return format_html(
        '<time datetime="{}" title="{}">{} {}</time>',
        local.isoformat(timespec="seconds"),
        tz_name,
        f"{local:%Y-%m-%d %H:%M}",
        local.tzname(),
    )
