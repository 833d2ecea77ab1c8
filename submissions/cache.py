"""A cache of each group's standing in an edition, so that a reloaded dashboard costs little.

What a dashboard shows of a group — its name and members, and for every assignment of the
edition the group's effective deadline, latest version and proposal decision — changes only
when someone writes: a hand-in, an extension, a review, a member joining or leaving, a
renamed student, an edited assignment or edition. So it is kept in the shared cache under
two generations (``config/generations.py``): the edition's and the group's. Every save or
delete of a model it is built from replaces one of them (connected in
``SubmissionsConfig.ready``); snapshots also expire after ``SNAPSHOT_TTL``, a safety net for
writes that bypass model signals.

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
# Part of every key: change it when what is stored changes shape (its fields, or the URLs it
# holds), so that processes of a new release never read what an older one stored.
SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class _Stored:
    tokens: tuple[str, ...]
    value: object


def _edition_generation(edition_id: int) -> str:
    return f"submissions:edition-generation:{edition_id}"


def _group_generation(group_id: int) -> str:
    return f"submissions:group-generation:{group_id}"


def _snapshot_key(edition_id: int, group_id: int | None) -> str:
    return f"submissions:group-standing:v{SNAPSHOT_VERSION}:{edition_id}:{group_id or 0}"


def group_standing(*, edition_id: int, group_id: int | None, compute: Callable[[], object]):
    """``compute()``'s value for this edition and group, from the cache while nothing it
    depends on has changed. One cache round trip on a hit."""
    key = _snapshot_key(edition_id, group_id)
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


# Signal receivers (connected in SubmissionsConfig.ready).
def on_edition_change(sender, instance, **kwargs) -> None:
    invalidate_edition(instance.pk)


def on_assignment_change(sender, instance, **kwargs) -> None:
    invalidate_edition(instance.edition_id)


def on_group_change(sender, instance, **kwargs) -> None:
    invalidate_groups(instance.pk)


def on_group_part_change(sender, instance, **kwargs) -> None:
    """A membership, extension or proposal review of one group."""
    invalidate_groups(instance.group_id)


def on_submission_change(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    """A hand-in added, edited or deleted. Saves of named fields only stamp a version after
    the fact (its signature, when its e-mail went out), which no standing shows."""
    if created or update_fields is None:
        invalidate_groups(instance.group_id)


def on_user_change(sender, instance, update_fields=None, **kwargs) -> None:
    """A student's name shows on their groupmates' dashboards (logging in only stamps
    ``last_login``, which no dashboard shows)."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    from .models import GroupMembership

    invalidate_groups(
        *GroupMembership.objects.filter(user_id=instance.pk).values_list("group_id", flat=True)
    )
