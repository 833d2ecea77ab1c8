"""Writes on courses and editions that belong to this app: enrolment."""

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
