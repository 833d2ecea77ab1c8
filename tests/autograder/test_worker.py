"""A real Celery worker of the ``autograde`` queue, on Redis and PostgreSQL: the hand-in
commits, its run is published to that queue, the worker runs the real sandbox."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from autograder.models import AutogradeRun
from submissions.services import submission_create
from tests.autograder.test_handin import upload
from tests.faults.test_worker import ROOT, broker_url, stop, wait_until  # noqa: F401

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.sandbox,
    pytest.mark.django_db(transaction=True),
]


def start_autograde_worker(broker_url: str):  # noqa: F811 — the fixture's value
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": broker_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "LECTERN_AUTOGRADER_ENV_DIR": str(settings.LECTERN_AUTOGRADER_ENV_DIR),
    }
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q",
         "autograde", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-l", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip


def test_a_worker_of_the_autograde_queue_grades_the_hand_in(
    broker_url,  # noqa: F811 — the fixture
    bundle,
    group,
    alice,
    solution,
):
    worker = start_autograde_worker(broker_url)
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
