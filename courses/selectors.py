"""Reads about who belongs to which edition."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import Edition, Membership

STAFF_ROLES = (Membership.Role.INSTRUCTOR, Membership.Role.TA)


def role_in_edition(*, user: User, edition: Edition) -> str | None:
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.filter(edition=edition, user=user).values_list("role", flat=True).first()
    )


def is_edition_staff(*, user: User, edition: Edition) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(edition=edition, user=user, role__in=STAFF_ROLES).exists()


def editions_of_student(*, user: User) -> QuerySet[Edition]:
    return Edition.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.STUDENT
    ).select_related("course")
