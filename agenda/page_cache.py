"""Shared copies of the public course page and archives page for anonymous visitors
(docs/decisions/0022-public-pages-from-the-cache.md).

An anonymous visitor of a public edition sees what every other anonymous visitor sees, in
their language and under the host they asked for: the whole rendered response is kept in
the shared cache under the edition's generation (``agenda/cache.py``, the schedule's), per
(page, language, scheme and host — the page writes absolute calendar addresses), and served
with an ETag (the body's digest) and 304s. Any write to the edition invalidates the
generation (``config.generations.invalidate``), so the next request renders afresh.

What keeps a signed-in user's data out of the copies, and the copies away from them:

- only a *plain* anonymous GET is served from or stored into a copy: no session cookie (so
  nobody is signed in and no message waits in the session), no pending message cookie, no
  ``Authorization`` header, no query string (the language switcher sends the full path
  back). Anything else renders as before, marked ``Cache-Control: private``;
- a response is stored only when rendering it put nothing per-request in it: no cookie
  set, no CSRF token used (``get_token`` flags the cookie for renewal), no CSP nonce drawn,
  no session or message written, and the viewer was anonymous. The pages are built so (no
  inline script, a language switcher without a token), and these checks keep a later
  template change from leaking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from . import cache as agenda_cache

HTML = "text/html; charset=utf-8"


def plain_anonymous_get(request: HttpRequest, *, query_matters: bool = True) -> bool:
    """A GET (or HEAD) that nobody signed in sent and that nothing personal can answer."""
    return (
        request.method in ("GET", "HEAD")
        and not (query_matters and request.META.get("QUERY_STRING"))
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether rendering ``response`` put nothing that belongs to this request in it."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a CSRF token was used
        and getattr(request, "_csp_nonce", None) is None  # django-csp drew a nonce
        and not (session is not None and session.modified)  # a session cookie would follow
        and not getattr(getattr(request, "_messages", None), "added_new", False)
        and not (user is not None and user.is_authenticated)
    )


def page_variant(request: HttpRequest, name: str) -> str:
    """What the copy of page ``name`` depends on besides the edition's data."""
    return f"page:{name}:{translation.get_language()}:{request.scheme}://{request.get_host()}"


def page_etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def _answer(request: HttpRequest, *, body: bytes, etag: str) -> HttpResponse:
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type=HTML)
    response.headers["ETag"] = etag
    # Shared caches may keep it (it is everyone's page) but must revalidate.
    patch_cache_control(response, public=True, no_cache=True)
    patch_vary_headers(response, ("Cookie", "Authorization"))
    return response


def served(
    request: HttpRequest, *, slug: str, name: str, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """Page ``name`` of edition ``slug``: the shared copy for a plain anonymous GET (one
    cache round trip at most, no query), else ``render()``."""
    if not plain_anonymous_get(request):
        response = render()
        patch_cache_control(response, private=True)
        return response
    variant = page_variant(request, name)
    cached = agenda_cache.cached_response(slug=slug, variant=variant)
    if cached is not None:
        return _answer(request, body=cached.body, etag=cached.digest)
    # Read before rendering: a write committed meanwhile replaces it, discarding the copy.
    generation = agenda_cache.generation_token(slug)
    response = render()
    if not shareable(request, response):
        return response
    body = response.content
    etag = page_etag(body)
    agenda_cache.copy_set(
        slug=slug,
        variant=variant,
        body=agenda_cache.CachedBody(generation, etag, timezone.now(), body),
    )
    return _answer(request, body=body, etag=etag)
