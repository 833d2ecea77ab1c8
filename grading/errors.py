"""Errors raised by grading services; pages show their message, the API maps them through
their base class (``config.errors.ApplicationError``)."""

from __future__ import annotations

from config.errors import ApplicationError, Conflict, Forbidden


class GradeConflict(Conflict):
    """Someone saved the grade after this form was opened: nothing was written; reload."""

    code = "grade_conflict"


class RegradeWindowClosed(Forbidden):
    code = "regrade_window_closed"


class RegradeAlreadyOpen(Conflict):
    code = "regrade_request_open"


class RegradeNotAllowed(ApplicationError):
    code = "regrade_not_allowed"
