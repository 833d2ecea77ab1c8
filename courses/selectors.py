"""Reads about who belongs to which edition."""

from __future__ import annotations

from accounts.models import User

from .models import Edition, Membership

STAFF_ROLES = (Membership.Role.INSTRUCTOR, Membership.Role.TA)


def is_edition_staff(*, user: User, edition: Edition) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(edition=edition, user=user, role__in=STAFF_ROLES).exists()
