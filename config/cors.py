"""Cross-origin reads (django-cors-headers, with one rule it has no setting for).

- The public read endpoints (editions, schedule, lectures, assignments, the schema, the
  edition calendar feeds) answer ``GET``/``HEAD`` from any origin with
  ``Access-Control-Allow-Origin: *`` and no credentials: a page elsewhere reads what anyone
  may read, and a browser never sends a visitor's session with such a request, so a staff
  member browsing another site does not lend it their view of drafts.
- Everything under ``/api/`` (writes, ``/me/``, grades, tokens) is allowed, with credentials,
  only from the origins listed in ``CORS_ALLOWED_ORIGINS`` (environment; empty by default).
"""

from __future__ import annotations

import re

from corsheaders.conf import conf
from corsheaders.middleware import (
    ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE,
    CorsMiddleware,
)
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_vary_headers

PUBLIC_READ = re.compile(
    r"^/api/(?:schema/|v1/editions/(?:[^/]+/(?:schedule/|lectures/|assignments/)?)?)$"
    r"|^/editions/[^/]+/calendar\.ics$"
)
PUBLIC_METHODS = ("GET", "HEAD", "OPTIONS")


def is_public_read(request: HttpRequest) -> bool:
    return request.method in PUBLIC_METHODS and bool(PUBLIC_READ.match(request.path_info))


class LecternCorsMiddleware(CorsMiddleware):
    def add_response_headers(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        origin = request.headers.get("origin")
        listed = False
        if origin:
            try:
                listed = self.origin_found_in_white_lists(origin, _split(origin))
            except ValueError:
                return response
        if not origin or listed or not is_public_read(request):
            return super().add_response_headers(request, response)
        patch_vary_headers(response, ("origin",))
        response[ACCESS_CONTROL_ALLOW_ORIGIN] = "*"
        response[ACCESS_CONTROL_EXPOSE_HEADERS] = ", ".join(conf.CORS_EXPOSE_HEADERS)
        if request.method == "OPTIONS":
            response[ACCESS_CONTROL_ALLOW_HEADERS] = ", ".join(conf.CORS_ALLOW_HEADERS)
            response[ACCESS_CONTROL_ALLOW_METHODS] = ", ".join(PUBLIC_METHODS)
            response[ACCESS_CONTROL_MAX_AGE] = str(conf.CORS_PREFLIGHT_MAX_AGE)
        return response


def _split(origin: str):
    from urllib.parse import urlsplit

    return urlsplit(origin)
