"""The embedded default (tasks in-process): the run goes to a background thread, so the
hand-in answers before the run ends (issue 16: "the web request never waits for it")."""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse

from accounts.services import api_token_create
from autograder import sandbox
from autograder.models import AutogradeRun
from tests.autograder.test_handin import upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_hand_in_answers_while_its_run_waits_in_a_background_thread(
    client, bundle, group, alice, solution, settings, monkeypatch
):
    settings.LECTERN_AUTOGRADE_IN_THREAD = True
    gate, started = threading.Event(), threading.Event()

    def slow_run(**kwargs):
        started.set()
        assert gate.wait(timeout=60)
        return sandbox.Outcome(
            status="done",
            tests=[{"name": "test_x", "status": "passed", "points": 1, "max_points": 1}],
        )

    monkeypatch.setattr(sandbox, "run", slow_run)
    token = api_token_create(user=alice).key
    response = client.post(
        reverse("submissions-api:submission-create", args=[bundle.assignment.pk]),
        {"file": upload(solution)},
        headers={"authorization": f"Bearer {token}"},
    )
    # Answered; the run is still waiting at the gate (or about to reach it).
    assert response.status_code == 201
    run = AutogradeRun.objects.get(submission_id=response.json()["submission_id"])
    assert run.status in ("queued", "running")
    assert started.wait(timeout=60)
    gate.set()
    for thread in threading.enumerate():
        if thread.name == f"autograde-{run.pk}":
            thread.join(timeout=60)
    run.refresh_from_db()
    assert run.status == "done" and run.score == 1
