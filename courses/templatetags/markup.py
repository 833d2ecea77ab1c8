"""Markdown written by staff, rendered for the public pages.

Course text is written by instructors, but an edition may be imported from a README found on
the web, so it is treated as untrusted: Markdown is rendered, then the HTML is cleaned with
an allow-list (nh3). Raw HTML in the source survives only if it is on that list; scripts,
event handlers, styles and ``javascript:`` URLs never do.
"""

from __future__ import annotations

import re

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer"

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    # Removed with their content, not just unwrapped: their text is code, not prose.
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel=LINK_REL,
    # Markdown tables only have header cells in their header row.
    set_tag_attribute_values={"th": {"scope": "col"}},
)
_SINGLE_PARAGRAPH = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)


def render_markdown(text: str) -> str:
    """Sanitised HTML of the Markdown ``text``."""
    if not text:
        return ""
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return _cleaner.clean(html)


def render_inline_markdown(text: str) -> str:
    """Like ``render_markdown`` without the paragraph around a one-paragraph text."""
    html = render_markdown(text).strip()
    match = _SINGLE_PARAGRAPH.match(html)
    if match and "<p>" not in match.group(1):
        return match.group(1)
    return html


@register.filter(name="markdown", is_safe=True)
def markdown_filter(value) -> SafeString:
    """``{{ section.body|markdown }}``: Markdown rendered to sanitised HTML."""
    return mark_safe(render_markdown(str(value or "")))  # cleaned by nh3 above


@register.filter(name="inline_markdown", is_safe=True)
def inline_markdown_filter(value) -> SafeString:
    """``{{ assignment.summary|inline_markdown }}``: one line of Markdown, no <p>."""
    return mark_safe(render_inline_markdown(str(value or "")))  # cleaned by nh3 above
