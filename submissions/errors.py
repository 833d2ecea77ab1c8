"""Errors raised by submission services; views show their message, the API maps them
through their base class (``config.errors.ApplicationError``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from config.errors import ApplicationError, Forbidden


class SubmissionRefused(ApplicationError):
    """Work that is not accepted, with a message for the student. Nothing was stored."""

    code = "refused"


class DeadlinePassed(SubmissionRefused, Forbidden):
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


class NotAllowed(SubmissionRefused, Forbidden):
    code = "not_allowed"


class TryLater(SubmissionRefused):
    """Not refused for what was sent but for when: the same request later may pass.
    Carries ``Retry-After`` (seconds)."""

    status_code = 503

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, retry_after)

    def details(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


class ChecksBusy(TryLater):
    """This process checks as many files as it may (docs/file-checks.md)."""

    code = "checks_busy"


class CheckInProgress(TryLater):
    """The user's previous file is still being checked."""

    status_code = 429
    code = "check_in_progress"


class HandInsThrottled(TryLater):
    """The user handed in more often than LECTERN_HAND_IN_RATE."""

    status_code = 429
    code = "too_many_hand_ins"
