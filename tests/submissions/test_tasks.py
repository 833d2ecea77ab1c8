"""Beat jobs: reminders to groups that have not handed in, and idempotent closing."""

import datetime as dt

import pytest
import time_machine

from submissions import notification_services, services, tasks
from tests.submissions.conftest import pdf_upload

DEADLINE = dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_reminders_go_48h_then_2h_before_only_to_groups_that_have_not_handed_in(
    homework, group, other_group, alice, carol, mailoutbox
):
    with time_machine.travel(DEADLINE - dt.timedelta(hours=50), tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        assert notification_services.reminders_send() == 0  # too early
    with time_machine.travel(DEADLINE - dt.timedelta(hours=47), tick=False):
        assert notification_services.reminders_send() == 1
        assert notification_services.reminders_send() == 0  # once only
    assert set(mailoutbox[0].to) == {carol.email, "dave@example.test"}
    assert "48 hours" in mailoutbox[0].subject
    with time_machine.travel(DEADLINE - dt.timedelta(hours=1), tick=False):
        assert tasks.send_deadline_reminders.apply().get() == 1
    assert "2 hours" in mailoutbox[1].subject
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_reminders_follow_the_groups_extension(homework, group, alice, ta, mailoutbox):
    services.extension_grant(actor=ta, assignment=homework, group=group, days=3)
    with time_machine.travel(DEADLINE - dt.timedelta(hours=1), tick=False):
        assert notification_services.reminders_send() == 0  # their deadline is 3 days later
    with time_machine.travel(DEADLINE + dt.timedelta(days=3, hours=-1), tick=False):
        assert notification_services.reminders_send() == 1


@pytest.mark.django_db
def test_closing_waits_for_the_last_extension_and_is_idempotent(homework, group, ta):
    services.extension_grant(actor=ta, assignment=homework, group=group, hours=5)
    with time_machine.travel(DEADLINE + dt.timedelta(hours=1), tick=False):
        assert notification_services.assignments_close_due() == 0
    with time_machine.travel(DEADLINE + dt.timedelta(hours=5), tick=False):
        assert tasks.close_due_assignments.apply().get() == 1
        assert notification_services.assignments_close_due() == 0
    homework.refresh_from_db()
    assert homework.closed_at == DEADLINE + dt.timedelta(hours=5)


def test_beat_schedule_runs_the_jobs_on_a_crontab(settings):
    from celery.schedules import crontab

    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks_scheduled = {entry["task"] for entry in schedule.values()}
    assert {
        "submissions.tasks.close_due_assignments",
        "submissions.tasks.send_deadline_reminders",
        "submissions.tasks.send_pending_receipts",
        "submissions.tasks.remove_orphan_files",
    } <= tasks_scheduled
    assert all(isinstance(entry["schedule"], crontab) for entry in schedule.values())
