"""The one rule for the URL of a link shown on a course page (a lecture's slides, a handout, a
paper, a previous edition), used by the models (so by the admin and every form), the API and
the README import (docs/decisions/0013-course-as-code.md).

Allowed: an absolute ``http``/``https`` URL that Django's ``URLValidator`` accepts, or a
relative reference (``homeworks/homework1.zip``, ``../lec1.pdf``, ``#agenda``), at most
``LINK_URL_MAX_LENGTH`` characters. Everything else — ``javascript:``, ``data:``,
``vbscript:``, ``file:``, a protocol-relative ``//host``, control characters, spaces — is
refused: browsers run or fetch such URLs when the link is clicked.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.forms import CharField as FormCharField

LINK_URL_MAX_LENGTH = 500

_absolute = URLValidator(schemes=["http", "https"])
# A scheme is letters, digits, "+", "-", "." before the first ":" (RFC 3986 §3.1); a
# relative reference has a ":" only after a "/", "?" or "#".
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_UNSAFE_CHARS_RE = re.compile(r"[\x00-\x20\x7f\\]")


def link_url_problem(value: str) -> str | None:
    """Why ``value`` may not be a link's URL, or None when it may."""
    if not value:
        return "the URL is empty"
    if len(value) > LINK_URL_MAX_LENGTH:
        return f"the URL is longer than {LINK_URL_MAX_LENGTH} characters"
    if _UNSAFE_CHARS_RE.search(value):
        return f"the URL {value[:80]!r} contains spaces, control characters or backslashes"
    if _SCHEME_RE.match(value):
        scheme = value.split(":", 1)[0].lower()
        if scheme not in ("http", "https"):
            return f"the URL {value[:80]!r} is not allowed: only http(s) and relative links are"
        try:
            _absolute(value)
        except ValidationError:
            return f"the URL {value[:80]!r} is not a valid http(s) URL"
        return None
    if value.startswith("//"):
        return f"the URL {value[:80]!r} has no scheme: write https://"
    if ":" in re.split(r"[/?#]", value, maxsplit=1)[0]:
        # Not a relative reference (RFC 3986 §4.2): "java%09script:…" and the like.
        return f"the URL {value[:80]!r} is not allowed: only http(s) and relative links are"
    return None


def validate_link_url(value: str) -> None:
    """Django validator: raise ``ValidationError`` for a URL that ``link_url_problem`` refuses."""
    problem = link_url_problem(value)
    if problem:
        raise ValidationError(problem[:1].upper() + problem[1:] + ".", code="invalid_url")


class LinkURLField(models.CharField):
    """A link's URL: ``validate_link_url`` in the model, the admin and every model form.

    A ``CharField`` rather than a ``URLField``: Django's URL form field would turn a relative
    link into ``http://…`` and accept ``ftp:``.
    """

    default_validators = [validate_link_url]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", LINK_URL_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def formfield(self, form_class=None, choices_form_class=None, **kwargs):
        return super().formfield(
            form_class=form_class or FormCharField, choices_form_class=choices_form_class, **kwargs
        )
