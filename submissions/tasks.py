"""Celery tasks: thin, take ids, call one service. Never the deadline guard
(docs/decisions/0009-background-work.md)."""

from __future__ import annotations

from celery import shared_task

from . import notifications


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_kwargs={"max_retries": 8},
    acks_late=True,
)
def send_receipt_email(self, submission_id: int) -> bool:
    """E-mail the receipt of an accepted submission to the group (at most once)."""
    return notifications.receipt_email_send(submission_id=submission_id)


@shared_task(acks_late=True)
def close_due_assignments() -> int:
    """Idempotent bookkeeping: mark assignments whose every group deadline has passed."""
    return notifications.assignments_close_due()


@shared_task(acks_late=True)
def send_deadline_reminders() -> int:
    """Remind groups that have not handed in, 48 h and 2 h before their effective deadline."""
    return notifications.reminders_send()


@shared_task(acks_late=True)
def send_pending_receipts() -> int:
    """Send receipts whose e-mail could not be queued (broker outage) or was lost."""
    return notifications.pending_receipts_send()


@shared_task(acks_late=True)
def remove_orphan_files() -> int:
    """Delete stored files that no submission refers to (e.g. after a crash mid-upload)."""
    from . import housekeeping

    return housekeeping.orphan_files_remove()
