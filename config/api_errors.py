"""One error format for all of ``/api/``: RFC 9457 problem details.

Every refusal is ``application/problem+json``::

    {"type": "urn:lectern:problem:deadline_passed", "title": "Deadline passed",
     "status": 403, "detail": "…", "code": "deadline_passed"}

``code`` is stable (clients branch on it); ``type`` is the same code as a URI; a 400 also
carries ``errors``, one list of messages per field (``non_field_errors`` for the request as a
whole). Extension members of an error (``deadline``, ``official_time``) sit beside them.

Services raise ``config.errors.ApplicationError`` subclasses (their status, code and
details are theirs to state) or Django's ``ValidationError``; everything else is DRF's
(401, 403, 404, 405, 406, 415, 429, parse errors) and is reshaped here. Paths that no view
serves (an unknown ``/api/`` path, a server error) get the same body from ``api_not_found``
and ``api_server_error``, installed as the site's 404 and 500 handlers for ``/api/``.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:lectern:problem:"
# Headers DRF's handler sets that the problem response must keep.
_KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


def problem_body(
    *,
    status: int,
    code: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + code,
        "title": _title(status),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if status == 400:
        body["errors"] = errors or {}
    for key, value in (extra or {}).items():
        body.setdefault(key, value)
    return body


def problem_response(
    *,
    status: int,
    code: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """A plain Django response (never content-negotiated: errors are always JSON)."""
    body = problem_body(status=status, code=code, detail=detail, errors=errors, extra=extra)
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE, headers=headers)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _messages(value: Any) -> list[str]:
    """DRF's nested error details flattened to strings."""
    if isinstance(value, dict):
        return [f"{key}: {m}" for key, nested in value.items() for m in _messages(nested)]
    if isinstance(value, list | tuple):
        return [m for item in value for m in _messages(item)]
    return [str(value)]


def _field_errors(data: Any) -> dict[str, list[str]]:
    if isinstance(data, dict):
        return {str(field): _messages(messages) for field, messages in data.items()}
    return {"non_field_errors": _messages(data)}


def _summary(errors: dict[str, list[str]]) -> str:
    parts = [
        message if field == "non_field_errors" else f"{field}: {message}"
        for field, messages in errors.items()
        for message in messages
    ]
    return " ".join(parts) or "The request is invalid."


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    if isinstance(exc, ApplicationError):
        errors = None
        if exc.status_code == 400:
            errors = {"non_field_errors": [exc.message]}
        return problem_response(
            status=exc.status_code,
            code=exc.code,
            detail=exc.message,
            errors=errors,
            extra=exc.details(),
            headers=exc.headers(),
        )
    if isinstance(exc, DjangoValidationError):
        errors = (
            {field: list(messages) for field, messages in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": list(exc.messages)}
        )
        errors = {("non_field_errors" if k == "__all__" else k): v for k, v in errors.items()}
        return problem_response(status=400, code="invalid", detail=_summary(errors), errors=errors)
    # DRF's handler turns these into its own; convert them first, for their codes.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(response.data)
        result = problem_response(
            status=400, code="invalid", detail=_summary(errors), errors=errors
        )
    else:
        code = exc.default_code if isinstance(exc, exceptions.APIException) else "error"
        data = response.data
        detail = str(data.get("detail", "")) if isinstance(data, dict) else " ".join(data)
        errors = {"non_field_errors": [detail]} if status == 400 else None
        result = problem_response(status=status, code=code, detail=detail, errors=errors)
    for header in _KEPT_HEADERS:
        if header in response.headers:
            result.headers[header] = response.headers[header]
    return result


def api_not_found(request: HttpRequest) -> HttpResponse:
    return problem_response(
        status=404, code="not_found", detail=f"No API resource at {request.path}."
    )


def api_server_error(request: HttpRequest) -> HttpResponse:
    return problem_response(
        status=500,
        code="server_error",
        detail="The server failed to answer; the error is logged.",
    )
