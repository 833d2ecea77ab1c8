"""Autograding on hand-in, end to end with the real sandbox: the web form and the API queue
a run after the receipt commits; its results reach the API, the assignment page and the
workspace per the visibility setting; the score pre-fills the draft grade until a TA saves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.services import api_token_create
from autograder import services
from autograder.models import AutogradeRun, GraderBundle
from grading import services as grading
from grading.models import Grade, MarkChange
from submissions.models import Submission

pytestmark = [pytest.mark.django_db, pytest.mark.sandbox]


def upload(data: bytes, name="homework2.ipynb"):
    return SimpleUploadedFile(name, data, "application/x-ipynb+json")


def hand_in_api(client, user, assignment, data: bytes, capture):
    token = api_token_create(user=user).key
    with capture(execute=True):
        response = client.post(
            reverse("submissions-api:submission-create", args=[assignment.pk]),
            {"file": upload(data)},
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.content
    return Submission.objects.get(pk=response.json()["submission_id"]), token


def autograde(client, submission, token):
    return client.get(
        reverse("autograder-api:submission-autograde", args=[submission.pk]),
        headers={"authorization": f"Bearer {token}"},
    )


def test_the_solution_gets_full_marks_through_the_api_and_the_starter_zero(
    client, bundle, group, alice, solution, starter, django_capture_on_commit_callbacks
):
    first, token = hand_in_api(
        client, alice, bundle.assignment, solution, django_capture_on_commit_callbacks
    )
    body = autograde(client, first, token).json()
    assert body["status"] == "done" and body["visible"] is True
    assert (body["score"], body["max_score"]) == ("5", "5")
    assert [t["status"] for t in body["tests"]] == ["passed"] * 3
    assert body["environment"] == "test-numpy" and body["bundle_version"] == 1
    second, _ = hand_in_api(
        client, alice, bundle.assignment, starter, django_capture_on_commit_callbacks
    )
    body = autograde(client, second, token).json()
    assert body["status"] == "done" and (body["score"], body["max_score"]) == ("0", "5")
    # Each version keeps its own results.
    assert autograde(client, first, token).json()["score"] == "5"


def test_the_web_form_shows_the_results_on_the_assignment_page(
    client, bundle, group, alice, solution, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[bundle.assignment.pk])
    page = client.get(url)
    token = page.context["form"].initial["handin_token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": upload(solution), "handin_token": token})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Autograder" in page and "5 / 5" in page
    assert "test_conv2d" in page and "valid 2-D cross-correlation" in page


def test_the_run_is_queued_after_the_receipt_commits_on_the_autograde_queue(
    bundle, group, alice, solution, django_capture_on_commit_callbacks, monkeypatch
):
    from autograder import tasks
    from config.celery import app

    sent = []
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(tasks.autograde_submission, "delay", lambda *a: sent.append(a))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = _hand_in_quietly(bundle.assignment, alice, solution)
    run = AutogradeRun.objects.get(submission=submission)
    assert sent == [] and run.status == "queued"  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sent == [(run.pk,)]
    route = app.amqp.router.route({}, "autograder.tasks.autograde_submission")
    assert route["queue"].name == "autograde"


def _hand_in_quietly(assignment, user, data):
    from submissions.services import submission_create

    return submission_create(user=user, assignment=assignment, upload=upload(data))


def test_results_after_the_deadline_are_hidden_from_students_until_then(
    client, bundle, group, alice, ta, solution, django_capture_on_commit_callbacks
):
    bundle.visibility = GraderBundle.Visibility.AFTER_DEADLINE
    services.bundle_save(bundle=bundle)
    submission, token = hand_in_api(
        client, alice, bundle.assignment, solution, django_capture_on_commit_callbacks
    )
    deadline = submission.deadline_at
    with time_machine.travel(deadline - dt.timedelta(microseconds=1), tick=False):
        body = autograde(client, submission, token).json()
        assert body["status"] == "done" and body["visible"] is False
        assert body["score"] is None and body["tests"] == [] and body["stdout"] == ""
        # Staff see them at once.
        staff = autograde(client, submission, api_token_create(user=ta).key).json()
        assert staff["visible"] is True and staff["score"] == "5"
    with time_machine.travel(deadline, tick=False):
        body = autograde(client, submission, token).json()
        assert body["visible"] is True and body["score"] == "5"


def test_another_group_and_an_unautograded_hand_in_get_404(
    client, bundle, group, other_group, alice, carol, solution, django_capture_on_commit_callbacks
):
    submission, _ = hand_in_api(
        client, alice, bundle.assignment, solution, django_capture_on_commit_callbacks
    )
    other = api_token_create(user=carol).key
    response = autograde(client, submission, other)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    AutogradeRun.objects.all().delete()
    response = autograde(client, submission, api_token_create(user=alice).key)
    assert response.status_code == 404 and "not autograded" in response.json()["detail"]


def test_the_score_prefills_the_draft_grade_until_a_ta_saves_it(
    client, bundle, group, alice, ta, solution, starter, django_capture_on_commit_callbacks
):
    assignment = bundle.assignment  # max score 20: 5 / 5 is 20
    hand_in_api(client, alice, assignment, solution, django_capture_on_commit_callbacks)
    grade = Grade.objects.get(assignment=assignment, group=group)
    assert grade.score == Decimal(20) and not grade.is_released
    # A new version re-fills it (no TA has touched it).
    hand_in_api(client, alice, assignment, starter, django_capture_on_commit_callbacks)
    grade.refresh_from_db()
    assert grade.score == Decimal(0)
    # The TA overrides; a later run leaves the TA's mark alone; the history has all three.
    grading.grade_save(
        actor=ta, assignment=assignment, group=group, score=Decimal(7), via=MarkChange.Via.ADMIN
    )
    hand_in_api(client, alice, assignment, solution, django_capture_on_commit_callbacks)
    grade.refresh_from_db()
    assert grade.score == Decimal(7)
    history = MarkChange.objects.filter(kind="grade", object_id=grade.pk).order_by("id")
    assert [(h.actor, h.after["score"]) for h in history] == [
        (None, "20"),
        (None, "0"),
        (ta, "7"),
    ]


def test_the_ta_sees_the_results_in_the_workspace_prefilled(
    admin_client, bundle, group, alice, solution, django_capture_on_commit_callbacks
):
    submission, _ = hand_in_api(
        admin_client, alice, bundle.assignment, solution, django_capture_on_commit_callbacks
    )
    page = admin_client.get(reverse("grading-admin:workspace", args=[submission.pk]))
    text = page.content.decode()
    assert "Autograder — Done" in text and "5 / 5" in text and "pre-filled" in text
    assert page.context["form"].initial["score"] == Decimal(20)


def test_a_bundle_change_keeps_old_results_and_reruns_every_latest_hand_in(
    client, bundle, group, other_group, alice, carol, solution, django_capture_on_commit_callbacks
):
    assignment = bundle.assignment
    first, token = hand_in_api(
        client, alice, assignment, solution, django_capture_on_commit_callbacks
    )  # noqa: E501
    hand_in_api(client, carol, assignment, solution, django_capture_on_commit_callbacks)
    bundle.tests += '\n\ndef test_extra():\n    assert False, "always fails"\n'
    services.bundle_save(bundle=bundle)
    assert bundle.version == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert services.runs_requeue_all(assignment=assignment) == 2
    runs = list(AutogradeRun.objects.filter(submission=first).order_by("id"))
    assert [(r.bundle_version, r.score, r.max_score) for r in runs] == [
        (1, Decimal(5), Decimal(5)),
        (2, Decimal(5), Decimal(6)),
    ]
    assert autograde(client, first, token).json()["bundle_version"] == 2


def test_an_invalid_notebook_is_refused_at_hand_in_and_never_run(
    client, bundle, group, alice, django_capture_on_commit_callbacks
):
    token = api_token_create(user=alice).key
    for data in (b"not json at all", b'{"cells": "not a notebook"}'):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("submissions-api:submission-create", args=[bundle.assignment.pk]),
                {"file": upload(data)},
                headers={"authorization": f"Bearer {token}"},
            )
        assert response.status_code == 400
    assert not AutogradeRun.objects.exists() and not Submission.objects.exists()


def test_a_missing_environment_fails_the_run_and_says_how_to_build_it(
    bundle, group, alice, solution, django_capture_on_commit_callbacks
):
    GraderBundle.objects.filter(pk=bundle.pk).update(environment="not-built")
    bundle.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        submission = _hand_in_quietly(bundle.assignment, alice, solution)
    run = AutogradeRun.objects.get(submission=submission)
    assert run.status == "failed" and "autograder_env create not-built" in run.error
