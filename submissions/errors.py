"""Errors raised by submission services; views and the API map them to responses."""

from __future__ import annotations

import datetime as dt


class SubmissionRefused(Exception):
    """Work that is not accepted, with a message for the student. Nothing was stored."""

    status_code = 400
    code = "refused"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class DeadlinePassed(SubmissionRefused):
    status_code = 403
    code = "deadline_passed"

    def __init__(self, message: str, *, deadline: dt.datetime, official_time: dt.datetime):
        super().__init__(message)
        self.deadline = deadline
        self.official_time = official_time


class NotAllowed(SubmissionRefused):
    status_code = 403
    code = "not_allowed"
