"""The base of every error a service raises for its caller to show (docs/decisions/0001-layers.md).

It sits in ``config``, below every app, so that the API's exception handler
(``config/api_errors.py``) maps any app's errors without importing the app: a subclass
states its HTTP status and machine-readable code, and ``body`` is what clients receive.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApplicationError(Exception):
    """A refusal with a message for the person who asked. Nothing was written."""

    status_code: ClassVar[int] = 400
    code: str = "invalid"
    # Seconds after which trying again may succeed (a ``Retry-After`` header), if known.
    retry_after: int | None = None

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def details(self) -> dict[str, Any]:
        """Fields clients get beside ``error`` and ``detail`` (JSON-ready)."""
        return {}

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries (``Retry-After``, …)."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.message, **self.details()}


class Forbidden(ApplicationError):
    """Refused for who asks or for when they ask (403), whatever they sent."""

    status_code = 403
    code = "forbidden"


class Conflict(ApplicationError):
    """Refused because of what is already stored (409): someone saved first, or the request
    repeats one that is already open or done."""

    status_code = 409
    code = "conflict"
