"""Hand-ins accepted and refused, counted for the metrics in one place (``config/metrics.py``).

``submission_create`` is wrapped by ``counted``, so every path that hands in (the form, the
API, the admin) is counted once, by outcome: a new version, a replayed retry, or a refusal
by its error code (the code the student or client is shown: ``deadline_passed``,
``checks_busy``, ``too_many_hand_ins``, a file check's ``pdf_encrypted``,
``storage_unavailable``, …). The API refuses some hand-ins before calling the service
(an upload over the size limit, no turn to be checked): it wraps that part in
``outcome_counted`` too; an exception is counted once however many of them it crosses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec

from django.core.exceptions import ValidationError
from rest_framework.exceptions import APIException

from config import metrics
from config.errors import ApplicationError

from .models import Submission

P = ParamSpec("P")
_COUNTED = "_lectern_hand_in_counted"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ApplicationError):
        return exc.code
    if isinstance(exc, APIException):  # the API's own validation of the request
        return str(exc.default_code)
    if isinstance(exc, ValidationError):
        return "invalid"
    return "server_error"  # not the student's doing: a failure of ours (a 500)


@contextmanager
def outcome_counted() -> Iterator[None]:
    """Count an exception leaving the block as a refused hand-in (once per exception)."""
    try:
        yield
    except Exception as exc:
        if not getattr(exc, _COUNTED, False):
            setattr(exc, _COUNTED, True)
            metrics.hand_in_refused(reason=_reason(exc))
        raise


def counted(service: Callable[P, Submission]) -> Callable[P, Submission]:
    """Wrap the hand-in service: count what it returns and what it raises."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Submission:
        with outcome_counted():
            submission = service(*args, **kwargs)
        metrics.hand_in_accepted(replayed=submission.replayed)
        return submission

    return wrapper
