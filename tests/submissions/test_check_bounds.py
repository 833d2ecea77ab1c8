"""Issue 10, case 4: one student cannot occupy every web thread with file checks.

Hand-ins are throttled per user, a user has one file checked at a time, and a process checks
a bounded number of files — and bytes — at once; the rest wait a short turn or are told to
come back (``Retry-After``) with a code saying why. Nothing is stored for any of them.
"""

import datetime as dt
import os
import threading
import time
from contextlib import contextmanager

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_create
from submissions import check_bounds, filechecks
from submissions.models import Submission
from tests.submissions import filegen

BEFORE = dt.datetime(2023, 3, 6, 12, 0, 30, tzinfo=dt.UTC)
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _bounds(settings):
    cache.clear()
    settings.LECTERN_HAND_IN_RATE = "10/minute"
    settings.LECTERN_FILE_CHECKS_PER_USER = 1
    settings.LECTERN_FILE_CHECKS_PER_PROCESS = 2
    settings.LECTERN_FILE_CHECK_BYTES_PER_PROCESS = 24 * MiB
    settings.LECTERN_FILE_CHECK_WAIT_SECONDS = 0.05
    settings.LECTERN_FILE_CHECK_RETRY_AFTER = 10
    yield
    cache.clear()


@contextmanager
def held_elsewhere(user_id, size):
    """A turn held by another request (a thread of this process) for the block's duration."""
    taken, done = threading.Event(), threading.Event()
    failure = []

    def hold():
        try:
            with check_bounds.hand_in_turn(user_id=user_id, size=size):
                taken.set()
                done.wait(30)
        except Exception as exc:  # noqa: BLE001 — reported below
            failure.append(exc)
            taken.set()

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(30)
    assert not failure, failure
    try:
        yield
    finally:
        done.set()
        thread.join(30)


def _api(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user).key}")
    return api


def _hand_in(api, assignment):
    pdf = SimpleUploadedFile("report.pdf", filegen.pdf(filegen.text_pages(1)))
    url = reverse("submissions-api:submission-create", args=[assignment.pk])
    with time_machine.travel(BEFORE, tick=False):
        return api.post(url, {"file": pdf}, format="multipart")


