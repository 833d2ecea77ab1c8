"""Writing uploaded files so that a full or unavailable store fails cleanly.

Django's ``FileSystemStorage`` leaves whatever it wrote when a write fails half-way (a full
disk: ``OSError [Errno 28]``), and the caller learns the stored name only when the save
returns. ``save_or_unavailable`` is given the name first (stored names are random, so the
file at that name can only be this request's), removes what was written when the save
fails, and raises ``StorageUnavailable``: a 503 with ``Retry-After``, nothing stored.

``free_bytes`` is what ``/readyz`` compares with ``LECTERN_MEDIA_MIN_FREE_MB``.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage

from .errors import ApplicationError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 120


class StorageUnavailable(ApplicationError):
    """The file store refused a write (full, read-only, unreachable). Nothing was stored."""

    status_code = 503
    code = "storage_unavailable"
    retry_after = RETRY_AFTER_SECONDS


def save_or_unavailable(storage: Storage, name: str, content: File) -> str:
    """Save ``content`` under ``name`` (which no one else uses) and return the stored name;
    on failure remove any partial file and raise ``StorageUnavailable``."""
    try:
        return storage.save(name, content)
    except OSError as exc:
        logger.error("Upload not stored: %s (%s)", exc, name)
        try:
            storage.delete(name)  # a partial or empty file, if the write began
        except OSError:
            logger.exception("Partial upload %s not removed", name)
        raise StorageUnavailable(
            "The server cannot store files at the moment (its storage is full or "
            "unavailable). Nothing was handed in: try again in a few minutes."
        ) from exc


def free_bytes(storage: Storage) -> int | None:
    """Free space on a file-system store's volume; None for other stores."""
    if not isinstance(storage, FileSystemStorage):
        return None
    path = Path(storage.location)
    while not path.exists() and path != path.parent:  # MEDIA_ROOT not created yet
        path = path.parent
    return shutil.disk_usage(path).free
