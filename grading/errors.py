"""Errors raised by grading services; pages show their message, the API maps them through
their base class (``config.errors.ApplicationError``)."""

from __future__ import annotations

from config.errors import ApplicationError


class GradeConflict(ApplicationError):
    """Someone saved the grade after this form was opened: nothing was written; reload."""

    status_code = 409
    code = "grade_conflict"


class RegradeWindowClosed(ApplicationError):
    status_code = 403
    code = "regrade_window_closed"


class RegradeAlreadyOpen(ApplicationError):
    status_code = 409
    code = "regrade_request_open"


class RegradeNotAllowed(ApplicationError):
    status_code = 400
    code = "regrade_not_allowed"