@pytest.mark.django_db
def test_a_user_has_one_file_checked_at_a_time(homework, group, other_group, alice, carol):
    with held_elsewhere(alice.pk, 19 * MiB // 4):
        # Alice's first file is still being checked (another thread, another process).
        second = _hand_in(_api(alice), homework)
        assert second.status_code == 429
        assert second.json()["code"] == "check_in_progress"
        assert int(second["Retry-After"]) > 0
        # Meanwhile a classmate of another group hands in.
        assert _hand_in(_api(carol), homework).status_code == 201
    assert Submission.objects.filter(group=group).count() == 0
    assert _hand_in(_api(alice), homework).status_code == 201


@pytest.mark.django_db
def test_a_busy_process_answers_503_with_retry_after_and_stores_nothing(
    homework, group, other_group, alice, carol, settings
):
    settings.LECTERN_FILE_CHECKS_PER_PROCESS = 1
    with held_elsewhere(carol.pk, MiB):
        busy = _hand_in(_api(alice), homework)
    assert busy.status_code == 503
    assert busy.json()["code"] == "checks_busy"
    assert busy.json()["retry_after"] == 10
    assert busy["Retry-After"] == "10"
    assert not Submission.objects.exists()
    assert _hand_in(_api(alice), homework).status_code == 201  # its turn has come


@pytest.mark.django_db
def test_a_large_file_being_checked_turns_away_the_next_one_at_once(
    homework, group, other_group, alice, carol, settings
):
    settings.LECTERN_FILE_CHECK_WAIT_SECONDS = 30  # a wait would show as a slow test
    settings.LECTERN_FILE_CHECK_BYTES_PER_PROCESS = 19 * MiB
    with held_elsewhere(carol.pk, 19 * MiB):
        started = time.monotonic()
        busy = _hand_in(_api(alice), homework)  # a free slot, but no bytes left
        waited = time.monotonic() - started
    assert busy.status_code == 503 and busy.json()["code"] == "checks_busy"
    assert waited < 30
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_the_web_form_says_to_come_back_later(client, homework, group, alice, carol, settings):
    settings.LECTERN_FILE_CHECKS_PER_PROCESS = 1
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    pdf = SimpleUploadedFile("report.pdf", filegen.pdf(filegen.text_pages(1)))
    with held_elsewhere(carol.pk, MiB):
        with time_machine.travel(BEFORE, tick=False):
            response = client.post(url, {"file": pdf})
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "The server is busy checking other files" in response.content.decode()


@pytest.mark.django_db
def test_hand_ins_are_throttled_per_user_until_the_next_window(
    client, homework, group, other_group, alice, carol, settings
):
    settings.LECTERN_HAND_IN_RATE = "2/minute"
    api = _api(alice)
    assert [_hand_in(api, homework).status_code for _ in range(3)] == [201, 201, 429]
    refused = _hand_in(api, homework)
    assert refused.json()["code"] == "too_many_hand_ins"
    assert refused["Retry-After"] == "30"  # the window ends at 12:01:00
    assert _hand_in(_api(carol), homework).status_code == 201  # per user, not site-wide
    with time_machine.travel(BEFORE + dt.timedelta(seconds=30), tick=False):
        pdf = SimpleUploadedFile("report.pdf", filegen.pdf(filegen.text_pages(1)))
        url = reverse("submissions-api:submission-create", args=[homework.pk])
        assert api.post(url, {"file": pdf}, format="multipart").status_code == 201
    assert Submission.objects.filter(group=group).count() == 3


@pytest.mark.django_db
def test_a_busy_server_refuses_an_api_upload_before_reading_it(homework, group, alice, carol):
    api = _api(alice)
    url = reverse("submissions-api:submission-create", args=[homework.pk])
    # Not even a valid form: read, it would be a 400.
    junk = b"x" * (2 * MiB)
    with held_elsewhere(carol.pk, 23 * MiB):
        with time_machine.travel(BEFORE, tick=False):
            busy = api.generic("POST", url, junk, content_type="multipart/form-data; boundary=B")
    assert busy.status_code == 503 and busy.json()["code"] == "checks_busy"
    too_big = api.generic(
        "POST",
        url,
        b"",
        content_type="multipart/form-data; boundary=B",
        CONTENT_LENGTH=str(homework.max_file_mb * MiB * 5),  # not read: no honest mistake
    )
    assert too_big.status_code == 400 and too_big.json()["code"] == "too_large"


def test_a_waiting_check_gets_the_turn_a_finished_one_frees():
    gate = check_bounds._ProcessGate()
    assert gate.admit(MiB, slots=1, budget=24 * MiB, wait=0)
    assert not gate.admit(MiB, slots=1, budget=24 * MiB, wait=0)  # no turn, no wait
    threading.Timer(0.1, gate.release, args=(MiB,)).start()
    assert gate.admit(MiB, slots=1, budget=24 * MiB, wait=30)  # waited for the release
    gate.release(MiB)
    assert (gate.running, gate.bytes) == (0, 0)


def test_the_byte_budget_admits_a_file_larger_than_itself_only_alone():
    gate = check_bounds._ProcessGate()
    assert gate.admit(30 * MiB, slots=2, budget=24 * MiB, wait=0)
    assert not gate.admit(MiB, slots=2, budget=24 * MiB, wait=0)
    gate.release(30 * MiB)
    assert gate.admit(MiB, slots=2, budget=24 * MiB, wait=0)
    assert not gate.admit(30 * MiB, slots=2, budget=24 * MiB, wait=0)
    assert gate.bytes == MiB  # a refusal takes nothing


def test_file_checks_run_at_a_lower_priority_than_the_web_threads():
    server = filechecks._check_server()
    deadline = time.monotonic() + 10
    while os.getpriority(os.PRIO_PROCESS, server.process.pid) == os.getpriority(os.PRIO_PROCESS, 0):
        assert time.monotonic() < deadline, "the check server never lowered its priority"
        time.sleep(0.05)
    assert os.getpriority(os.PRIO_PROCESS, server.process.pid) >= 10
