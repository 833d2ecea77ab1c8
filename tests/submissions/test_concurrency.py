"""On PostgreSQL: group members uploading at the same moment get consecutive versions, and
one Idempotency-Key sent twice at the same moment makes one version."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import close_old_connections, connection

from config import storage
from submissions import services
from submissions.idempotency import IdempotencyKeyReused
from submissions.models import Submission
from tests.factories import AssignmentFactory, EditionFactory, MembershipFactory
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


def test_one_key_sent_at_once_for_the_users_groups_in_two_editions_is_one_version_and_a_409(
    edition, homework, monkeypatch
):
    # Two groups, so two row locks: nothing holds the second request back until the unique
    # key does. Both requests wait for each other after their locked lookup found nothing.
    alice = make_student(edition, "alice@example.test")
    make_group(edition, alice, make_student(edition, "bob@example.test"))
    spring = EditionFactory(slug="info8010-spring", timezone=edition.timezone)
    MembershipFactory(edition=spring, user=alice)
    make_group(spring, alice, make_student(spring, "carol@example.test"))
    project = AssignmentFactory(edition=spring, due_date=homework.due_date, min_group_size=2)
    both_looked = threading.Barrier(2)
    save, saved = storage.save_or_unavailable, []

    def save_when_both_looked(store, *args, **kwargs):
        both_looked.wait(timeout=30)
        saved.append((store, save(store, *args, **kwargs)))
        return saved[-1][1]

    monkeypatch.setattr(storage, "save_or_unavailable", save_when_both_looked)
    answers: list[object] = []

    def upload(assignment):
        try:
            answers.append(
                services.submission_create(
                    user=alice, assignment=assignment, upload=pdf_upload(), idempotency_key="k-1"
                )
            )
        except BaseException as exc:  # noqa: BLE001 — checked below
            answers.append(exc)
        finally:
            connection.close()

    with time_machine.travel(dt.datetime(2023, 3, 6, 12, tzinfo=dt.UTC), tick=True):
        threads = [threading.Thread(target=upload, args=(a,)) for a in (homework, project)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    stored = Submission.objects.get()  # one version, and the other request wrote nothing
    refused = [a for a in answers if not isinstance(a, Submission)]
    assert [type(a) for a in refused] == [IdempotencyKeyReused], answers
    assert "version 1" in str(refused[0])
    assert [a.pk for a in answers if isinstance(a, Submission)] == [stored.pk]
    assert len(saved) == 2  # both files were stored; the refused one is removed
    assert [name for store, name in saved if store.exists(name)] == [stored.file.name]
