"""Every write of the grading app: grades and rubrics, individual overrides, exam marks,
releases, the scheme, the assignment of work to TAs, the CSV import of exam marks and the
recomputation of final grades. One function per use case, keyword-only, transactional.

Every change of a mark writes a ``MarkChange`` here, whatever the entry point (admin, API,
CSV import, commands): no signals.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from assignments.models import Assignment
from courses.models import Edition, Membership
from submissions.models import StudentGroup, Submission

from . import engine, selectors
from .models import (
    ExamMark,
    FinalGrade,
    Grade,
    GradeOverride,
    GradingScheme,
    MarkChange,
    RubricCriterion,
    RubricScore,
    SchemeComponent,
)

logger = logging.getLogger(__name__)

Via = MarkChange.Via
TWO_PLACES = Decimal("0.01")


def _num(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value).normalize():f}"


def _decimal(value: Any, what: str) -> Decimal | None:
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


def _record(
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


def _enqueue_recompute(edition_id: int) -> None:
    from .tasks import recompute_final_grades  # tasks import services

    try:
        recompute_final_grades.delay(edition_id)
    except Exception:  # noqa: BLE001 — a broker outage must not undo a saved mark; beat redoes it
        logger.exception("Could not enqueue the recomputation of edition %s", edition_id)


def _enqueue_release_emails(assignment_id: int) -> None:
    from .tasks import send_grade_released_emails

    try:
        send_grade_released_emails.delay(assignment_id)
    except Exception:  # noqa: BLE001 — the e-mails are retried by the next release
        logger.exception("Could not enqueue the release e-mails of assignment %s", assignment_id)


# --- grades -------------------------------------------------------------------------------


def _grade_state(grade: Grade, rubric: Mapping[str, Decimal | None]) -> dict:
    return {
        "score": _num(grade.score),
        "status": grade.status,
        "feedback": grade.feedback,
        "grader": grade.grader.email if grade.grader_id and grade.grader else None,
        "rubric": {name: _num(points) for name, points in rubric.items()},
    }


def latest_submission(*, assignment: Assignment, group: StudentGroup) -> Submission | None:
    return (
        Submission.objects.filter(assignment=assignment, group=group).order_by("-version").first()
    )


@transaction.atomic
def grade_save(
    *,
    actor: User,
    assignment: Assignment,
    group: StudentGroup,
    via: str,
    score: Decimal | str | None = None,
    rubric: Mapping[int, Decimal | str | None] | None = None,
    feedback: str | None = None,
    grader: User | None = None,
    set_grader: bool = False,
) -> Grade:
    """Create or update a group's grade on the latest version it handed in.

    With a rubric, the score is the sum of the criteria's points once every criterion has
    points (``score`` must then be omitted or equal that sum); before that it is empty.
    ``rubric`` maps criterion ids to points (empty: not marked yet). A released grade stays
    released and the final grades are recomputed after commit.
    """
    if group.edition_id != assignment.edition_id:
        raise ValidationError("The group and the assignment belong to different editions.")
    submission = latest_submission(assignment=assignment, group=group)
    if submission is None:
        raise ValidationError(f"{group} has handed in nothing for {assignment}: nothing to grade.")
    criteria = selectors.rubric_of(assignment=assignment)
    grade = (
        Grade.objects.select_for_update(of=("self",))
        .select_related("grader")
        .filter(assignment=assignment, group=group)
        .first()
    )
    existing: dict[int, Decimal] = {}
    if grade is not None:
        existing = dict(grade.rubric_scores.values_list("criterion_id", "points"))
    names = {c.pk: c.name for c in criteria}
    before = (
        None
        if grade is None
        else _grade_state(grade, {names[k]: v for k, v in existing.items() if k in names})
    )

    score = _decimal(score, "Score")
    points = dict(existing)
    if rubric is not None:
        unknown = set(rubric) - set(names)
        if unknown:
            raise ValidationError("These criteria are not in the rubric of this assignment.")
        for criterion in criteria:
            if criterion.pk not in rubric:
                continue
            value = _decimal(rubric[criterion.pk], criterion.name)
            if value is None:
                points.pop(criterion.pk, None)
                continue
            if value < 0 or value > criterion.max_points:
                raise ValidationError(
                    f"{criterion.name}: {value} is outside 0–{_num(criterion.max_points)}."
                )
            points[criterion.pk] = value
    if criteria:
        total = (
            sum((points[c.pk] for c in criteria), Decimal(0))
            if all(c.pk in points for c in criteria)
            else None
        )
        if score is not None and score != total:
            raise ValidationError(
                "This assignment has a rubric: its score is the sum of the criteria's points "
                f"({_num(total) if total is not None else 'not every criterion is marked'})."
            )
        score = total
    if score is not None and (score < 0 or score > assignment.max_score):
        raise ValidationError(f"Score: {score} is outside 0–{_num(assignment.max_score)}.")

    if grade is None:
        grade = Grade(assignment=assignment, group=group)
    if grade.status == Grade.Status.RELEASED and score is None:
        raise ValidationError("A released grade needs a score.")
    grade.submission = submission
    grade.score = score
    if feedback is not None:
        grade.feedback = feedback
    if set_grader or grade.pk is None:
        grade.grader = grader
    grade.save()
    RubricScore.objects.filter(grade=grade).exclude(criterion_id__in=list(points)).delete()
    for criterion_id, value in points.items():
        RubricScore.objects.update_or_create(
            grade=grade, criterion_id=criterion_id, defaults={"points": value}
        )
    after = _grade_state(grade, {names[k]: v for k, v in points.items()})
    _record(
        edition_id=assignment.edition_id,
        actor=actor,
        via=via,
        kind=MarkChange.Kind.GRADE,
        object_id=grade.pk,
        object_repr=str(grade),
        before=before,
        after=after,
    )
    if grade.is_released and before is not None and before != after:
        edition_id = assignment.edition_id
        transaction.on_commit(lambda: _enqueue_recompute(edition_id))
    return grade


@transaction.atomic
def grade_override_set(
    *,
    actor: User,
    grade: Grade,
    student: User,
    via: str,
    score: Decimal | str | None,
    reason: str = "",
) -> GradeOverride | None:
    """Give one member of the group their own mark (``score=None`` removes it)."""
    grade = (
        Grade.objects.select_for_update(of=("self",)).select_related("assignment").get(pk=grade.pk)
    )
    if not grade.submission.members.filter(pk=student.pk).exists():
        raise ValidationError(f"{student} is not a member of the version graded.")
    score = _decimal(score, "Score")
    current = GradeOverride.objects.filter(grade=grade, student=student).first()
    before = None if current is None else {"score": _num(current.score), "reason": current.reason}
    label = f"{grade} — {student.email}"
    object_id = current.pk if current is not None else grade.pk
    if score is None:
        if current is not None:
            current.delete()
        override = None
        after = None
    else:
        if not reason.strip():
            raise ValidationError({"reason": "Say why this member's mark differs."})
        if score < 0 or score > grade.assignment.max_score:
            raise ValidationError(
                f"Score: {score} is outside 0–{_num(grade.assignment.max_score)}."
            )
        override, _ = GradeOverride.objects.update_or_create(
            grade=grade,
            student=student,
            defaults={"score": score, "reason": reason.strip(), "set_by": actor},
        )
        after = {"score": _num(score), "reason": reason.strip()}
    change = _record(
        edition_id=grade.assignment.edition_id,
        actor=actor,
        via=via,
        kind=MarkChange.Kind.OVERRIDE,
        object_id=override.pk if override else object_id,
        object_repr=label,
        before=before,
        after=after,
    )
    if change is not None and grade.is_released:
        edition_id = grade.assignment.edition_id
        transaction.on_commit(lambda: _enqueue_recompute(edition_id))
    return override


@dataclass
class ReleaseReport:
    released: int
    not_graded: int


@transaction.atomic
def grade_release(*, actor: User, assignment: Assignment, via: str) -> ReleaseReport:
    """Release every graded grade of ``assignment``: students see them, are e-mailed (after
    commit, through Celery), and the edition's final grades are recomputed."""
    now = timezone.now()
    drafts = list(
        Grade.objects.select_for_update(of=("self",))
        .select_related("group")
        .filter(assignment=assignment, status=Grade.Status.DRAFT, score__isnull=False)
    )
    not_graded = Grade.objects.filter(assignment=assignment, score__isnull=True).count()
    not_graded += (
        Submission.objects.filter(assignment=assignment)
        .exclude(group_id__in=Grade.objects.filter(assignment=assignment).values("group_id"))
        .values("group_id")
        .distinct()
        .count()
    )
    ids = [g.pk for g in drafts]
    Grade.objects.filter(pk__in=ids).update(status=Grade.Status.RELEASED, released_at=now)
    MarkChange.objects.bulk_create(
        MarkChange(
            edition_id=assignment.edition_id,
            actor=actor,
            via=via,
            kind=MarkChange.Kind.GRADE,
            object_id=g.pk,
            object_repr=str(g)[:300],
            before={"status": Grade.Status.DRAFT},
            after={"status": Grade.Status.RELEASED},
        )
        for g in drafts
    )
    if ids:
        assignment_id, edition_id = assignment.pk, assignment.edition_id
        transaction.on_commit(lambda: _enqueue_release_emails(assignment_id))
        transaction.on_commit(lambda: _enqueue_recompute(edition_id))
    return ReleaseReport(released=len(ids), not_graded=not_graded)


