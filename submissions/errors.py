"""Errors raised by submission services; views show their message, the API maps them
through their base class (``config.errors.ApplicationError``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from config.errors import ApplicationError


class SubmissionRefused(ApplicationError):
    """Work that is not accepted, with a message for the student. Nothing was stored."""

    code = "refused"


class DeadlinePassed(SubmissionRefused):
    status_code = 403
    code = "deadline_passed"

    def __init__(self, message: str, *, deadline: dt.datetime, official_time: dt.datetime):
        super().__init__(message)
        self.deadline = deadline
        self.official_time = official_time

    def details(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline.isoformat(),
            "official_time": self.official_time.isoformat(),
        }


class NotAllowed(SubmissionRefused):
    status_code = 403
    code = "not_allowed"
