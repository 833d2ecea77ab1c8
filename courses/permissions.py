"""Roles and edition scoping: who may see and change what, in one place.

Edition scoping is the security boundary between courses (docs/decisions/0012-scoping.md).
Everything that decides it is here, and the admin (``courses.admin.EditionScopedAdmin``),
the pages and the API all call it:

- the roles: instructors and teaching assistants are an edition's *staff*; superusers act as
  staff of every edition;
- which editions a user staffs or may see (querysets, to narrow any other query);
- the permission-checked fetches, which answer 404 to anyone else (not 403: another
  edition's objects are not even confirmed to exist).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import ForeignKey, Model, OneToOneField, QuerySet
from django.http import Http404

from accounts.models import User

from .models import STAFF_ROLES, Edition, Membership

__all__ = [
    "STAFF_ROLES",
    "edition_get_for_member",
    "edition_get_for_staff",
    "edition_get_for_student",
    "edition_get_visible",
    "editions_staffed_by",
    "editions_visible_to",
    "edition_lookup",
    "is_edition_staff",
    "is_staff_somewhere",
    "member_role_or_404",
    "staff_of",
    "students_of",
]


def editions_staffed_by(user: Any) -> QuerySet[Edition]:
    """The editions ``user`` teaches (all of them for a superuser, none when anonymous)."""
    return Edition.objects.staffed_by(user)


def editions_visible_to(user: Any) -> QuerySet[Edition]:
    """Published and archived editions for everyone; drafts for their staff too."""
    return Edition.objects.visible_to(user)


def staff_of(editions: QuerySet[Edition]) -> QuerySet[User]:
    """The accounts of the staff (instructors, TAs) of ``editions``."""
    return User.objects.filter(
        memberships__edition__in=editions, memberships__role__in=STAFF_ROLES
    ).distinct()


def students_of(editions: QuerySet[Edition]) -> QuerySet[User]:
    """The accounts of the students of ``editions``."""
    return User.objects.filter(
        memberships__edition__in=editions, memberships__role=Membership.Role.STUDENT
    ).distinct()


def is_edition_staff(*, user: Any, edition: Edition) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(edition=edition, user=user, role__in=STAFF_ROLES).exists()


def is_staff_somewhere(user: Any) -> bool:
    """Whether ``user`` teaches any edition (staff-only tools that are not about one)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role__in=STAFF_ROLES).exists()


def member_role_or_404(*, user: Any, edition: Edition) -> str:
    """The role ``user`` has in ``edition`` (superusers: instructor); 404 for anyone else."""
    if user.is_authenticated:
        role = (
            Membership.objects.filter(edition=edition, user=user)
            .values_list("role", flat=True)
            .first()
        )
        if role is not None:
            return role
        if user.is_superuser:
            return Membership.Role.INSTRUCTOR
    raise Http404("You are not a member of this edition.")


def edition_get_for_member(
    *, slug: str, user: Any, memberships: QuerySet[Membership] | None = None
) -> tuple[Edition, str, Membership | None]:
    """The edition ``slug``, the role ``user`` has in it and the membership; 404 for anyone
    who is not a member (superusers are instructors of every edition, without a membership).

    One query for a member. ``memberships`` (a ``Membership`` queryset) lets the caller load
    more in that query, e.g. annotations.
    """
    membership = None
    if user.is_authenticated:
        rows = memberships if memberships is not None else Membership.objects.all()
        membership = (
            rows.select_related("edition__course").filter(edition__slug=slug, user=user).first()
        )
    if membership is not None:
        return membership.edition, membership.role, membership
    if user.is_authenticated and user.is_superuser:
        edition = Edition.objects.select_related("course").filter(slug=slug).first()
        if edition is not None:
            return edition, Membership.Role.INSTRUCTOR, None
        raise Http404("No such edition.")
    raise Http404("You are not a member of this edition.")


def edition_get_for_staff(*, slug: str, user: Any) -> Edition:
    """The edition ``slug`` if ``user`` teaches it (or is a superuser); else 404."""
    edition, role, _ = _member_or_not_found(slug=slug, user=user)
    if role not in STAFF_ROLES and not user.is_superuser:
        raise Http404("No such edition.")
    return edition


def edition_get_for_student(*, slug: str, user: Any) -> Edition:
    """The edition ``slug`` if ``user`` is one of its students; else 404."""
    edition, role, membership = _member_or_not_found(slug=slug, user=user)
    if membership is None or role != Membership.Role.STUDENT:
        raise Http404("You are not a student of this edition.")
    return edition


def _member_or_not_found(*, slug: str, user: Any) -> tuple[Edition, str, Membership | None]:
    try:
        return edition_get_for_member(slug=slug, user=user)
    except Http404:
        raise Http404("No such edition.") from None


def edition_lookup(model: type[Model]) -> str | None:
    """The lookup from rows of ``model`` to their edition: ``""`` for ``Edition`` itself,
    ``"edition"``, ``"assignment__edition"``… following foreign keys (a field named
    ``edition`` first, required ones before optional ones); None when none leads there."""
    return _edition_lookup(model)


@functools.cache
def _edition_lookup(model: type[Model]) -> str | None:
    if model is Edition:
        return ""
    queue: list[tuple[type[Model], str]] = [(model, "")]
    seen = {model}
    while queue:
        current, prefix = queue.pop(0)
        relations = sorted(
            (
                f
                for f in current._meta.get_fields()
                if isinstance(f, ForeignKey | OneToOneField) and isinstance(f.related_model, type)
            ),
            key=lambda f: (f.name != "edition", f.null, f.name),
        )
        for field in relations:
            if field.related_model is Edition:
                return f"{prefix}{field.name}"
        for field in relations:
            related = field.related_model
            if isinstance(related, type) and related not in seen and related is not User:
                seen.add(related)
                queue.append((related, f"{prefix}{field.name}__"))
    return None


def edition_get_visible(*, slug: str, user: Any) -> Edition:
    """The edition ``slug`` if ``user`` may see it (published/archived, or a draft's staff); 404."""
    edition = editions_visible_to(user).select_related("course").filter(slug=slug).first()
    if edition is None:
        raise Http404("No such edition.")
    return edition
