"""``/api/`` paths without their trailing slash.

Django's ``APPEND_SLASH`` answers them with a 301 (the method becomes GET and the body is
lost; with ``DEBUG`` a POST is a 500). An API client that forgot the slash gets a 308
instead, which keeps the method and the body, to the path that exists; a path that exists
with no slash at all, or nowhere, goes on to the view or to the problem-details 404.
"""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve


class HttpResponsePermanentRedirectKeepMethod(HttpResponsePermanentRedirect):
    status_code = 308


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def api_trailing_slash_middleware(get_response):
    def middleware(request):
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/") and not _resolves(path):
            if _resolves(path + "/"):
                query = request.META.get("QUERY_STRING", "")
                location = request.path + "/" + (f"?{query}" if query else "")
                return HttpResponsePermanentRedirectKeepMethod(location)
        return get_response(request)

    return middleware
