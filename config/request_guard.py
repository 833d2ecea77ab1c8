"""Refuse junk before any view sees it: NUL characters in the path, the query string, the
headers and url-encoded form bodies, and bytes that are not UTF-8 in the query string and
form bodies (issue 10, case 8). (Django itself keeps non-UTF-8 bytes of the path
percent-encoded, so such a path is an ordinary 404.)

PostgreSQL cannot store or compare a string holding NUL ("A string literal cannot contain
NUL (0x00) characters" is a ValueError from the driver), so ``/calendar/%00.ics``,
``?edition=%00`` or an admin search for ``%00`` became 500s wherever the value reached a
query. No Lectern URL, parameter or header legitimately holds NUL or invalid UTF-8, so the
whole class is answered here, once: 400 with the code ``invalid_characters``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.http import HttpRequest, HttpResponse

from . import api_errors

CODE = "invalid_characters"


def _query_problem(query: str, where: str) -> str | None:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return f"The {where} is not valid UTF-8."
    except ValueError:
        return f"The {where} cannot be read."
    if any("\x00" in key or "\x00" in value for key, value in pairs):
        return f"The {where} contains a NUL character."
    return None


def problem(request: HttpRequest) -> str | None:
    """What is wrong with ``request``'s bytes, or None."""
    meta = request.META
    # Bytes of the path that are not UTF-8 are kept percent-encoded by Django (a 404).
    if "\x00" in request.path_info:
        return "The address contains a NUL character."
    query = meta.get("QUERY_STRING", "")
    if query and (found := _query_problem(query, "query string")):
        return found
    for key, value in meta.items():
        if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
            return f"The {key[5:].replace('_', '-').title()} header contains a NUL character."
    if request.method == "POST" and meta.get("CONTENT_TYPE", "").startswith(
        "application/x-www-form-urlencoded"
    ):
        # Django has read (and bounded, DATA_UPLOAD_MAX_MEMORY_SIZE) this body for CSRF anyway.
        body = request.body.decode("latin-1")
        if found := _query_problem(body, "form"):
            return found
    return None


def request_guard_middleware(get_response):
    def middleware(request: HttpRequest) -> HttpResponse:
        found = problem(request)
        if found is None:
            return get_response(request)
        if request.META.get("PATH_INFO", "").startswith("/api/"):
            return api_errors.problem_response(
                status=400, code=CODE, detail=found, errors={"non_field_errors": [found]}
            )
        return HttpResponse(
            f"Bad request ({CODE}): {found}\n", status=400, content_type="text/plain; charset=utf-8"
        )

    return middleware
