"""Celery tasks: thin, take ids, call one service. Never the deadline guard
(docs/decisions/0009-background-work.md)."""

from __future__ import annotations

from celery import shared_task

from config.tasks import RETRYING

from . import notification_services, preview_services, storage_services
from .models import Submission


@shared_task(**RETRYING)
def send_receipt_email(self, submission_id: int) -> bool:
    """E-mail the receipt of an accepted submission to the group (at most once)."""
    return notification_services.receipt_email_send(
        submission_id=submission_id, claimant=self.request.id
    )


@shared_task(acks_late=True)
def close_due_assignments() -> int:
    """Idempotent bookkeeping: mark assignments whose every group deadline has passed."""
    return notification_services.assignments_close_due()


@shared_task(acks_late=True)
def send_deadline_reminders() -> int:
    """Remind groups that have not handed in, 48 h and 2 h before their effective deadline."""
    return notification_services.reminders_send()


@shared_task(acks_late=True)
def send_pending_receipts() -> int:
    """Send receipts whose e-mail could not be queued (broker outage) or was lost."""
    return notification_services.pending_receipts_send()


@shared_task(acks_late=True)
def remove_orphan_files() -> int:
    """Delete stored files that no submission refers to (e.g. after a crash mid-upload)."""
    return storage_services.orphan_files_remove()


@shared_task(acks_late=True)
def render_submission_pages(submission_id: int) -> int:
    """Render the pages of a PDF hand-in to PNG for the grading workspace; idempotent."""
    submission = Submission.objects.select_related("assignment").filter(pk=submission_id).first()
    if submission is None:
        return 0
    preview = preview_services.submission_pages_render(submission=submission)
    return preview.page_count if preview is not None else 0
