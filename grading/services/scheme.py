"""The grading scheme of an edition (docs/decisions/0004-weighting.md) and the rubrics of
its assignments. A scheme is checked whole, with the engine's rules, before anything is
saved: by ``scheme_set``, which every path calls (the admin's form, code, the demo)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from assignments.models import Assignment
from courses.models import Edition

from .. import engine, selectors
from ..models import (
    ExamMark,
    GradingScheme,
    MarkChange,
    RubricCriterion,
    SchemeComponent,
)
from ..selectors import ComponentSpec
from ._common import exam_mark_change, num, recompute_after_commit

logger = logging.getLogger(__name__)


def scheme_problems(
    *, edition: Edition, scale: Decimal, rounding_step: Decimal, components: Sequence[ComponentSpec]
) -> list[str]:
    """Every problem of a scheme in words (the engine's rules plus the links to assignments)."""
    problems: list[str] = []
    for spec in components:
        if spec.kind == SchemeComponent.Kind.ASSIGNMENT:
            if spec.assignment is None:
                problems.append(f"{spec.name} is an assignment component without an assignment.")
            elif spec.assignment.edition_id != edition.pk:
                problems.append(f"{spec.name}: {spec.assignment} belongs to another edition.")
        elif spec.assignment is not None:
            problems.append(f"{spec.name} is an exam component: it takes no assignment.")
    linked = [s.assignment.pk for s in components if s.assignment is not None]
    if len(linked) != len(set(linked)):
        problems.append("Two components take the same assignment.")
    try:
        scheme = selectors.scheme_of_specs(
            specs=components, scale=scale, rounding_step=rounding_step
        )
    except TypeError as exc:
        return [*problems, str(exc)]
    return problems + engine.validate_scheme(scheme)


@transaction.atomic
def scheme_set(
    *,
    actor: User,
    edition: Edition,
    components: Sequence[ComponentSpec],
    scale: Decimal = Decimal(20),
    rounding_step: Decimal = Decimal("0.5"),
) -> GradingScheme:
    """Replace the edition's grading scheme; refused (with every problem) when invalid.
    Exam marks of a component whose key stays (or whose spec names it by ``pk``) are kept.
    The final grades are recomputed after commit."""
    problems = scheme_problems(
        edition=edition, scale=scale, rounding_step=rounding_step, components=components
    )
    if problems:
        raise ValidationError(problems)
    scheme, _ = GradingScheme.objects.select_for_update().get_or_create(edition=edition)
    scheme.scale, scheme.rounding_step = Decimal(scale), Decimal(rounding_step)
    scheme.save()
    stored = list(SchemeComponent.objects.filter(scheme=scheme))
    by_pk, by_key = {c.pk: c for c in stored}, {c.key: c for c in stored}
    rows = [by_pk.get(s.pk) or by_key.get(s.key) if s.pk else by_key.get(s.key) for s in components]
    kept = {row.pk for row in rows if row is not None}
    SchemeComponent.objects.filter(scheme=scheme).update(transfer_to=None)
    SchemeComponent.objects.filter(scheme=scheme).exclude(pk__in=kept).delete()
    saved: dict[str, SchemeComponent] = {}
    for position, (spec, row) in enumerate(zip(components, rows, strict=True)):
        row = row or SchemeComponent(scheme=scheme)
        row.key = spec.key
        row.name, row.weight, row.kind = spec.name, Decimal(spec.weight), spec.kind
        row.assignment = spec.assignment
        row.optional, row.mandatory_for_admission = spec.optional, spec.mandatory_for_admission
        row.max_mark, row.position, row.transfer_to = Decimal(spec.max_mark), position, None
        saved[spec.key] = row
    # Names and keys are unique per scheme: free them before saving the new ones.
    for row in saved.values():
        if row.pk:
            SchemeComponent.objects.filter(pk=row.pk).update(
                name=f"~{row.pk}~{row.name}"[:200], key=f"~{row.pk}"
            )
    for spec in components:
        saved[spec.key].save()
    for spec in components:
        if spec.transfer_to:
            row = saved[spec.key]
            row.transfer_to = saved[spec.transfer_to]
            row.save(update_fields=["transfer_to"])
    recompute_after_commit(edition.pk)
    return scheme


@transaction.atomic
def scheme_delete(*, actor: User, scheme: GradingScheme, via: str) -> None:
    """Delete an edition's grading scheme, with the exam marks of its components (each
    deletion is recorded in the history) and, after commit, the stored final grades."""
    edition_id = scheme.edition_id
    marks = ExamMark.objects.select_related("component", "student").filter(component__scheme=scheme)
    MarkChange.objects.bulk_create(
        exam_mark_change(
            edition_id=edition_id,
            actor=actor,
            via=via,
            mark_id=mark.pk,
            component_name=mark.component.name,
            student_email=mark.student.email,
            before={"score": num(mark.score)},
            after=None,
        )
        for mark in marks
    )
    scheme.delete()
    recompute_after_commit(edition_id)


@transaction.atomic
def rubric_set(
    *, assignment: Assignment, criteria: Sequence[tuple[str, Decimal]]
) -> list[RubricCriterion]:
    """Replace an assignment's rubric; the maxima must add up to its max score."""
    total = sum((Decimal(m) for _, m in criteria), Decimal(0))
    if criteria and total != assignment.max_score:
        raise ValidationError(
            f"The criteria add up to {num(total)}, not the assignment's max score "
            f"{num(assignment.max_score)}."
        )
    if selectors.rubric_in_use(assignment.pk):
        current = [(c.name, c.max_points) for c in selectors.rubric_of(assignment=assignment)]
        if current != [(n, Decimal(m)) for n, m in criteria]:
            raise ValidationError("Grades already use this rubric: it can no longer change.")
        return selectors.rubric_of(assignment=assignment)
    RubricCriterion.objects.filter(assignment=assignment).delete()
    return RubricCriterion.objects.bulk_create(
        RubricCriterion(assignment=assignment, name=name, max_points=Decimal(m), position=i)
        for i, (name, m) in enumerate(criteria)
    )


def rubric_criterion_check(
    *, assignment: Assignment, max_points: Decimal, criterion_pk: int | None = None
) -> None:
    """Why one criterion cannot be added or edited as asked, if it cannot (ValidationError):
    the rubric is frozen once grades use it, and the maxima may not pass the max score."""
    moved_from = None
    if criterion_pk is not None:
        moved_from = (
            RubricCriterion.objects.filter(pk=criterion_pk)
            .values_list("assignment_id", flat=True)
            .first()
        )
    for assignment_id in {assignment.pk, moved_from}:
        if assignment_id is not None and selectors.rubric_in_use(assignment_id):
            raise ValidationError("Grades already use this rubric: it can no longer change.")
    others = RubricCriterion.objects.filter(assignment=assignment)
    if criterion_pk is not None:
        others = others.exclude(pk=criterion_pk)
    maxima = others.values_list("max_points", flat=True)
    total = sum(maxima, Decimal(0)) + Decimal(max_points)
    if total > assignment.max_score:
        raise ValidationError(
            f"The criteria would add up to {num(total)}, more than the assignment's max "
            f"score {num(assignment.max_score)}."
        )


@transaction.atomic
def rubric_criterion_save(*, criterion: RubricCriterion) -> RubricCriterion:
    """Add or edit one criterion, as the admin does one row at a time (``rubric_set``
    replaces a whole rubric). Checked under the assignment's row lock."""
    assignment = Assignment.objects.select_for_update().get(pk=criterion.assignment_id)
    rubric_criterion_check(
        assignment=assignment, max_points=criterion.max_points, criterion_pk=criterion.pk
    )
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def rubric_criterion_delete(*, criterion: RubricCriterion) -> None:
    Assignment.objects.select_for_update().get(pk=criterion.assignment_id)
    if selectors.rubric_in_use(criterion.assignment_id):
        raise ValidationError("Grades already use this rubric: it can no longer change.")
    criterion.delete()
