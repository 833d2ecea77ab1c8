"""The autograder's Celery task, on its own queue ``autograde`` (``CELERY_TASK_ROUTES``):
a run is long and CPU-bound, and must never hold up receipts or reminders."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def autograde_submission(run_id: int) -> None:
    services.run_execute(run_id=run_id)
