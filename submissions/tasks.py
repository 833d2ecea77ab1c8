"""Celery tasks: thin, take ids, call one service. Never the deadline guard
(docs/decisions/0009-background-work.md)."""

from __future__ import annotations

from celery import shared_task

from config.tasks import RETRYING

from . import notification_services, storage_services


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