def grade_released_emails_send(*, assignment_id: int) -> int:
    """E-mail the members of each released grade not e-mailed yet; idempotent."""
    sent = 0
    with transaction.atomic():
        grades = list(
            Grade.objects.select_for_update(of=("self",))
            .select_related("assignment__edition__course", "group")
            .filter(
                assignment_id=assignment_id,
                status=Grade.Status.RELEASED,
                released_emailed_at__isnull=True,
            )
        )
        if not grades:
            return 0
        recipients: dict[int, list[str]] = {}
        for submission_id, email in Submission.members.through.objects.filter(
            submission_id__in=[g.submission_id for g in grades]
        ).values_list("submission_id", "user__email"):
            recipients.setdefault(submission_id, []).append(email)
        messages = []
        for grade in grades:
            to = sorted(recipients.get(grade.submission_id, []))
            if not to:
                continue
            edition = grade.assignment.edition
            path = reverse("grading:mine", args=[edition.slug])
            messages.append(
                (
                    f"[{edition.course.code}] {grade.assignment.title}: your grade is available",
                    f"The grade of {grade.group.name} for {grade.assignment.title} is released.\n"
                    f"See it, with the feedback, on your grades page: {path}\n",
                    settings.DEFAULT_FROM_EMAIL,
                    to,
                )
            )
        if messages:
            sent = send_mass_mail(messages, fail_silently=False)
        Grade.objects.filter(pk__in=[g.pk for g in grades]).update(
            released_emailed_at=timezone.now()
        )
    return sent


