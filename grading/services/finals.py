"""Stored final grades: recomputed with the engine after every change of their inputs and
nightly, and released to the students."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from courses.models import Edition, Membership

from .. import engine, selectors
from ..models import (
    FinalGrade,
    GradingScheme,
)
from ._common import recompute_after_commit

logger = logging.getLogger(__name__)


def final_grades_recompute_queue(*, edition_id: int) -> None:
    """Recompute the edition's stored final grades in the background, after commit."""
    recompute_after_commit(edition_id)


def assignments_changed_received(
    sender: object, *, edition_ids: list[int], **kwargs: object
) -> None:
    """``assignments.signals.assignments_changed``: deadlines and maximum scores are inputs
    of the final grades of the editions that have a scheme."""
    for edition_id in GradingScheme.objects.filter(edition_id__in=edition_ids).values_list(
        "edition_id", flat=True
    ):
        recompute_after_commit(edition_id)


@transaction.atomic
def final_grades_recompute(*, edition: Edition, now: dt.datetime | None = None) -> int:
    """Recompute and store every student's final grade in ``edition`` with the engine.

    A fixed number of queries whatever the number of students: everything is loaded with a
    few queries, computed in memory and written with one upsert (per database batch) of the
    rows whose inputs changed (``inputs_digest``). Runs under the scheme's row lock, so two
    recomputations of one edition never interleave. Returns the number of students.
    """
    scheme = GradingScheme.objects.select_for_update().filter(edition=edition).first()
    if scheme is None:
        FinalGrade.objects.filter(edition=edition).delete()
        return 0
    loaded = selectors.scheme_load(edition=edition)
    assert loaded is not None
    students = list(
        Membership.objects.filter(edition=edition, role=Membership.Role.STUDENT)
        .exclude(user=None)
        .values_list("user_id", flat=True)
    )
    marks = selectors.marks_for_students(
        loaded=loaded, student_ids=students, exam_marks_visible=True, now=now
    )
    computed_at = timezone.now()
    released = scheme.final_released_at is not None
    scheme_key = repr((loaded.engine, released))
    stored = dict(
        FinalGrade.objects.filter(edition=edition).values_list("student_id", "inputs_digest")
    )
    # The engine is pure: students with the same marks (a group, before the exam) share one
    # computation, and a student whose inputs have not changed keeps the stored row.
    results: dict[tuple, engine.FinalResult | list[str]] = {}
    payloads: dict[tuple, dict | None] = {}
    rows = []
    for student_id in students:
        signature = tuple(sorted((k, m.handed_in, m.mark) for k, m in marks[student_id].items()))
        digest = hashlib.sha256(repr((scheme_key, signature)).encode()).hexdigest()
        if stored.get(student_id) == digest:
            continue
        if signature not in results:
            computed = selectors.compute_safely(loaded.engine, marks[student_id])
            payloads[signature] = (
                None if isinstance(computed, list) else engine.result_as_dict(computed)
            )
            results[signature] = computed
        outcome = results[signature]
        if isinstance(outcome, list):
            rows.append(
                FinalGrade(
                    edition=edition,
                    student_id=student_id,
                    admitted=False,
                    breakdown={},
                    reasons=outcome,
                    computed_at=computed_at,
                    released=released,
                    inputs_digest=digest,
                )
            )
            continue
        payload = payloads[signature]  # shared between rows, never mutated
        assert payload is not None  # a result, not a list of problems
        rows.append(
            FinalGrade(
                edition=edition,
                student_id=student_id,
                final=outcome.final,
                unrounded=outcome.unrounded,
                provisional=outcome.provisional,
                admitted=outcome.admitted,
                breakdown=payload,
                reasons=payload["reasons"],
                computed_at=computed_at,
                released=released,
                inputs_digest=digest,
            )
        )
    FinalGrade.objects.filter(edition=edition).exclude(
        student_id__in=Membership.objects.filter(
            edition=edition, role=Membership.Role.STUDENT
        ).values("user_id")
    ).delete()
    FinalGrade.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["edition", "student"],
        update_fields=[
            "final",
            "unrounded",
            "provisional",
            "admitted",
            "breakdown",
            "reasons",
            "computed_at",
            "released",
            "inputs_digest",
        ],
    )
    return len(students)


@transaction.atomic
def final_grades_release(*, actor: User, edition: Edition) -> int:
    """Make the edition's final grades and exam marks visible to its students."""
    scheme = GradingScheme.objects.select_for_update().filter(edition=edition).first()
    if scheme is None:
        raise ValidationError(f"{edition} has no grading scheme.")
    if scheme.final_released_at is None:
        scheme.final_released_at = timezone.now()
        scheme.save(update_fields=["final_released_at"])
    return final_grades_recompute(edition=edition)
