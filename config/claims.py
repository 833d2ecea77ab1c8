"""Claims: how a worker takes rows to send e-mail about without holding a lock while it talks
to the mail server (docs/decisions/0009-background-work.md).

A claim is two columns, ``<prefix>_claimed_by`` (who: a Celery task id, or a fresh token)
and ``<prefix>_claimed_at`` (when). A row is claimable when its claim is free, older than
``LEASE`` (its worker died), or already the claimant's: a task whose worker was killed is
redelivered under the same id and takes its own claim over at once. The claim is taken by
one short ``UPDATE``; it is released when the send fails, so the retry finds it free.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db.models import Q

LEASE = dt.timedelta(minutes=10)


def token() -> str:
    """A claimant's name when no task id names it (the periodic sweepers)."""
    return uuid.uuid4().hex


def claimable(prefix: str, *, by: str, now: dt.datetime) -> Q:
    return (
        Q(**{f"{prefix}_claimed_at__isnull": True})
        | Q(**{f"{prefix}_claimed_at__lt": now - LEASE})
        | Q(**{f"{prefix}_claimed_by": by})
    )


def claimed(prefix: str, *, by: str, now: dt.datetime) -> dict[str, Any]:
    """The values that claim a row (for ``update``)."""
    return {f"{prefix}_claimed_by": by, f"{prefix}_claimed_at": now}


def released(prefix: str) -> dict[str, Any]:
    """The values that free a row's claim (for ``update``)."""
    return {f"{prefix}_claimed_by": "", f"{prefix}_claimed_at": None}
