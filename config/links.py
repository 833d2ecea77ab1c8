"""Links read outside the site (e-mails) must be absolute: they are built from ``SITE_URL``,
the scheme and host the site is served under, never from a request."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``) on this site: ``https://lectern.example.org/me/``."""
    return settings.SITE_URL.rstrip("/") + path


def absolute_for(request, path: str) -> str:
    """``path`` as an absolute URL: on the request's host when there is a request (the API
    answers on the host it was asked on), else on ``SITE_URL``."""
    if request is not None:
        return request.build_absolute_uri(path)
    return absolute_url(path)
