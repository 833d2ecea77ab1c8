"""A real Celery worker of the ``autograde`` queue, on Redis and PostgreSQL: the hand-in
commits, its run is published to that queue, the worker runs the real sandbox."""

from __future__ import annotations

import pytest
from django.conf import settings

from autograder.models import AutogradeRun
from submissions.services import submission_create
from tests.autograder.test_handin import upload
from tests.faults.test_worker import broker_url, start_worker, stop, wait_until  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.sandbox,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_of_the_autograde_queue_grades_the_hand_in(
    broker_url,  # noqa: F811 — the fixture
    bundle,
    group,
    alice,
    solution,
):
    worker = start_worker(
        broker_url,
        queues="autograde",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        LECTERN_AUTOGRADER_ENV_DIR=str(settings.LECTERN_AUTOGRADER_ENV_DIR),
    )
    try:
        submission = submission_create(
            user=alice, assignment=bundle.assignment, upload=upload(solution)
        )
        run = AutogradeRun.objects.get(submission=submission)
        assert wait_until(lambda: AutogradeRun.objects.get(pk=run.pk).finished, timeout=180), (
            "the autograde worker did not run it"
        )
    finally:
        stop(worker)
    run.refresh_from_db()
    assert run.status == "done" and (run.score, run.max_score) == (5, 5)
