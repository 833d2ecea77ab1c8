"""Idempotent hand-ins: a retried request never becomes a second version
(docs/decisions/0015-idempotent-hand-ins-and-the-receipt-outbox.md).

A client names each hand-in with a key it chooses — the API's ``Idempotency-Key`` header,
or the one-time token the upload form carries — and the key is stored on the version it
created (unique per user). A request that arrives with a key already used is a retry:

- the same assignment and the same bytes (SHA-256): the first version is the answer, with
  its receipt, whatever happened since (even a deadline that passed in between); nothing
  is written;
- anything else: ``IdempotencyKeyReused`` (409), nothing is written.

``submission_create`` looks the key up twice: before any work (so a retry costs one query
and no file check), and again while it holds the group's row lock, which a concurrent retry
of the same request waits for. The unique constraint is the last guard, for the requests
that lock does not hold back (the same user's key sent at the same instant for their group
in another edition): ``save_once`` inserts in a savepoint and answers the loser as a retry
is answered, never with the database's error.
"""

from __future__ import annotations

import hashlib
import re

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction

from accounts.models import User
from assignments.models import Assignment
from config.errors import ApplicationError, Conflict

from .models import Submission

KEY_MAX_LENGTH = 128
_KEY = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
FORM_PREFIX = "form:"  # the upload form's tokens, apart from API clients' keys


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class InvalidIdempotencyKey(ApplicationError):
    code = "invalid_idempotency_key"


def key_valid(key: str) -> str:
    """``key`` if it is a usable Idempotency-Key (1–128 printable ASCII characters)."""
    if not _KEY.fullmatch(key):
        raise InvalidIdempotencyKey(
            "Idempotency-Key must be 1 to 128 printable ASCII characters without spaces."
        )
    return key


def upload_sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def replay(*, user: User, assignment: Assignment, key: str, sha256: str) -> Submission | None:
    """The version an earlier request with ``key`` created (marked ``replayed``), None if
    the key is new, or ``IdempotencyKeyReused`` if it created something else. One query."""
    previous = (
        Submission.objects.select_related("assignment__edition", "group", "submitted_by")
        .filter(submitted_by=user, idempotency_key=key)
        .first()
    )
    if previous is None:
        return None
    if previous.assignment_id != assignment.pk or previous.sha256 != sha256:
        raise IdempotencyKeyReused(
            f"This request was already used to hand in version {previous.version} of "
            f"{previous.assignment.title} with another file; nothing was stored. "
            "Send a new key (or reload the page) to hand in a new version."
        )
    previous.replayed = True
    return previous


def save_once(submission: Submission, *, sha256: str) -> Submission | None:
    """Insert the new ``submission``: None once it is stored, or the answer to the request
    that stored its key first (its version, or ``IdempotencyKeyReused``), with nothing of
    this one written. Precondition: the caller's transaction is open (this is a savepoint)."""
    try:
        with transaction.atomic():  # a refused INSERT leaves the caller's transaction usable
            submission.save()
    except IntegrityError:
        # Under READ COMMITTED the INSERT waited for the other transaction and failed once it
        # committed, so the lookup that follows sees its row.
        key = submission.idempotency_key
        user, assignment = submission.submitted_by, submission.assignment
        found = replay(user=user, assignment=assignment, key=key, sha256=sha256) if key else None
        if found is None:
            raise  # another constraint: not a retry
        return found
    return None
