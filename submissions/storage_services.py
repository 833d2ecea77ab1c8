"""Storage housekeeping: files no submission refers to.

A hand-in writes its file before its row commits; if the transaction fails the service
deletes the file, but a process killed in between leaves it behind. Such files are removed
once they are older than ``ORPHAN_MIN_AGE`` (younger ones may belong to an upload in flight),
on a disk or in a bucket alike (``config.storage.files_under``).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from config import storage

from .models import Submission

logger = logging.getLogger(__name__)

ORPHAN_MIN_AGE = dt.timedelta(hours=1)
ROOT = "submissions"


def orphan_files_remove(*, now: dt.datetime | None = None) -> int:
    """Delete files under ``submissions/`` that no Submission row names; return how many.
    On a bucket: one paginated listing, a DELETE per orphan."""
    now = now or timezone.now()
    store = Submission._meta.get_field("file").storage
    known = set(Submission.objects.values_list("file", flat=True).iterator())
    removed = 0
    for name, modified in storage.files_under(store, ROOT):
        if name in known or modified is None or now - modified < ORPHAN_MIN_AGE:
            continue
        store.delete(name)
        removed += 1
        logger.info("Removed orphan upload %s", name)
    return removed
