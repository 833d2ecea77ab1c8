"""Storage housekeeping: files no submission refers to.

A hand-in writes its file before its row commits; if the transaction fails the service
deletes the file, but a process killed in between leaves it behind. Such files are removed
once they are older than ``ORPHAN_MIN_AGE`` (younger ones may belong to an upload in flight).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.files.storage import Storage
from django.utils import timezone

from .models import Submission

logger = logging.getLogger(__name__)

ORPHAN_MIN_AGE = dt.timedelta(hours=1)
ROOT = "submissions"


def _walk(storage: Storage, path: str):
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{path}/{name}"
    for folder in folders:
        yield from _walk(storage, f"{path}/{folder}")


def orphan_files_remove(*, now: dt.datetime | None = None) -> int:
    """Delete files under ``submissions/`` that no Submission row names; return how many."""
    now = now or timezone.now()
    storage = Submission._meta.get_field("file").storage
    known = set(Submission.objects.values_list("file", flat=True).iterator())
    removed = 0
    for name in _walk(storage, ROOT):
        if name in known:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (FileNotFoundError, NotImplementedError):
            continue
        if now - modified < ORPHAN_MIN_AGE:
            continue
        storage.delete(name)
        removed += 1
        logger.info("Removed orphan upload %s", name)
    return removed
