"""A cache of each group's standing in an edition, so that a reloaded dashboard costs little.

What a dashboard shows of a group — its name and members, and for every assignment of the
edition the group's effective deadline, latest version and proposal decision — changes only
when someone writes: a hand-in, an extension, a review, a member joining or leaving, a
renamed student, an edited assignment or edition. So it is kept in the shared cache under
two generations (``config/generations.py``): the edition's and the group's. Every save or
delete of a model it is built from (``WATCHED``, connected in ``SubmissionsConfig.ready``)
replaces one of them; snapshots also expire after ``SNAPSHOT_TTL``, a safety net for writes
that bypass model signals.

What depends on the clock (is a deadline still ahead, how long is left) is not cached:
``selectors.StatusRow`` computes it when the page is rendered. Who may see a snapshot is
not cached either: the caller checks the membership and reads the viewer's group from the
database on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config import generations

SNAPSHOT_TTL = 300


@dataclass(frozen=True)
class _Stored:
    tokens: tuple[str, ...]
    value: object


def _edition_generation(edition_id: int) -> str:
    return f"submissions:edition-generation:{edition_id}"


def _group_generation(group_id: int) -> str:
    return f"submissions:group-generation:{group_id}"


def _snapshot_key(edition_id: int, group_id: int | None, shape: str) -> str:
    return f"submissions:group-standing:{shape}:{edition_id}:{group_id or 0}"


def group_standing(
    *, edition_id: int, group_id: int | None, shape: str, compute: Callable[[], object]
):
    """``compute()``'s value for this edition and group, from the cache while nothing it
    depends on has changed. One cache round trip on a hit.

    ``shape`` names the value's structure (its classes' fields): part of the key, so that a
    release whose value has another shape never reads what an older one stored.
    """
    key = _snapshot_key(edition_id, group_id, shape)
    watched = [_edition_generation(edition_id)]
    if group_id is not None:
        watched.append(_group_generation(group_id))
    fetched = generations.fetch(keys=[key], generations=watched)
    if fetched is None:  # cache down
        return compute()
    found, tokens = fetched
    current = tuple(tokens[g] for g in watched)
    stored = found.get(key)
    if stored is not None and stored.tokens == current:
        return stored.value
    value = compute()  # reads the database after the tokens: see config/generations.py
    generations.store(key, _Stored(current, value), SNAPSHOT_TTL)
    return value


def invalidate_edition(edition_id: int) -> None:
    generations.invalidate(_edition_generation(edition_id))


def invalidate_groups(*group_ids: int) -> None:
    if group_ids:
        generations.invalidate(*(_group_generation(pk) for pk in group_ids))


@dataclass(frozen=True)
class Watched:
    """How a model's rows belong to a standing: ``parent`` names the edition or group a row
    is part of (``"pk"``: the row is that edition or group), ``invalidate`` replaces its
    generation. ``named_saves_show`` is False when saves that name their fields
    (``update_fields``) never change what a standing shows."""

    parent: str
    invalidate: Callable[..., None]
    named_saves_show: bool = True


# Every model a standing is built from, by label (SubmissionsConfig.ready connects them).
WATCHED = {
    "courses.Edition": Watched("pk", invalidate_edition),
    "assignments.Assignment": Watched("edition_id", invalidate_edition),
    "submissions.StudentGroup": Watched("pk", invalidate_groups),
    "submissions.GroupMembership": Watched("group_id", invalidate_groups),
    "submissions.Extension": Watched("group_id", invalidate_groups),
    "submissions.ProposalReview": Watched("group_id", invalidate_groups),
    # A hand-in's named saves only stamp it after the fact (its signature, when its e-mail
    # went out).
    "submissions.Submission": Watched("group_id", invalidate_groups, named_saves_show=False),
}


def on_change(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """After a save or delete of a watched row: its edition's or group's standing changed."""
    watched = WATCHED[sender._meta.label]
    if created or update_fields is None or watched.named_saves_show:
        watched.invalidate(getattr(instance, watched.parent))


def on_parent_move(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Before a row moves to another edition or group (staff can do so in the admin), the
    one it leaves changes too: the receivers after the save only see the new one."""
    watched = WATCHED[sender._meta.label]
    field = watched.parent
    if instance.pk is None or raw:
        return
    if update_fields is not None and not {field, field.removesuffix("_id")} & set(update_fields):
        return
    old = sender._default_manager.filter(pk=instance.pk).values_list(field, flat=True).first()
    if old is not None and old != getattr(instance, field):
        watched.invalidate(old)


def on_user_change(sender, instance, update_fields=None, **kwargs) -> None:
    """A student's name shows on their groupmates' dashboards (logging in only stamps
    ``last_login``, which no dashboard shows)."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    from .models import GroupMembership

    invalidate_groups(
        *GroupMembership.objects.filter(user_id=instance.pk).values_list("group_id", flat=True)
    )
