"""Writing, reading and listing uploaded files on a disk or in an S3-compatible bucket, so
that a full or unavailable store fails cleanly.

Django's ``FileSystemStorage`` leaves whatever it wrote when a write fails half-way (a full
disk: ``OSError [Errno 28]``), and the caller learns the stored name only when the save
returns. ``save_or_unavailable`` is given the name first (stored names are random, so the
file at that name can only be this request's), removes what was written when the save
fails, and raises ``StorageUnavailable``: a 503 with ``Retry-After``, nothing stored. A
bucket (``AWS_STORAGE_BUCKET_NAME``, django-storages' ``S3Storage``) fails with botocore's
and boto3's errors instead of ``OSError``; they are the same "unavailable" here. A PUT is
all or nothing on S3 (a failed multipart upload is aborted by boto3); the delete after a
failure is for the disk, and harmless on a bucket.

With ``sha256``, the stored bytes are read back and hashed: a receipt signs the SHA-256
of what the store holds, not only of what the request carried
(docs/decisions/0023-object-storage.md).

``free_bytes`` is what ``/readyz`` compares with ``LECTERN_MEDIA_MIN_FREE_MB`` on a disk;
a bucket has no free space to measure, so ``/readyz`` asks whether it answers
(``bucket_reachable``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import IO, Any

from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, Storage

from .errors import ApplicationError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 120
CHUNK = 1024 * 1024


class StorageUnavailable(ApplicationError):
    """The file store refused a write (full, read-only, unreachable). Nothing was stored."""

    status_code = 503
    code = "storage_unavailable"
    retry_after = RETRY_AFTER_SECONDS


def failures() -> tuple[type[BaseException], ...]:
    """The exceptions by which a store says it cannot do what was asked: ``OSError`` for a
    disk; botocore's and boto3's errors for a bucket (unreachable, refused, timed out)."""
    try:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover — django-storages[s3] is a base dependency
        return (OSError,)
    return (OSError, BotoCoreError, ClientError, Boto3Error)


def is_bucket(storage: Storage) -> bool:
    """Whether ``storage`` is an S3-compatible bucket (django-storages' ``S3Storage``)."""
    return hasattr(storage, "bucket_name")


def _unavailable() -> StorageUnavailable:
    return StorageUnavailable(
        "The server cannot store files at the moment (its storage is full or "
        "unavailable). Nothing was handed in: try again in a few minutes."
    )


def delete_quietly(storage: Storage, name: str) -> None:
    """Delete ``name`` if the store lets us; log otherwise (the orphan sweep retries)."""
    try:
        storage.delete(name)
    except failures():
        logger.exception("Stored file %s not removed (the orphan sweep will)", name)


def stored_sha256(storage: Storage, name: str) -> str:
    """The SHA-256 of the bytes stored under ``name``, read back in chunks."""
    digest = hashlib.sha256()
    with closing(open_stream(storage, name)) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def save_or_unavailable(
    storage: Storage, name: str, content: File, *, sha256: str | None = None
) -> str:
    """Save ``content`` under ``name`` (which no one else uses) and return the stored name;
    with ``sha256``, read the stored bytes back and require that digest. On any failure
    remove what was stored and raise ``StorageUnavailable``."""
    try:
        stored = storage.save(name, content)
        if sha256 is not None and (found := stored_sha256(storage, stored)) != sha256:
            raise OSError(f"the store holds other bytes (SHA-256 {found}, expected {sha256})")
        return stored
    except failures() as exc:
        logger.error("Upload not stored: %s (%s)", exc, name)
        delete_quietly(storage, name)  # a partial or empty file, if the write began
        raise _unavailable() from exc


def open_stream(storage: Storage, name: str) -> IO[bytes]:
    """A binary file-like object reading ``name`` as it arrives: on a bucket the object's
    body straight from S3 (``S3Storage.open`` would first copy it whole into memory)."""
    if is_bucket(storage):
        return _object(storage, name).get()["Body"]
    return storage.open(name, "rb")


def _object(storage: Storage, name: str) -> Any:
    """The boto3 ``Object`` of ``name`` in a bucket storage (its key under ``location``)."""
    from storages.utils import clean_name

    bucket: Any = storage
    return bucket.bucket.Object(bucket._normalize_name(clean_name(name)))


def files_under(storage: Storage, root: str) -> Iterator[tuple[str, dt.datetime | None]]:
    """Every file under the folder ``root`` with its last modification (None when the store
    cannot say): one paginated listing on a bucket, a walk of folders on a disk."""
    if is_bucket(storage):
        from storages.utils import clean_name

        bucket: Any = storage
        location = bucket.location.strip("/")
        prefix = bucket._normalize_name(clean_name(root)).rstrip("/") + "/"
        for summary in bucket.bucket.objects.filter(Prefix=prefix):
            key = summary.key
            yield (key[len(location) + 1 :] if location else key), summary.last_modified
        return
    yield from _walk(storage, root.rstrip("/"))


def _walk(storage: Storage, path: str) -> Iterator[tuple[str, dt.datetime | None]]:
    try:
        folders, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        try:
            modified = storage.get_modified_time(f"{path}/{name}")
        except (FileNotFoundError, NotImplementedError):
            modified = None
        yield f"{path}/{name}", modified
    for folder in folders:
        yield from _walk(storage, f"{path}/{folder}")


def free_bytes(storage: Storage) -> int | None:
    """Free space on a file-system store's volume; None for other stores."""
    if not isinstance(storage, FileSystemStorage):
        return None
    path = Path(storage.location)
    while not path.exists() and path != path.parent:  # MEDIA_ROOT not created yet
        path = path.parent
    return shutil.disk_usage(path).free


def bucket_reachable(storage: Storage) -> str:
    """``HEAD`` the bucket (raises one of ``failures()`` when it does not answer or is
    missing); what ``/readyz`` checks instead of free space."""
    bucket: Any = storage
    bucket.connection.meta.client.head_bucket(Bucket=bucket.bucket_name)
    return f"ok (bucket {bucket.bucket_name})"
