"""End to end with a real worker on Redis and PostgreSQL: the request id of a hand-in is on
the log line of the receipt task it queued (config/request_id.py), in JSON."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from submissions.models import Submission
from tests.celery_helpers import celery_on
from tests.faults.test_worker import stop, wait_until
from tests.submissions.conftest import pdf_upload
from tests.test_request_id import json_lines

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[2]


def test_a_hand_in_and_the_receipt_task_it_queues_log_the_same_request_id(
    homework, group, alice, tmp_path
):
    homework.due_date = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
    homework.save()
    broker_url = settings.REDIS_URL.rsplit("/", 1)[0] + "/11"
    redis.Redis.from_url(broker_url).flushdb()
    db = connection.settings_dict
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": f"filemail:///{tmp_path / 'mails'}",
        "LOG_FORMAT": "json",
    }
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def receipt_task_lines():
        return [
            line
            for line in json_lines(log.read_text())
            if "send_receipt_email" in line.get("message", "")
            and "succeeded" in line.get("message", "")
        ]

    try:
        api = APIClient()
        api.force_authenticate(alice)
        url = reverse("submissions-api:submission-create", args=[homework.pk])
        with celery_on(broker_url):
            response = api.post(
                url, {"file": pdf_upload()}, format="multipart", HTTP_X_REQUEST_ID="req-e2e-15"
            )
        assert response.status_code == 201, response.content
        assert response["X-Request-ID"] == "req-e2e-15"
        submission = Submission.objects.get()
        assert wait_until(
            lambda: Submission.objects.get(pk=submission.pk).receipt_emailed_at is not None
        ), log.read_text()
        assert wait_until(lambda: bool(receipt_task_lines())), log.read_text()
    finally:
        stop(worker)
    (line,) = receipt_task_lines()
    assert line["request_id"] == "req-e2e-15"
    # The worker's own lines, outside any task, carry none.
    assert any(line["request_id"] is None for line in json_lines(log.read_text()))