# --- exam marks --------------------------------------------------------------------------


def _exam_component(component: SchemeComponent) -> SchemeComponent:
    if component.kind != SchemeComponent.Kind.EXAM:
        raise ValidationError(f"{component.name} is not an exam component.")
    return component


@transaction.atomic
def exam_mark_set(
    *,
    actor: User,
    component: SchemeComponent,
    student: User,
    via: str,
    score: Decimal | str | None,
) -> ExamMark:
    """Record a student's exam mark; ``score=None`` records that the student did not sit it."""
    _exam_component(component)
    edition_id = component.scheme.edition_id
    if not Membership.objects.filter(
        edition_id=edition_id, user=student, role=Membership.Role.STUDENT
    ).exists():
        raise ValidationError(f"{student} is not a student of this edition.")
    score = _decimal(score, "Mark")
    if score is not None and (score < 0 or score > component.max_mark):
        raise ValidationError(f"Mark: {score} is outside 0–{_num(component.max_mark)}.")
    mark = ExamMark.objects.select_for_update().filter(component=component, student=student).first()
    before = None if mark is None else {"score": _num(mark.score)}
    if mark is None:
        mark = ExamMark(component=component, student=student, edition_id=edition_id)
    mark.score = score
    mark.entered_by = actor
    mark.save()
    change = _record(
        edition_id=edition_id,
        actor=actor,
        via=via,
        kind=MarkChange.Kind.EXAM,
        object_id=mark.pk,
        object_repr=f"{component.name} — {student.email}",
        before=before,
        after={"score": _num(score)},
    )
    if change is not None:
        transaction.on_commit(lambda: _enqueue_recompute(edition_id))
    return mark


