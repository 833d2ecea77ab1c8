"""The receipt e-mail's outbox row: written with the hand-in, each attempt counted before
the mail leaves, one Message-ID for every attempt."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.mail.backends.locmem import EmailBackend

from submissions import notification_services, services
from submissions.models import ReceiptOutbox
from tests.submissions.conftest import pdf_upload

BEFORE = dt.datetime(2023, 3, 6, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_the_outbox_row_is_written_with_the_hand_in(homework, group, alice, settings):
    settings.SITE_URL = "https://lectern.example.org"
    with time_machine.travel(BEFORE, tick=False):
        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
    outbox = ReceiptOutbox.objects.get(submission=submission)
    assert outbox.message_id == (
        f"<receipt.{submission.pk}.{submission.sha256[:16]}@lectern.example.org>"
    )
    assert (outbox.attempts, outbox.sent_at) == (0, None)


@pytest.mark.django_db
def test_a_failed_attempt_is_counted_and_the_resend_carries_the_same_message_id(
    homework, group, alice, mailoutbox
):
    with time_machine.travel(BEFORE, tick=False):
        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
    with (
        mock.patch.object(EmailBackend, "send_messages", side_effect=OSError("SMTP down")),
        pytest.raises(OSError),
    ):
        notification_services.receipt_email_send(submission_id=submission.pk)
    outbox = ReceiptOutbox.objects.get(submission=submission)
    assert (outbox.attempts, outbox.sent_at) == (1, None)  # counted before sending

    assert notification_services.receipt_email_send(submission_id=submission.pk)
    assert not notification_services.receipt_email_send(submission_id=submission.pk)  # once
    outbox.refresh_from_db()
    assert outbox.attempts == 2 and outbox.sent_at is not None
    submission.refresh_from_db()
    assert submission.receipt_emailed_at == outbox.sent_at
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [outbox.message_id]
    assert mailoutbox[0].message()["Message-ID"] == outbox.message_id


@pytest.mark.django_db
def test_a_hand_in_from_before_the_outbox_gets_its_row_when_sent(
    homework, group, alice, mailoutbox
):
    with time_machine.travel(BEFORE, tick=False):
        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
    ReceiptOutbox.objects.all().delete()
    assert notification_services.receipt_email_send(submission_id=submission.pk)
    assert ReceiptOutbox.objects.get(submission=submission).attempts == 1
    assert len(mailoutbox) == 1
