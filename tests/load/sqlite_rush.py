"""Ten groups hand in at once, and ten students join groups at once, on the embedded default.

Run as a script by ``tests/load/test_sqlite_rush.py``: ``python -m tests.load.sqlite_rush
<folder>``. It configures Django as ``make run`` does (``config.settings.dev``: SQLite in a
file, its connection options from ``config/settings/base.py``, tasks in-process), migrates a
fresh database in ``<folder>``, seeds an edition, and sends the requests from threads through
the whole request stack (middleware, API, services), each thread with its own connection to
the database file, as the threads of ``runserver`` or gunicorn have. It prints one JSON line:
the status codes and the first error bodies.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

GROUPS = 10


def _configure(folder: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DATABASE_URL=f"sqlite:///{folder / 'lectern.sqlite3'}",
        MEDIA_ROOT=str(folder / "media"),
        REDIS_URL="",
        CELERY_BROKER_URL="",
        CELERY_TASK_ALWAYS_EAGER="True",
        DEBUG="False",
        LOG_LEVEL="CRITICAL",
        EMAIL_URL="consolemail://",
        API_USER_RATE="100000/minute",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _at_once(work, jobs):
    """Run ``work(job)`` for every job in its own thread, all released together."""
    from django.db import connection

    barrier = threading.Barrier(len(jobs))
    answers: list = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait(timeout=60)
            answers[index] = work(job)
        except Exception as exc:  # noqa: BLE001 — reported as the answer
            answers[index] = (599, repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return answers


def main(folder: Path) -> dict:
    _configure(folder)
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.services import api_token_create
    from tests.factories import AssignmentFactory, EditionFactory, make_group, make_student
    from tests.submissions import filegen

    edition = EditionFactory(slug="rush")
    assignment = AssignmentFactory(
        edition=edition,
        due_date=(timezone.now() + dt.timedelta(days=30)).date(),
        min_group_size=1,
        max_group_size=3,
        accepted_kinds=["pdf"],
    )
    students = [make_student(edition, f"s{i}@rush.test") for i in range(2 * GROUPS)]
    groups = [make_group(edition, s, name=f"G{i}") for i, s in enumerate(students[:GROUPS])]
    pdf = filegen.pdf(filegen.text_pages(1))
    url = reverse("submissions-api:submission-create", kwargs={"pk": assignment.pk})

    def hand_in(user):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user).key}")
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = api.post(url, {"file": SimpleUploadedFile("report.pdf", pdf)})
        return response.status_code, response.content.decode()[:300]

    def join(pair):
        user, group = pair
        api = APIClient()
        api.force_login(user)
        response = api.post(
            reverse("submissions:group", kwargs={"slug": edition.slug}),
            {"action": "join", "join-code": group.join_code},
        )
        return response.status_code, response.get("Location", "")

    handed_in = _at_once(hand_in, students[:GROUPS])
    joined = _at_once(join, list(zip(students[GROUPS:], groups, strict=True)))
    from submissions.models import GroupMembership, Submission

    return {
        "hand_ins": [status for status, _ in handed_in],
        "hand_in_errors": [body for status, body in handed_in if status != 201][:3],
        "submissions": Submission.objects.count(),
        "joins": [status for status, _ in joined],
        "join_errors": [body for status, body in joined if status != 302][:3],
        "members": GroupMembership.objects.count(),
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