ABSENT_WORDS = {"absent", "abs", "a"}


@dataclass
class ImportReport:
    """Row errors (line number, message) and what was imported; nothing when any error."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    imported: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def exam_marks_import_csv(
    *, actor: User, component: SchemeComponent, text: str, via: str = Via.CSV
) -> ImportReport:
    """Import exam marks from CSV with the columns ``student`` (student ID or e-mail) and
    ``mark`` (a number, or "absent"). Every row is checked first; if any is wrong, the
    report lists each error by line and nothing is imported."""
    _exam_component(component)
    edition_id = component.scheme.edition_id
    report = ImportReport()
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [(n, row) for n, row in enumerate(reader, start=1) if any(c.strip() for c in row)]
    if not rows:
        report.errors.append((1, "The file is empty: expected a header 'student,mark'."))
        return report
    header_line, header = rows[0]
    columns = [c.strip().lower() for c in header]
    if "student" not in columns or "mark" not in columns:
        report.errors.append(
            (header_line, "The first line must name the columns 'student' and 'mark'.")
        )
        return report
    student_col, mark_col = columns.index("student"), columns.index("mark")

    students = list(
        User.objects.filter(
            memberships__edition_id=edition_id, memberships__role=Membership.Role.STUDENT
        )
    )
    by_email = {u.email.lower(): u for u in students}
    by_sid = {u.student_id.strip().lower(): u for u in students if u.student_id.strip()}
    parsed: dict[int, tuple[User, Decimal | None]] = {}
    seen: dict[int, int] = {}
    for line, row in rows[1:]:
        cells = [c.strip() for c in row]
        if len(cells) <= max(student_col, mark_col):
            report.errors.append((line, "Missing a column: expected a student and a mark."))
            continue
        who, raw = cells[student_col], cells[mark_col]
        student = by_email.get(who.lower()) or by_sid.get(who.lower())
        if student is None:
            report.errors.append(
                (line, f"No student of this edition has the ID or e-mail {who!r}.")
            )
            continue
        if student.pk in seen:
            report.errors.append((line, f"{who} already has a mark on line {seen[student.pk]}."))
            continue
        seen[student.pk] = line
        if raw.lower() in ABSENT_WORDS:
            parsed[student.pk] = (student, None)
            continue
        try:
            mark = _decimal(raw, "Mark")
        except ValidationError as exc:
            report.errors.append((line, " ".join(exc.messages)))
            continue
        if mark is None:
            report.errors.append((line, "The mark is empty: give a number or 'absent'."))
        elif mark < 0 or mark > component.max_mark:
            report.errors.append((line, f"The mark {raw} is outside 0–{_num(component.max_mark)}."))
        else:
            parsed[student.pk] = (student, mark)
    if report.errors:
        return report

    with transaction.atomic():
        current = {
            m.student_id: m
            for m in ExamMark.objects.select_for_update().filter(component=component)
        }
        new, changed, history = [], [], []
        for student, mark in parsed.values():
            existing = current.get(student.pk)
            if existing is not None and existing.score == mark:
                report.unchanged += 1
                continue
            if existing is None:
                existing = ExamMark(component=component, student=student, edition_id=edition_id)
                new.append(existing)
                before = None
            else:
                before = {"score": _num(existing.score)}
                changed.append(existing)
            existing.score = mark
            existing.entered_by = actor
            history.append((existing, student, before, {"score": _num(mark)}))
        ExamMark.objects.bulk_create(new)
        ExamMark.objects.bulk_update(changed, ["score", "entered_by", "updated_at"])
        if new:  # ids of rows created by bulk_create are not returned on every database
            ids = dict(
                ExamMark.objects.filter(
                    component=component, student_id__in=[m.student_id for m in new]
                ).values_list("student_id", "pk")
            )
            for m in new:
                m.pk = ids[m.student_id]
        MarkChange.objects.bulk_create(
            MarkChange(
                edition_id=edition_id,
                actor=actor,
                via=via,
                kind=MarkChange.Kind.EXAM,
                object_id=mark.pk,
                object_repr=f"{component.name} — {student.email}"[:300],
                before=before,
                after=after,
            )
            for mark, student, before, after in history
        )
        report.imported = len(history)
        if history:
            transaction.on_commit(lambda: _enqueue_recompute(edition_id))
    return report


# --- the scheme ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentSpec:
    """One component as given to ``scheme_set``; ``transfer_to`` is another spec's key."""

    key: str
    name: str
    weight: Decimal
    kind: str = SchemeComponent.Kind.ASSIGNMENT
    assignment: Assignment | None = None
    optional: bool = False
    transfer_to: str | None = None
    mandatory_for_admission: bool = False
    max_mark: Decimal = Decimal(20)


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
        scheme = engine.Scheme(
            components=tuple(
                engine.Component(
                    key=s.key,
                    name=s.name,
                    weight=Decimal(s.weight),
                    kind=s.kind,  # type: ignore[arg-type]
                    optional=s.optional,
                    transfer_to=s.transfer_to or None,
                    mandatory_for_admission=s.mandatory_for_admission,
                    max_mark=(
                        s.assignment.max_score
                        if s.kind == SchemeComponent.Kind.ASSIGNMENT and s.assignment
                        else Decimal(s.max_mark)
                    ),
                )
                for s in components
            ),
            scale=Decimal(scale),
            rounding_step=Decimal(rounding_step),
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
    Exam marks of a component whose key stays are kept."""
    problems = scheme_problems(
        edition=edition, scale=scale, rounding_step=rounding_step, components=components
    )
    if problems:
        raise ValidationError(problems)
    scheme, _ = GradingScheme.objects.select_for_update().get_or_create(edition=edition)
    scheme.scale, scheme.rounding_step = Decimal(scale), Decimal(rounding_step)
    scheme.save()
    existing = {c.key: c for c in SchemeComponent.objects.filter(scheme=scheme)}
    keep = {s.key for s in components}
    SchemeComponent.objects.filter(scheme=scheme).update(transfer_to=None)
    SchemeComponent.objects.filter(scheme=scheme).exclude(key__in=keep).delete()
    saved: dict[str, SchemeComponent] = {}
    for position, spec in enumerate(components):
        row = existing.get(spec.key) or SchemeComponent(scheme=scheme, key=spec.key)
        row.name, row.weight, row.kind = spec.name, Decimal(spec.weight), spec.kind
        row.assignment = spec.assignment
        row.optional, row.mandatory_for_admission = spec.optional, spec.mandatory_for_admission
        row.max_mark, row.position, row.transfer_to = Decimal(spec.max_mark), position, None
        saved[spec.key] = row
    # Names are unique per scheme: free them before saving the new ones.
    for row in saved.values():
        if row.pk:
            row.name = f"~{row.pk}~{row.name}"[:200]
            row.save(update_fields=["name"])
    for spec in components:
        row = saved[spec.key]
        row.name = spec.name
        row.save()
    for spec in components:
        if spec.transfer_to:
            row = saved[spec.key]
            row.transfer_to = saved[spec.transfer_to]
            row.save(update_fields=["transfer_to"])
    transaction.on_commit(lambda: _enqueue_recompute(edition.pk))
    return scheme


@transaction.atomic
def rubric_set(
    *, assignment: Assignment, criteria: Sequence[tuple[str, Decimal]]
) -> list[RubricCriterion]:
    """Replace an assignment's rubric; the maxima must add up to its max score."""
    total = sum((Decimal(m) for _, m in criteria), Decimal(0))
    if criteria and total != assignment.max_score:
        raise ValidationError(
            f"The criteria add up to {_num(total)}, not the assignment's max score "
            f"{_num(assignment.max_score)}."
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
    for assignment_id in {assignment.pk, moved_from} - {None}:
        if selectors.rubric_in_use(assignment_id):
            raise ValidationError("Grades already use this rubric: it can no longer change.")
    others = (
        RubricCriterion.objects.filter(assignment=assignment)
        .exclude(pk=criterion_pk)
        .values_list("max_points", flat=True)
    )
    total = sum(others, Decimal(0)) + Decimal(max_points)
    if total > assignment.max_score:
        raise ValidationError(
            f"The criteria would add up to {_num(total)}, more than the assignment's max "
            f"score {_num(assignment.max_score)}."
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


# --- sharing the work ---------------------------------------------------------------------


@transaction.atomic
def grades_assign_evenly(
    *, actor: User, edition: Edition, assignments: Sequence[Assignment] | None = None
) -> int:
    """Give every ungraded latest submission without a grader to a TA of the edition, the
    least loaded first, so each TA's load on each assignment differs by at most one.
    Returns the number of submissions assigned."""
    tas = list(
        User.objects.filter(
            memberships__edition=edition, memberships__role=Membership.Role.TA
        ).order_by("pk")
    )
    if not tas:
        raise ValidationError(f"{edition} has no teaching assistant with an account.")
    if assignments is None:
        assignments = list(Assignment.objects.filter(edition=edition))
    assigned = 0
    for assignment in assignments:
        if assignment.edition_id != edition.pk:
            raise ValidationError(f"{assignment} belongs to another edition.")
        load = dict.fromkeys((ta.pk for ta in tas), 0)
        for grader_id, n in (
            Grade.objects.filter(assignment=assignment, grader_id__in=load)
            .values_list("grader_id")
            .annotate(n=Count("id"))
        ):
            load[grader_id] = n
        grades = {g.group_id: g for g in Grade.objects.filter(assignment=assignment)}
        latest: dict[int, int] = {}
        for pk, group_id in (
            Submission.objects.filter(assignment=assignment)
            .order_by("group_id", "version")
            .values_list("pk", "group_id")
        ):
            latest[group_id] = pk
        new, updated = [], []
        for group_id, submission_id in sorted(latest.items()):
            grade = grades.get(group_id)
            if grade is not None and (grade.grader_id or grade.score is not None):
                continue
            ta_id = min(load, key=lambda pk: (load[pk], pk))
            load[ta_id] += 1
            if grade is None:
                new.append(
                    Grade(
                        assignment=assignment,
                        group_id=group_id,
                        submission_id=submission_id,
                        grader_id=ta_id,
                    )
                )
            else:
                grade.grader_id = ta_id
                updated.append(grade)
        Grade.objects.bulk_create(new)
        Grade.objects.bulk_update(updated, ["grader"])
        assigned += len(new) + len(updated)
    return assigned


# --- final grades ------------------------------------------------------------------------


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
