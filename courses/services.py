"""Writes on courses and editions: the rows of an edition's page and agenda as staff edit
them, enrolment, publishing and archiving.

Every write here names what it changed to ``config.generations.invalidate`` (the edition,
and the one a row moved away from), so cached pages follow (docs/decisions/0007-caching.md).
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from accounts.models import User
from config import generations

from .models import Edition, Membership
from .permissions import edition_lookup

M = TypeVar("M", bound=models.Model)


def edition_slugs_of(model: type[models.Model], pk: object) -> set[str]:
    """The slug of the edition the stored row ``pk`` of ``model`` belongs to (empty when
    it is not an edition's row). One query."""
    lookup = edition_lookup(model)
    if lookup is None or pk is None:
        return set()
    field = f"{lookup}__slug" if lookup else "slug"
    return set(model._default_manager.filter(pk=pk).values_list(field, flat=True))


@transaction.atomic
def content_save(*, instance: M) -> M:
    """Create or edit a row of an edition's page or agenda as staff edit it: a lecture, an
    event, a link, a section, an info line, a previous edition, a staff membership, an
    edition's own fields (``assignments.services`` adds its rules for assignments).

    The model's own rules (``clean``) are checked; an edited row with an iCalendar
    ``sequence`` gets the next one (calendar clients only refresh an event whose SEQUENCE
    grew, RFC 5545 §3.8.7.4); the edition's cached copies — and those of the edition the row
    moved away from — are invalidated.
    """
    model = type(instance)
    editions = edition_slugs_of(model, instance.pk)  # before: the edition it may leave
    instance.clean()
    if instance.pk is not None and hasattr(instance, "sequence"):
        instance.sequence += 1
    instance.save()
    editions |= edition_slugs_of(model, instance.pk)
    generations.invalidate(editions=editions)
    return instance


@transaction.atomic
def content_delete(*, instance: models.Model) -> None:
    """Delete a row of an edition's page or agenda (and what cascades with it)."""
    editions = edition_slugs_of(type(instance), instance.pk)
    instance.delete()
    generations.invalidate(editions=editions)


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
    generations.invalidate(editions=[edition.slug])
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
