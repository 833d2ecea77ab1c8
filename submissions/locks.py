"""The group's row lock, which the group services and hand-in acceptance share: whoever
holds it decides alone for that group (its members, its next version number)."""

from __future__ import annotations

from .models import StudentGroup


def lock_group(group_id: int) -> StudentGroup:
    """The group with its edition, its row locked until the transaction ends."""
    return (
        StudentGroup.objects.select_for_update(of=("self",))
        .select_related("edition")
        .get(pk=group_id)
    )
