"""Grades of group work: the grade form (score, rubric points, feedback), individual marks,
releasing an assignment's grades and telling the students, sharing the work among TAs.

Every change of a mark writes a ``MarkChange``, whatever the entry point (admin, API, CSV
import, commands).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assignments.models import Assignment
from config import claims, generations
from config.links import absolute_url
from config.tasks import enqueue_on_commit
from courses.models import Edition, Membership
from submissions.models import StudentGroup, Submission

from .. import selectors
from ..errors import GradeConflict
from ..models import (
    Grade,
    GradeOverride,
    MarkChange,
    RubricScore,
)
from ._common import decimal_or_none, num, recompute_after_commit, record

logger = logging.getLogger(__name__)

RELEASED = "released_email"  # the claim's columns: released_email_claimed_by / _at


def _grade_state(grade: Grade, rubric: Mapping[str, Decimal | None]) -> dict:
    return {
        "score": num(grade.score),
        "status": grade.status,
        "feedback": grade.feedback,
        "grader": grade.grader.email if grade.grader_id and grade.grader else None,
        "rubric": {name: num(points) for name, points in rubric.items()},
    }


def latest_submission(*, assignment: Assignment, group: StudentGroup) -> Submission | None:
    return (
        Submission.objects.filter(assignment=assignment, group=group).order_by("-version").first()
    )


@transaction.atomic
def grade_save(
    *,
    actor: User | None,
    assignment: Assignment,
    group: StudentGroup,
    via: str,
    score: Decimal | str | None = None,
    rubric: Mapping[int, Decimal | str | None] | None = None,
    feedback: str | None = None,
    grader: User | None = None,
    set_grader: bool = False,
    expected_revision: int | None = None,
) -> Grade:
    """Create or update a group's grade on the latest version it handed in.

    With a rubric, the score is the sum of the criteria's points once every criterion has
    points (``score`` must then be omitted or equal that sum); before that it is empty.
    ``rubric`` maps criterion ids to points (empty: not marked yet). A released grade stays
    released and the final grades are recomputed after commit.

    ``actor`` is None for the system (the autograder's pre-filled score).

    ``expected_revision`` is the grade's ``revision`` when the form was opened (0 for a grade
    that did not exist): if someone saved it since, ``GradeConflict`` and nothing is written.
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
    if expected_revision is not None:
        current = grade.revision if grade is not None else 0
        if current != expected_revision:
            who = grade.grader.display_name if grade is not None and grade.grader else _("someone")
            raise GradeConflict(
                _(
                    "This grade was saved by someone else (last grader: %(who)s) after you "
                    "opened it. Nothing was saved: reload the page to see it, then grade again."
                )
                % {"who": who}
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

    score = decimal_or_none(score, "Score")
    points = dict(existing)
    if rubric is not None:
        unknown = set(rubric) - set(names)
        if unknown:
            raise ValidationError("These criteria are not in the rubric of this assignment.")
        for criterion in criteria:
            if criterion.pk not in rubric:
                continue
            value = decimal_or_none(rubric[criterion.pk], criterion.name)
            if value is None:
                points.pop(criterion.pk, None)
                continue
            if value < 0 or value > criterion.max_points:
                raise ValidationError(
                    f"{criterion.name}: {value} is outside 0–{num(criterion.max_points)}."
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
                f"({num(total) if total is not None else 'not every criterion is marked'})."
            )
        score = total
    if score is not None and (score < 0 or score > assignment.max_score):
        raise ValidationError(f"Score: {score} is outside 0–{num(assignment.max_score)}.")

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
    grade.revision += 1
    grade.save()
    RubricScore.objects.filter(grade=grade).exclude(criterion_id__in=list(points)).delete()
    for criterion_id, value in points.items():
        RubricScore.objects.update_or_create(
            grade=grade, criterion_id=criterion_id, defaults={"points": value}
        )
    after = _grade_state(grade, {names[k]: v for k, v in points.items()})
    record(
        edition_id=assignment.edition_id,
        actor=actor,
        via=via,
        kind=MarkChange.Kind.GRADE,
        object_id=grade.pk,
        object_repr=str(grade),
        before=before,
        after=after,
    )
    generations.invalidate(groups=[group.pk])  # the group's planner shows its status
    if grade.is_released and before is not None and before != after:
        edition_id = assignment.edition_id
        recompute_after_commit(edition_id)
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
    score = decimal_or_none(score, "Score")
    current = GradeOverride.objects.filter(grade=grade, student=student).first()
    before = None if current is None else {"score": num(current.score), "reason": current.reason}
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
            raise ValidationError(f"Score: {score} is outside 0–{num(grade.assignment.max_score)}.")
        override, _created = GradeOverride.objects.update_or_create(
            grade=grade,
            student=student,
            defaults={"score": score, "reason": reason.strip(), "set_by": actor},
        )
        after = {"score": num(score), "reason": reason.strip()}
    change = record(
        edition_id=grade.assignment.edition_id,
        actor=actor,
        via=via,
        kind=MarkChange.Kind.OVERRIDE,
        object_id=override.pk if override else object_id,
        object_repr=label,
        before=before,
        after=after,
    )
    generations.invalidate(groups=[grade.group_id])
    if change is not None and grade.is_released:
        edition_id = grade.assignment.edition_id
        recompute_after_commit(edition_id)
    return override


@dataclass
class ReleaseReport:
    released: int
    not_graded: int


@transaction.atomic
def grade_release(
    *, actor: User, assignment: Assignment, via: str, grade_ids: Sequence[int] | None = None
) -> ReleaseReport:
    """Release every graded grade of ``assignment`` (or only ``grade_ids`` of them): students
    see them, are e-mailed (after commit, through Celery), and the edition's final grades
    are recomputed."""
    now = timezone.now()
    chosen = Grade.objects.filter(assignment=assignment)
    if grade_ids is not None:
        chosen = chosen.filter(pk__in=list(grade_ids))
    drafts = list(
        chosen.select_for_update(of=("self",))
        .select_related("group")
        .filter(status=Grade.Status.DRAFT, score__isnull=False)
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
    Grade.objects.filter(pk__in=ids).update(
        status=Grade.Status.RELEASED, released_at=now, revision=F("revision") + 1
    )
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
    generations.invalidate(groups=[g.group_id for g in drafts])
    if ids:
        assignment_id, edition_id = assignment.pk, assignment.edition_id
        from ..tasks import send_grade_released_emails  # the tasks module imports the services

        enqueue_on_commit(send_grade_released_emails, assignment_id)
        recompute_after_commit(edition_id)
    return ReleaseReport(released=len(ids), not_graded=not_graded)


def grade_released_emails_send(*, assignment_id: int, claimant: str | None = None) -> int:
    """E-mail the members of each released grade not e-mailed yet; idempotent.

    The grades are claimed by a short write (``config/claims.py``; ``claimant`` is the task's
    id, so a task redelivered after its worker died takes its claim over), then mailed with
    no lock held; a failure releases the claim for the retry. The link to the grades page is
    absolute (``SITE_URL``).
    """
    claimant = claimant or claims.token()
    now = timezone.now()
    Grade.objects.filter(
        assignment_id=assignment_id, status=Grade.Status.RELEASED, released_emailed_at__isnull=True
    ).filter(claims.claimable(RELEASED, by=claimant, now=now)).update(
        **claims.claimed(RELEASED, by=claimant, now=now)
    )
    mine = Grade.objects.filter(
        assignment_id=assignment_id,
        released_emailed_at__isnull=True,
        released_email_claimed_by=claimant,
    )
    if not mine.exists():
        return 0
    try:
        grades = list(mine.select_related("assignment__edition__course", "group"))
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
            link = absolute_url(reverse("grading:mine", args=[edition.slug]))
            messages.append(
                (
                    f"[{edition.course.code}] {grade.assignment.title}: your grade is available",
                    f"The grade of {grade.group.name} for {grade.assignment.title} is released.\n"
                    f"See it, with the feedback, on your grades page: {link}\n",
                    settings.DEFAULT_FROM_EMAIL,
                    to,
                )
            )
        sent = send_mass_mail(messages, fail_silently=False) if messages else 0
    except BaseException:
        mine.update(**claims.released(RELEASED))  # for the retry
        raise
    mine.update(released_emailed_at=timezone.now())
    return sent


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
