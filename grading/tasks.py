"""Celery tasks of the grading app: thin, take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from config.tasks import RETRYING
from courses.models import Edition

from . import services


@shared_task(acks_late=True)
def recompute_final_grades(edition_id: int, force: bool = False) -> int:
    """Recompute an edition's stored final grades (after a change, nightly, on demand)."""
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return 0
    return services.final_grades_recompute(edition=edition, force=force)


@shared_task(acks_late=True)
def recompute_all_final_grades() -> int:
    """Nightly: recompute every edition that has a grading scheme in full (``force``: also
    what a write outside the services left stale); idempotent."""
    editions = Edition.objects.filter(grading_scheme__isnull=False).values_list("pk", flat=True)
    for edition_id in editions:
        recompute_final_grades.delay(edition_id, force=True)
    return len(editions)


@shared_task(**RETRYING)
def send_grade_released_emails(self, assignment_id: int) -> int:
    """Tell the members of each newly released grade of the assignment; at most once."""
    return services.grade_released_emails_send(
        assignment_id=assignment_id, claimant=self.request.id
    )


@shared_task(**RETRYING)
def send_regrade_answer_email(self, request_id: int) -> bool:
    """Tell the group that its regrade request is answered; at most once."""
    return services.regrade_answer_email_send(request_id=request_id)
