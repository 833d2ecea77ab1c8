"""Regrade requests: a member of the group asks for a second look at a released grade within
the assignment's window, the grader answers with a comment and perhaps a new score (saved by
``grade_save``, so the grade's history keeps both scores and the final grades follow), and
the group is e-mailed after commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.links import absolute_url
from config.tasks import enqueue_on_commit
from courses import timeutils
from submissions.models import Submission

from ..errors import RegradeAlreadyOpen, RegradeNotAllowed, RegradeWindowClosed
from ..models import Grade, RegradeRequest
from ..selectors import regrade_window_end
from .grades import grade_save


@transaction.atomic
def regrade_request_create(
    *, actor: User, grade: Grade, message: str, now: dt.datetime | None = None
) -> RegradeRequest:
    """Ask for a regrade of a released grade. The caller has checked that ``actor`` may see
    the grade (a member of the version graded); refused after the window, with a request
    already open, or with an empty message."""
    now = now or timezone.now()
    message = (message or "").strip()
    if not message:
        raise ValidationError(_("Say what the grader should look at again."))
    grade = (
        Grade.objects.select_for_update(of=("self",))
        .select_related("assignment__edition")
        .get(pk=grade.pk)
    )
    if not grade.is_released:
        raise RegradeNotAllowed(_("This grade is not released yet."))
    end = regrade_window_end(grade)
    assert end is not None  # released
    if now >= end:
        local = timeutils.to_local(end, grade.assignment.edition.timezone)
        raise RegradeWindowClosed(
            _("Regrade requests for %(title)s closed on %(when)s.")
            % {
                "title": grade.assignment.title,
                "when": f"{local:%Y-%m-%d %H:%M} ({local.tzname()})",
            }
        )
    if RegradeRequest.objects.filter(grade=grade, status=RegradeRequest.Status.OPEN).exists():
        raise RegradeAlreadyOpen(_("A regrade request for this grade is already open."))
    return RegradeRequest.objects.create(
        grade=grade, requested_by=actor, message=message[:5000], score_before=grade.score
    )


@transaction.atomic
def regrade_request_answer(
    *,
    actor: User,
    request: RegradeRequest,
    answer: str,
    via: str,
    score: Decimal | str | None = None,
    rubric: Mapping[int, Decimal | str | None] | None = None,
    feedback: str | None = None,
    expected_revision: int | None = None,
) -> RegradeRequest:
    """Answer an open request with a comment, and a new score (or rubric points) if given;
    the group is e-mailed after commit."""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError(_("Write an answer to the regrade request."))
    request = (
        RegradeRequest.objects.select_for_update(of=("self",))
        .select_related("grade__assignment", "grade__group")
        .get(pk=request.pk)
    )
    if request.status != RegradeRequest.Status.OPEN:
        raise ValidationError(_("This regrade request is already answered."))
    grade = request.grade
    before = grade.score
    if score not in (None, "") or rubric is not None or feedback is not None:
        grade = grade_save(
            actor=actor,
            assignment=grade.assignment,
            group=grade.group,
            score=score if rubric is None else None,
            rubric=rubric,
            feedback=feedback,
            via=via,
            expected_revision=expected_revision,
        )
    request.status = RegradeRequest.Status.ANSWERED
    request.answer = answer[:5000]
    request.answered_by = actor
    request.answered_at = timezone.now()
    request.score_before = before
    request.score_after = grade.score
    request.save()
    from ..tasks import send_regrade_answer_email  # the tasks module imports the services

    enqueue_on_commit(send_regrade_answer_email, request.pk)
    return request


def regrade_answer_email_send(*, request_id: int) -> bool:
    """E-mail the members of the version graded that their request is answered; once."""
    request = (
        RegradeRequest.objects.select_related("grade__assignment__edition__course")
        .filter(pk=request_id, status=RegradeRequest.Status.ANSWERED, answer_emailed_at=None)
        .first()
    )
    if request is None:
        return False
    grade = request.grade
    to = sorted(
        Submission.members.through.objects.filter(submission_id=grade.submission_id).values_list(
            "user__email", flat=True
        )
    )
    if to:
        edition = grade.assignment.edition
        link = absolute_url(reverse("grading:mine", args=[edition.slug]))
        send_mail(
            f"[{edition.course.code}] {grade.assignment.title}: your regrade request is answered",
            f"{request.answer}\n\nSee your grade: {link}\n",
            settings.DEFAULT_FROM_EMAIL,
            to,
        )
    RegradeRequest.objects.filter(pk=request.pk).update(answer_emailed_at=timezone.now())
    return bool(to)
