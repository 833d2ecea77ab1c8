"""A deadline is a local date and time in its edition's zone, and the instant is derived from
them when read (docs/decisions/0008-derived-values.md): whatever path changes the inputs —
the admin, the service, an import, a bulk update — the next hand-in is judged against the
new instant."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from assignments.models import Assignment
from assignments.services import edition_update
from courses.models import Edition
from submissions import services
from submissions.errors import DeadlinePassed
from tests.admin_forms import submit
from tests.submissions.conftest import pdf_upload

US = dt.timedelta(microseconds=1)
# Homework 1 (tests/submissions/conftest.py): Mon 6 March 2023, 23:59 local time.
IN_BRUSSELS = dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)  # 23:59 CET
IN_NEW_YORK = dt.datetime(2023, 3, 7, 4, 59, tzinfo=dt.UTC)  # 23:59 EST

pytestmark = pytest.mark.django_db


def _judged_against_new_york(homework, alice):
    """Late by Brussels time, on time by New York's; then late by New York's too."""
    with time_machine.travel(IN_NEW_YORK - US, tick=False):
        accepted = services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert accepted.deadline_at == IN_NEW_YORK
    with time_machine.travel(IN_NEW_YORK, tick=False):
        with pytest.raises(DeadlinePassed) as refused:
            services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert refused.value.deadline == IN_NEW_YORK
    assert "23:59:00 New York time (EST) on Mon 6 Mar 2023" in refused.value.message


def test_a_new_time_zone_set_through_the_service_moves_the_deadline(
    edition, homework, group, alice
):
    with time_machine.travel(IN_BRUSSELS, tick=False):
        with pytest.raises(DeadlinePassed):
            services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    edition.timezone = "America/New_York"
    edition_update(edition=edition)
    homework = Assignment.objects.select_related("edition").get(pk=homework.pk)
    _judged_against_new_york(homework, alice)


def test_a_new_time_zone_set_in_the_admin_moves_the_deadline(
    admin_client, edition, homework, group, alice
):
    url = reverse("admin:courses_edition_change", args=[edition.pk])
    response = submit(admin_client, url, timezone="America/New_York")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Edition.objects.get(pk=edition.pk).timezone == "America/New_York"
    homework = Assignment.objects.select_related("edition").get(pk=homework.pk)
    assert homework.due_at == IN_NEW_YORK
    _judged_against_new_york(homework, alice)


def test_a_time_zone_in_which_a_deadline_does_not_exist_is_refused(edition, homework):
    # 02:30 on 12 March 2023 does not exist in New York (clocks jump from 02:00 to 03:00).
    homework.due_date, homework.due_time = dt.date(2023, 3, 12), dt.time(2, 30)
    homework.save()
    edition.timezone = "America/New_York"
    with pytest.raises(ValidationError) as refused:
        edition_update(edition=edition)
    assert "Homework 1: 2023-03-12 02:30 does not exist in America/New_York." in str(refused.value)
    assert Edition.objects.get(pk=edition.pk).timezone == "Europe/Brussels"


def test_the_admin_shows_the_refusal_and_keeps_the_zone(admin_client, edition, homework):
    homework.due_date, homework.due_time = dt.date(2023, 3, 12), dt.time(2, 30)
    homework.save()
    url = reverse("admin:courses_edition_change", args=[edition.pk])
    response = submit(admin_client, url, timezone="America/New_York")
    assert "does not exist in America/New_York" in admin_client.get(response.url).content.decode()
    assert Edition.objects.get(pk=edition.pk).timezone == "Europe/Brussels"


def test_a_bulk_update_of_the_local_date_moves_the_deadline(edition, homework, group, alice):
    Assignment.objects.filter(pk=homework.pk).update(due_date=dt.date(2023, 3, 7))
    homework = Assignment.objects.select_related("edition").get(pk=homework.pk)
    later = IN_BRUSSELS + dt.timedelta(days=1)
    assert homework.due_at == later
    with time_machine.travel(later - US, tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())


def test_a_new_zone_reopens_the_closing_bookkeeping(edition, homework):
    Assignment.objects.filter(pk=homework.pk).update(closed_at=IN_BRUSSELS)
    edition.timezone = "America/New_York"
    edition_update(edition=edition)
    assert Assignment.objects.get(pk=homework.pk).closed_at is None
