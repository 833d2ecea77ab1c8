"""A request id on every log line of a request and of the Celery tasks it queues.

The id is the request's ``X-Request-ID`` when it is sane (1–128 letters, digits and
``._:-``, as a proxy or load balancer writes them), else a new random one; it is echoed in
the response's ``X-Request-ID``. It is kept in a context variable for the request's thread,
added to every log record by ``RequestIdFilter`` (``LOGGING``), and carried to Celery in
the header ``lectern_request_id`` of each task published meanwhile (``before_task_publish``);
the worker sets it for the run of that task (``task_prerun`` / ``task_postrun``), so the
task's log lines, and the tasks it queues in turn, carry it too. The signal handlers are
connected in ``config/celery.py``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "lectern_request_id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_RESET_ATTRIBUTE = "_lectern_request_id_reset"

_current: ContextVar[str | None] = ContextVar("lectern_request_id", default=None)


def current() -> str | None:
    """The id of the request or task being handled in this context, if any."""
    return _current.get()


def sane(value: object) -> bool:
    return isinstance(value, str) and _SANE.fullmatch(value) is not None


def request_id_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if sane(given) else uuid.uuid4().hex
        # Kept until the request is finished, not only until this returns: Django logs an
        # error answer ("Not Found: …") after the middleware, and that line is the request's.
        _current.set(request_id)
        response = get_response(request)
        response[HEADER] = request_id
        return response

    return middleware


def _request_finished(**kwargs: Any) -> None:
    _current.set(None)


request_finished.connect(_request_finished, dispatch_uid="lectern-request-id")


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id`` attribute (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


# --- Celery signal handlers (connected in config/celery.py) -----------------------------


def task_published(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """``before_task_publish``: put the current id in the message's headers."""
    request_id = _current.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def task_starting(task: Any = None, **kwargs: Any) -> None:
    """``task_prerun``: take the id of the message, for this run. A task run in-process
    (eager) has no message: it keeps the id of the request that runs it."""
    if task is None or task.request.is_eager:
        return
    given = task.request.get(TASK_HEADER)
    token = _current.set(given if sane(given) else None)
    setattr(task.request, _RESET_ATTRIBUTE, token)


def task_finished(task: Any = None, **kwargs: Any) -> None:
    """``task_postrun``: forget the run's id."""
    token = getattr(task.request, _RESET_ATTRIBUTE, None) if task is not None else None
    if token is not None:
        setattr(task.request, _RESET_ATTRIBUTE, None)
        try:
            _current.reset(token)
        except ValueError:  # set in another context (a pool that switched threads): drop it
            _current.set(None)
