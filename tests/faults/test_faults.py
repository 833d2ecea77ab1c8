"""Faults: a broker outage, a database lost mid-upload, files left behind by a crash."""

import datetime as dt
import time
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
from django.urls import reverse

from submissions import notification_services, services, storage_services
from submissions.models import Submission
from tests.celery_helpers import celery_on
from tests.faults.servers import RedisServer
from tests.submissions.conftest import pdf_upload

BEFORE = dt.datetime(2023, 3, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    with celery_on(server.url):
        yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_uploads_are_accepted_and_the_email_follows_when_it_is_back(
    client, broker, homework, group, alice, mailoutbox
):
    broker.stop()
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    started = time.monotonic()
    with time_machine.travel(BEFORE, tick=True):
        response = client.post(url, {"file": pdf_upload()}, follow=True)
    assert time.monotonic() - started < 15  # publishing gives up fast
    submission = Submission.objects.get()
    assert submission.sha256 in response.content.decode()
    assert "e-mail with your receipt is delayed" in response.content.decode()
    assert mailoutbox == []
    assert submission.receipt_emailed_at is None

    broker.start()  # back; the beat sweeper runs a few minutes later
    with time_machine.travel(BEFORE + dt.timedelta(minutes=5), tick=False):
        assert notification_services.pending_receipts_send() == 1
        assert notification_services.pending_receipts_send() == 0
    assert len(mailoutbox) == 1
    assert submission.sha256 in mailoutbox[0].body


@pytest.mark.django_db(transaction=True)
def test_api_reports_a_delayed_receipt_email_while_the_broker_is_down(
    broker, homework, group, alice
):
    from rest_framework.test import APIClient

    broker.stop()
    api = APIClient()
    api.force_authenticate(alice)
    with time_machine.travel(BEFORE, tick=True):
        response = api.post(
            reverse("submissions-api:submission-create", args=[homework.pk]),
            {"file": pdf_upload()},
            format="multipart",
        )
    assert response.status_code == 201
    assert response.json()["receipt_email"] == "delayed"


@pytest.mark.django_db(transaction=True)
def test_a_database_lost_mid_upload_leaves_no_receipt_no_row_and_no_file(
    homework, group, alice, settings
):
    real_save = Submission.save

    def lose_connection(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["signature"]:
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    with (
        time_machine.travel(BEFORE, tick=False),
        mock.patch.object(Submission, "save", lose_connection),
    ):
        with pytest.raises(OperationalError):
            services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert not Submission.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.is_file()]


@pytest.mark.django_db
def test_orphan_files_are_removed_once_old_enough_and_real_ones_stay(
    homework, group, alice, settings
):
    with time_machine.travel(BEFORE, tick=False):
        kept = services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    storage = kept.file.storage
    orphan = storage.save(f"submissions/{homework.edition_id}/left-behind", pdf_upload())
    now = dt.datetime.now(dt.UTC)
    assert storage_services.orphan_files_remove(now=now) == 0  # too young: may be in flight
    assert storage_services.orphan_files_remove(now=now + dt.timedelta(hours=2)) == 1
    assert not storage.exists(orphan)
    assert storage.exists(kept.file.name)
