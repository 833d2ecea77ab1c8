"""One place where service errors become API responses."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from submissions.errors import DeadlinePassed, SubmissionRefused


def exception_handler(exc, context):
    if isinstance(exc, SubmissionRefused):
        body = {"error": exc.code, "detail": exc.message}
        if isinstance(exc, DeadlinePassed):
            body["deadline"] = exc.deadline.isoformat()
            body["official_time"] = exc.official_time.isoformat()
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response({"error": "invalid", "detail": " ".join(exc.messages)}, status=400)
    return drf_exception_handler(exc, context)
