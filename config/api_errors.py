"""One place where errors raised by services become API responses.

Services raise ``config.errors.ApplicationError`` subclasses (their status, code and
details are theirs to state) or Django's ``ValidationError``; everything else is DRF's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(exc.body(), status=exc.status_code, headers=exc.headers())
    if isinstance(exc, DjangoValidationError):
        return Response({"error": "invalid", "detail": " ".join(exc.messages)}, status=400)
    return drf_exception_handler(exc, context)
