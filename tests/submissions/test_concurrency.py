"""On PostgreSQL: group members uploading at the same moment get consecutive versions."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import close_old_connections, connection

from submissions import services
from submissions.models import Submission
from tests.submissions.conftest import make_group, make_student, pdf_upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_uploads_by_every_member_get_consecutive_versions(edition, homework):
    members = [make_student(edition, f"m{i}@example.test") for i in range(3)]
    make_group(edition, *members, name="Racers")
    barrier = threading.Barrier(len(members) * 2)
    errors: list[BaseException] = []

    def upload(user):
        try:
            barrier.wait(timeout=30)
            services.submission_create(user=user, assignment=homework, upload=pdf_upload())
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    # Each member uploads twice at once: 6 concurrent hand-ins for one group.
    with time_machine.travel(dt.datetime(2023, 3, 6, 12, tzinfo=dt.UTC), tick=True):
        threads = [threading.Thread(target=upload, args=(m,)) for m in members * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert errors == []
    versions = sorted(Submission.objects.values_list("version", flat=True))
    assert versions == [1, 2, 3, 4, 5, 6]
    for submission in Submission.objects.all():
        assert submission.file.storage.exists(submission.file.name)
    # Official times follow the order in which the group lock was taken.
    times = list(Submission.objects.order_by("version").values_list("submitted_at", flat=True))
    assert times == sorted(times)
