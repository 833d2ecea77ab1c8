"""Hand-ins accepted and refused, and file-check durations, as /metrics shows them
(submissions/hand_in_metrics.py, config/metrics.py)."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from submissions import services
from submissions.errors import DeadlinePassed, SubmissionRefused
from tests.submissions import filegen
from tests.submissions.conftest import pdf_upload

BEFORE = dt.datetime(2023, 3, 6, 12, 0, tzinfo=dt.UTC)
HW1_DEADLINE = dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Counts:
    """The hand-in samples now, to compare with later (the registry lives for the process)."""

    SAMPLES = {
        "accepted": ("lectern_hand_ins_accepted_total", {}),
        "replayed": ("lectern_hand_ins_replayed_total", {}),
        "deadline_passed": ("lectern_hand_ins_refused_total", {"reason": "deadline_passed"}),
        "pdf_unreadable": ("lectern_hand_ins_refused_total", {"reason": "pdf_unreadable"}),
        "too_large": ("lectern_hand_ins_refused_total", {"reason": "too_large"}),
        "checks_passed": ("lectern_file_check_duration_seconds_count", {"outcome": "passed"}),
        "checks_rejected": ("lectern_file_check_duration_seconds_count", {"outcome": "rejected"}),
    }

    def __init__(self):
        self.before = self._read()

    def _read(self):
        return {key: _value(name, **labels) for key, (name, labels) in self.SAMPLES.items()}

    def added(self):
        now = self._read()
        return {key: now[key] - self.before[key] for key in now if now[key] != self.before[key]}


def test_an_accepted_hand_in_and_its_retry_are_counted_apart(homework, group, alice):
    counts = Counts()
    with time_machine.travel(BEFORE, tick=False):
        services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload(), idempotency_key="k-1"
        )
        services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload(), idempotency_key="k-1"
        )
    assert counts.added() == {"accepted": 1, "replayed": 1, "checks_passed": 1}


def test_a_late_hand_in_is_counted_as_refused_by_its_reason_without_a_file_check(
    homework, group, alice
):
    counts = Counts()
    with time_machine.travel(HW1_DEADLINE, tick=False), pytest.raises(DeadlinePassed):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert counts.added() == {"deadline_passed": 1}


def test_a_file_refused_by_its_check_is_timed_and_counted_with_the_checks_code(
    homework, group, alice
):
    counts = Counts()
    upload = SimpleUploadedFile("hw1.pdf", filegen.truncated_pdf())
    with time_machine.travel(BEFORE, tick=False), pytest.raises(SubmissionRefused):
        services.submission_create(user=alice, assignment=homework, upload=upload)
    assert counts.added() == {"pdf_unreadable": 1, "checks_rejected": 1}


def test_a_refusal_through_the_api_is_counted_once(homework, group, alice):
    api = APIClient()
    api.force_authenticate(alice)
    url = reverse("submissions-api:submission-create", args=[homework.pk])
    counts = Counts()
    with time_machine.travel(HW1_DEADLINE, tick=False):
        response = api.post(url, {"file": pdf_upload()}, format="multipart")
    assert response.status_code == 403
    assert counts.added() == {"deadline_passed": 1}


def test_the_apis_refusal_before_reading_the_upload_is_counted_too(homework, group, alice):
    api = APIClient()
    api.force_authenticate(alice)
    url = reverse("submissions-api:submission-create", args=[homework.pk])
    homework.max_file_mb = 1
    homework.save()
    # Over the limit by more than a form's overhead: refused from Content-Length alone.
    big = SimpleUploadedFile("hw1.pdf", b"%PDF-1.7\n" + b"0" * (1048576 + 256 * 1024))
    counts = Counts()
    with time_machine.travel(BEFORE, tick=False):
        response = api.post(url, {"file": big}, format="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "too_large"
    assert counts.added() == {"too_large": 1}


def test_the_web_form_counts_its_hand_ins_through_the_same_service(client, homework, group, alice):
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    counts = Counts()
    with time_machine.travel(BEFORE, tick=False):
        response = client.post(url, {"file": pdf_upload()})
    assert response.status_code == 302
    assert counts.added() == {"accepted": 1, "checks_passed": 1}
