"""Cloning an edition into a new term: ``edition_clone`` and ``manage.py clone_edition``."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from assignments.models import Assignment, Paper
from assignments.services import edition_clone
from courses.models import Edition, Event, Lecture, Membership
from tests.factories import (
    AssignmentFactory,
    EditionFactory,
    LectureFactory,
    MembershipFactory,
    build_full_edition,
)

pytestmark = pytest.mark.django_db

BRUSSELS_SUMMER = dt.timezone(dt.timedelta(hours=2))


def _counts():
    return (
        Edition.objects.count(),
        Membership.objects.count(),
        Lecture.objects.count(),
        Event.objects.count(),
        Assignment.objects.count(),
        Paper.objects.count(),
    )


@pytest.fixture
def source():
    """Spring 2023: first agenda date Friday 10 Feb 2023."""
    return build_full_edition(
        slug="info8010-2023",
        term="Spring 2023",
        academic_year="2022-2023",
        intro="Lectures for INFO8010 - Deep Learning, ULiège, Spring 2023.",
        schedule_text="Spring 2023, Friday 8:30 AM",
        groups_lock_at=dt.datetime(2023, 2, 24, 22, 59, tzinfo=dt.UTC),  # 23:59 CET
    )


def test_clone_moves_every_date_by_whole_weeks_so_weekdays_stay(source):
    # Tuesday 9 Feb 2027 is 1460 days (208.6 weeks) after Friday 10 Feb 2023: rounds to 209.
    clone = edition_clone(source=source, new_slug="info8010-2027", start=dt.date(2027, 2, 9))

    old = sorted(source.lectures.exclude(date=None).values_list("date", flat=True))
    new = sorted(clone.lectures.exclude(date=None).values_list("date", flat=True))
    assert new[0] == dt.date(2027, 2, 12)  # a Friday, like 10 Feb 2023
    assert new == [d + dt.timedelta(weeks=209) for d in old]
    assert {d.weekday() for d in new} == {Edition.Weekday.FRIDAY}
    old_events = sorted(source.events.exclude(date=None).values_list("date", flat=True))
    new_events = sorted(clone.events.exclude(date=None).values_list("date", flat=True))
    assert new_events == [d + dt.timedelta(weeks=209) for d in old_events]


def test_clone_keeps_a_winter_2359_deadline_at_2359_in_summer():
    source = EditionFactory(timezone="Europe/Brussels")
    LectureFactory(edition=source, date=dt.date(2023, 2, 10))
    homework = AssignmentFactory(edition=source, due_date=dt.date(2023, 3, 6))  # Mon, CET
    assert homework.due_at == dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)

    # Ten weeks later: the deadline lands on Monday 15 May 2023, in summer time (CEST).
    clone = edition_clone(source=source, new_slug="summer", start=dt.date(2023, 4, 21))

    moved = clone.assignments.get()
    assert moved.due_date == dt.date(2023, 5, 15)
    assert moved.due_date.weekday() == homework.due_date.weekday()
    assert moved.due_time == dt.time(23, 59)
    assert moved.due_at == dt.datetime(2023, 5, 15, 23, 59, tzinfo=BRUSSELS_SUMMER)
    assert moved.due_at == dt.datetime(2023, 5, 15, 21, 59, tzinfo=dt.UTC)


def test_clone_shifts_group_lock_and_opening_times_in_wall_clock_terms():
    source = EditionFactory(
        timezone="Europe/Brussels",
        groups_lock_at=dt.datetime(2023, 3, 3, 22, 59, tzinfo=dt.UTC),  # Fri 23:59 CET
    )
    LectureFactory(edition=source, date=dt.date(2023, 2, 10))
    AssignmentFactory(
        edition=source,
        due_date=dt.date(2023, 3, 6),
        opens_at=dt.datetime(2023, 2, 20, 8, 0, tzinfo=dt.UTC),  # 09:00 CET
    )

    clone = edition_clone(source=source, new_slug="later", start=dt.date(2023, 4, 21))

    assert clone.groups_lock_at == dt.datetime(2023, 5, 12, 23, 59, tzinfo=BRUSSELS_SUMMER)
    assert clone.assignments.get().opens_at == dt.datetime(2023, 5, 1, 9, 0, tzinfo=BRUSSELS_SUMMER)


def test_clone_is_a_draft_with_a_new_enrolment_code_term_and_academic_year(source):
    clone = edition_clone(
        source=source, new_slug="info8010-2027", start=dt.date(2027, 2, 12), term="Spring 2027"
    )

    assert clone.status == Edition.Status.DRAFT
    assert clone.enrolment_code != source.enrolment_code
    assert clone.term == "Spring 2027"
    assert clone.academic_year == "2026-2027"
    assert clone.intro == "Lectures for INFO8010 - Deep Learning, ULiège, Spring 2027."
    assert clone.when_text == "Spring 2027, Friday 8:30 AM"
    assert (clone.course_id, clone.timezone, clone.meeting_room, clone.meeting_time) == (
        source.course_id,
        source.timezone,
        source.meeting_room,
        source.meeting_time,
    )


def test_clone_copies_staff_but_not_students(source):
    clone = edition_clone(source=source, new_slug="info8010-2027", start=dt.date(2027, 2, 12))

    copied = list(clone.memberships.values_list("user_id", "role", "display_name"))
    staff = list(
        source.memberships.exclude(role=Membership.Role.STUDENT).values_list(
            "user_id", "role", "display_name"
        )
    )
    assert copied == staff
    assert len(copied) == 2
    assert not clone.memberships.filter(role=Membership.Role.STUDENT).exists()
    assert source.memberships.filter(role=Membership.Role.STUDENT).exists()


def test_clone_copies_the_page_lectures_events_and_assignments_with_their_links(source):
    clone = edition_clone(source=source, new_slug="info8010-2027", start=dt.date(2027, 2, 12))

    def page(edition):
        return (
            list(edition.infos.values_list("label", "value", "position")),
            list(edition.sections.values_list("kind", "heading", "body", "position")),
            list(edition.previous_editions.values_list("label", "url", "linked_edition")),
            [
                (x.kind, x.number, x.title, x.note, x.archived, x.position,
                 [(link.kind, link.label, link.url) for link in x.links.all()])
                for x in edition.lectures.order_by("position", "id")
            ],
            [
                (x.label, x.title, x.speaker, x.date is None,
                 [(link.kind, link.label, link.url) for link in x.links.all()])
                for x in edition.events.order_by("position", "id")
            ],
            [
                (x.kind, x.number, x.title, x.agenda_title, x.handout_url, x.hard_deadline,
                 x.due_time, [(p.authors, p.title, p.year, p.url) for p in x.papers.all()])
                for x in edition.assignments.order_by("number", "id")
            ],
        )  # fmt: skip

    assert page(clone) == page(source)
    assert clone.lectures.filter(archived=True, date=None).count() == 1
    assert clone.events.filter(date=None).count() == 1
    assert Paper.objects.filter(assignment__edition=clone).count() == 3


def test_cloned_assignments_are_open_again(source):
    if not hasattr(Assignment, "closed_at"):
        pytest.skip("assignments are not closed in this version")
    Assignment.objects.filter(edition=source).update(
        closed_at=dt.datetime(2023, 5, 20, tzinfo=dt.UTC)
    )

    clone = edition_clone(source=source, new_slug="info8010-2027", start=dt.date(2027, 2, 12))

    assert list(clone.assignments.values_list("closed_at", flat=True)) == [None, None, None]


def test_clone_leaves_the_source_untouched(source):
    before = list(source.lectures.values_list("pk", "date", "sequence"))

    edition_clone(source=source, new_slug="info8010-2027", start=dt.date(2027, 2, 12))

    assert list(source.lectures.values_list("pk", "date", "sequence")) == before
    source.refresh_from_db()
    assert source.status == Edition.Status.PUBLISHED


def test_clone_to_an_existing_slug_fails_and_writes_nothing(source):
    EditionFactory(slug="info8010-2027")
    before = _counts()

    with pytest.raises(ValidationError) as excinfo:
        edition_clone(source=source, new_slug="info8010-2027", start=dt.date(2027, 2, 12))

    assert "info8010-2027" in excinfo.value.message_dict["new_slug"][0]
    assert _counts() == before


def test_clone_with_an_invalid_slug_fails_and_writes_nothing(source):
    before = _counts()

    with pytest.raises(ValidationError):
        edition_clone(source=source, new_slug="not a slug!", start=dt.date(2027, 2, 12))

    assert _counts() == before


def test_clone_whose_deadline_lands_in_the_dst_gap_fails_and_writes_nothing():
    source = EditionFactory(timezone="Europe/Brussels")
    # 02:30 on Sunday 19 March 2023 exists; a week later (26 March) clocks jump 02:00 → 03:00.
    AssignmentFactory(edition=source, due_date=dt.date(2023, 3, 19), due_time=dt.time(2, 30))
    before = _counts()

    with pytest.raises(ValidationError, match="does not exist"):
        edition_clone(source=source, new_slug="gap", start=dt.date(2023, 3, 26))

    assert _counts() == before


def test_clone_of_an_edition_without_agenda_copies_it_unshifted():
    source = EditionFactory()
    MembershipFactory(edition=source, role=Membership.Role.INSTRUCTOR)

    clone = edition_clone(source=source, new_slug="empty", start=dt.date(2030, 1, 1))

    assert clone.memberships.count() == 1
    assert clone.groups_lock_at == source.groups_lock_at


# --- manage.py clone_edition ---------------------------------------------------------------


def test_command_clones_as_draft_and_reports(source):
    out = StringIO()

    call_command(
        "clone_edition", "info8010-2023", "info8010-2027", "--start", "2027-02-12",
        "--term", "Spring 2027", stdout=out,
    )  # fmt: skip

    clone = Edition.objects.get(slug="info8010-2027")
    assert clone.status == Edition.Status.DRAFT
    assert clone.term == "Spring 2027"
    assert "Created info8010-2027" in out.getvalue()
    assert clone.enrolment_code in out.getvalue()


def test_command_publish_flag_publishes_the_clone(source):
    call_command(
        "clone_edition", "info8010-2023", "info8010-2027", "--start", "2027-02-12", "--publish",
        stdout=StringIO(),
    )  # fmt: skip

    assert Edition.objects.get(slug="info8010-2027").status == Edition.Status.PUBLISHED


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info8010-2023", "info8010-2022", "--start", "2027-02-12"], "already exists"),
        (["nope", "info8010-2027", "--start", "2027-02-12"], "No edition with the slug 'nope'"),
        (["info8010-2023", "info8010-2027", "--start", "12/02/2027"], "not a date"),
    ],
)
def test_command_errors_are_clear_and_write_nothing(source, args, message):
    EditionFactory(slug="info8010-2022")
    before = _counts()

    with pytest.raises(CommandError, match=message):
        call_command("clone_edition", *args, "--publish", stdout=StringIO())

    assert _counts() == before
