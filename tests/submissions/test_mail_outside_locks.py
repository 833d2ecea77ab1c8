"""E-mails leave with no transaction or row lock held (docs/decisions/0009-background-work.md):
the rows to mail are claimed first, a failed send releases the claim for the retry, and a
claim left by a worker that died is taken over. Links in e-mails are absolute (SITE_URL)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from grading import services as grading
from grading.models import Grade, MarkChange
from submissions import notification_services
from submissions.models import Submission
from tests.grading.conftest import Course2023, grade, hand_in

SYSTEM = MarkChange.Via.SYSTEM


def _record_sends(monkeypatch, *, fail: bool = False) -> list[bool]:
    """Each send notes whether a transaction was open (and fails once, when asked)."""
    seen: list[bool] = []
    send = mail.backends.locmem.EmailBackend.send_messages

    def spy(backend, messages):
        seen.append(connection.in_atomic_block)
        if fail and len(seen) == 1:
            raise OSError("SMTP server unreachable")
        return send(backend, messages)

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", spy)
    return seen


def _handed_in(course):
    group, _ = course.group_of("a@x.test", "b@x.test", name="Mailers")
    return group, hand_in(course.project, group)


@pytest.mark.django_db(transaction=True)
def test_a_receipt_is_mailed_outside_any_transaction_and_retried_after_a_failure(
    monkeypatch, mailoutbox
):
    _, submission = _handed_in(Course2023())
    seen = _record_sends(monkeypatch, fail=True)
    with pytest.raises(OSError):
        notification_services.receipt_email_send(submission_id=submission.pk)
    stored = Submission.objects.get(pk=submission.pk)
    assert (stored.receipt_emailed_at, stored.receipt_email_claimed_at) == (None, None)
    assert notification_services.receipt_email_send(submission_id=submission.pk) is True
    assert seen == [False, False]
    assert len(mailoutbox) == 1
    assert Submission.objects.get(pk=submission.pk).receipt_emailed_at is not None
    assert notification_services.receipt_email_send(submission_id=submission.pk) is False


@pytest.mark.django_db
def test_a_claim_left_by_a_dead_worker_is_taken_over_by_the_sweeper(mailoutbox):
    _, submission = _handed_in(Course2023())
    long_ago = submission.submitted_at - dt.timedelta(hours=1)
    Submission.objects.filter(pk=submission.pk).update(
        receipt_email_claimed_by="dead-worker", receipt_email_claimed_at=long_ago
    )
    now = submission.submitted_at + dt.timedelta(minutes=5)
    assert notification_services.pending_receipts_send(now=now) == 1
    assert len(mailoutbox) == 1
    # A fresh claim is another worker's, busy sending: left alone.
    _, other = _handed_in(Course2023(slug="info8010-other"))
    Submission.objects.filter(pk=other.pk).update(
        receipt_email_claimed_by="task-1", receipt_email_claimed_at=timezone.now()
    )
    assert notification_services.receipt_email_send(submission_id=other.pk) is False
    # ...unless it is that task, redelivered after its worker was killed mid-send.
    assert notification_services.receipt_email_send(submission_id=other.pk, claimant="task-1")
    assert len(mailoutbox) == 2


@pytest.mark.django_db(transaction=True)
def test_grade_emails_leave_outside_any_transaction_with_an_absolute_link(
    monkeypatch, mailoutbox, settings
):
    settings.SITE_URL = "https://lectern.example.org"
    course = Course2023()
    group, _ = _handed_in(course)
    grade(course.project, group, D(13), actor=course.ta)
    Grade.objects.filter(group=group).update(
        status=Grade.Status.RELEASED, released_at=timezone.now()
    )
    seen = _record_sends(monkeypatch, fail=True)
    with pytest.raises(OSError):
        grading.grade_released_emails_send(assignment_id=course.project.pk)
    assert Grade.objects.get(group=group).released_email_claimed_at is None
    assert grading.grade_released_emails_send(assignment_id=course.project.pk) == 1
    assert seen == [False, False]
    link = f"https://lectern.example.org/editions/{course.edition.slug}/grades/"
    assert link in mailoutbox[0].body
    assert grading.grade_released_emails_send(assignment_id=course.project.pk) == 0
