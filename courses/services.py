"""Writes on courses and editions: enrolment, publishing and archiving."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User

from .models import Edition, Membership


@transaction.atomic
def enrolment_join(*, user: User, code: str) -> Membership:
    """A student joins a published edition with its enrolment code."""
    edition = Edition.objects.filter(
        enrolment_code=code.strip(), status=Edition.Status.PUBLISHED
    ).first()
    if edition is None:
        raise ValidationError({"code": "No open edition has this enrolment code."})
    return enrolment_add(edition=edition, user=user)


@transaction.atomic
def enrolment_add(*, edition: Edition, user: User) -> Membership:
    """Enrol ``user`` as a student of ``edition``; existing members keep their role."""
    existing = Membership.objects.filter(edition=edition, user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Membership.objects.create(
                edition=edition, user=user, role=Membership.Role.STUDENT
            )
    except IntegrityError:  # enrolled concurrently
        return Membership.objects.get(edition=edition, user=user)


# --- publishing ---------------------------------------------------------------------------


def _locked(edition: Edition) -> Edition:
    # Caller is inside transaction.atomic: the row stays locked until it commits.
    return Edition.objects.select_for_update().get(pk=edition.pk)


def _set_status(edition: Edition, status: str) -> Edition:
    edition.status = status
    edition.save(update_fields=["status", "updated_at"])
    return edition


@transaction.atomic
def edition_publish(*, edition: Edition) -> Edition:
    """Make a draft (or archived) edition public and current; publishing twice is a no-op."""
    locked = _locked(edition)
    if locked.status != Edition.Status.PUBLISHED:
        _set_status(locked, Edition.Status.PUBLISHED)
    return locked


@transaction.atomic
def edition_unpublish(*, edition: Edition) -> Edition:
    """Take an edition off the public site: back to draft, visible to its staff only."""
    locked = _locked(edition)
    if locked.status != Edition.Status.DRAFT:
        _set_status(locked, Edition.Status.DRAFT)
    return locked


@transaction.atomic
def edition_archive(*, edition: Edition) -> Edition:
    """Mark a published edition as a past term: still public, listed as an archive."""
    locked = _locked(edition)
    if locked.status == Edition.Status.DRAFT:
        raise ValidationError(
            f"{locked} is a draft: publish it before archiving it (a draft was never public)."
        )
    if locked.status != Edition.Status.ARCHIVED:
        _set_status(locked, Edition.Status.ARCHIVED)
    return locked
