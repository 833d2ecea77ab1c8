"""Writes on accounts. Each announces the change (``signals.user_changed``) to the apps above
this one, whose cached pages show users' names (docs/decisions/0007-caching.md)."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import User
from .signals import user_changed


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    student_id: str,
    time_zone: str | None = None,
) -> User:
    """The details a user gives about themselves (sign-up form, profile page); ``time_zone``
    ``None`` leaves it as it is."""
    fields = ["first_name", "last_name", "student_id"]
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.student_id = student_id.strip()
    if time_zone is not None:
        # An IANA name (courses.timeutils has the same test; this app sits below courses).
        if time_zone and time_zone not in available_timezones():
            raise ValidationError({"time_zone": f"Unknown time zone {time_zone!r}."})
        user.time_zone = time_zone
        fields.append("time_zone")
    user.full_clean(exclude=["password"])
    user.save(update_fields=fields)
    user_changed.send(sender=User, user_id=user.pk)
    return user


@transaction.atomic
def user_save(*, user: User) -> User:
    """Save an account as the admin's forms filled it (password hashed by the form)."""
    user.save()
    user_changed.send(sender=User, user_id=user.pk)
    return user
