"""What the grading services share: reading numbers as staff type them, the history of mark
changes, and the recomputation of final grades after commit."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import User
from config import generations
from config.tasks import enqueue_on_commit

from ..models import MarkChange

Via = MarkChange.Via
TWO_PLACES = Decimal("0.01")


def num(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value).normalize():f}"


def decimal_or_none(value: Any, what: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise ValidationError(f"{what}: give a decimal, not a float.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except decimal.InvalidOperation:
        raise ValidationError(f"{what}: {value!r} is not a number.") from None
    if not number.is_finite():
        raise ValidationError(f"{what}: {value!r} is not a number.")
    if number != number.quantize(TWO_PLACES):
        raise ValidationError(f"{what}: at most two decimal places ({value}).")
    return number


def record(
    *,
    edition_id: int,
    actor: User | None,
    via: str,
    kind: str,
    object_id: int,
    object_repr: str,
    before: dict | None,
    after: dict | None,
) -> MarkChange | None:
    """One history row; nothing when nothing changed."""
    if before == after:
        return None
    return MarkChange.objects.create(
        edition_id=edition_id,
        actor=actor,
        via=via,
        kind=kind,
        object_id=object_id,
        object_repr=object_repr[:300],
        before=before,
        after=after,
    )


def exam_mark_change(
    *,
    edition_id: int,
    actor: User | None,
    via: str,
    mark_id: int,
    component_name: str,
    student_email: str,
    before: dict | None,
    after: dict | None,
) -> MarkChange:
    """The (unsaved) history row of a change of one exam mark, for ``bulk_create``."""
    return MarkChange(
        edition_id=edition_id,
        actor=actor,
        via=via,
        kind=MarkChange.Kind.EXAM,
        object_id=mark_id,
        object_repr=f"{component_name} — {student_email}"[:300],
        before=before,
        after=after,
    )


def recompute_after_commit(edition_id: int) -> None:
    """An input of the edition's final grades changed: say so to the cache (the final grades
    are no longer known to be current) and recompute them once the transaction commits."""
    from ..tasks import recompute_final_grades  # the tasks module imports the services

    generations.invalidate(marks=[edition_id])
    enqueue_on_commit(recompute_final_grades, edition_id)
