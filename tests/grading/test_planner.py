"""The planner (GET /api/v1/me/planner/): each assignment's deadline for the viewer's group,
its status, the latest version with its receipt id, the released grade, the upload limits and
links; upcoming lectures; a constant number of queries; never someone else's grade."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from courses.models import Membership
from grading import services
from submissions import services as submission_services
from tests.factories import (
    AssignmentFactory,
    EditionFactory,
    LectureFactory,
    MembershipFactory,
    make_group,
)
from tests.grading.conftest import SYSTEM, Course2023, grade, hand_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/planner/"
# The reading report and the project: Fri 19 May 2023 23:59 Brussels (CEST) = 21:59 UTC.
READING_DEADLINE = dt.datetime(2023, 5, 19, 21, 59, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)


@pytest.fixture
def planned(course: Course2023):
    """Titans: Homework 1 graded and released (16), Homework 2 graded but not released,
    the project handed in (not graded), nothing for the reading report."""
    group, (alice, bob) = course.group_of("alice@x.test", "bob@x.test", name="Titans")
    hand_in(course.hw1, group, members=[alice, bob])
    grade(course.hw1, group, 16, actor=course.ta, release=True)
    hand_in(course.hw2, group, members=[alice, bob])
    grade(course.hw2, group, "3.5", actor=course.ta)
    hand_in(course.project, group, members=[alice, bob])
    latest = hand_in(course.project, group, version=2, members=[alice, bob])
    return alice, group, latest


def _get(user, query=""):
    api = APIClient()
    api.force_authenticate(user)
    return api.get(URL + query)


def _items(response) -> dict[str, dict]:
    [edition] = response.json()["results"]
    return {a["title"]: a for a in edition["assignments"]}


def test_planner_gives_each_assignment_its_status_grade_and_latest_receipt(course, planned):
    alice, _, latest = planned

    with time_machine.travel(READING_DEADLINE - TICK, tick=False):
        response = _get(alice)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    items = _items(response)
    assert {title: a["status"] for title, a in items.items()} == {
        "Homework 1": "released",
        "Homework 2": "graded",
        "Reading report": "open",
        "Project": "submitted",
    }
    assert items["Homework 1"]["grade"]["score"] == "16"
    assert items["Homework 1"]["grade"]["max"] == "20"
    assert items["Homework 2"]["grade"] is None  # graded, but not released: no mark
    project = items["Project"]
    assert project["latest"]["version"] == 2
    assert project["latest"]["submission_id"] == latest.pk
    assert project["latest"]["receipt_url"].endswith(f"/submissions/{latest.pk}/receipt/")
    assert project["deadline"] == "2023-05-19T21:59:00Z"
    assert project["accepted_kinds"] == ["pdf"]
    assert project["max_file_mb"] == 20
    assert project["html_url"] == f"http://testserver/assignments/{course.project.pk}/"


def test_an_assignment_not_handed_in_is_missed_from_its_deadline_on(course, planned):
    alice, _, _ = planned

    with time_machine.travel(READING_DEADLINE - TICK, tick=False):
        before = _items(_get(alice))["Reading report"]["status"]
    with time_machine.travel(READING_DEADLINE, tick=False):
        at = _items(_get(alice))["Reading report"]["status"]

    assert (before, at) == ("open", "missed")


def test_an_extension_moves_the_groups_deadline_and_keeps_it_open(course, planned):
    alice, group, _ = planned
    submission_services.extension_grant(
        actor=course.instructor, assignment=course.reading, group=group, days=1
    )

    with time_machine.travel(READING_DEADLINE + dt.timedelta(hours=1), tick=False):
        reading = _items(_get(alice))["Reading report"]

    assert reading["status"] == "open"
    assert reading["extended"] is True
    assert reading["deadline"] == "2023-05-20T21:59:00Z"


def test_an_individual_mark_replaces_the_groups_in_the_planner(course, planned):
    alice, group, _ = planned
    hw1_grade = course.hw1.grades.get(group=group)
    services.grade_override_set(
        actor=course.instructor,
        grade=hw1_grade,
        student=alice,
        score=D(12),
        reason="absent",
        via=SYSTEM,
    )

    grade_line = _items(_get(alice))["Homework 1"]["grade"]

    assert grade_line["score"] == "12"


def test_planner_never_shows_another_groups_work_or_grade(course, planned):
    other, (carol,) = course.group_of("carol@x.test", name="Others")

    items = _items(_get(carol))

    assert {a["status"] for a in items.values()} <= {"open", "missed"}
    assert all(a["latest"] is None and a["grade"] is None for a in items.values())


def test_planner_lists_the_next_lectures_of_the_edition(course, planned):
    alice, _, _ = planned
    LectureFactory(edition=course.edition, number=1, title="Past", date=dt.date(2023, 3, 1))
    LectureFactory(edition=course.edition, number=2, title="Next", date=dt.date(2023, 3, 10))

    with time_machine.travel(dt.datetime(2023, 3, 5, 12, tzinfo=dt.UTC), tick=False):
        [edition] = _get(alice).json()["results"]

    assert [lec["title"] for lec in edition["upcoming_lectures"]] == ["Next"]


def test_planner_filters_by_edition_and_refuses_a_malformed_slug(course, planned):
    alice, _, _ = planned

    assert _get(alice, "?edition=nope").json()["count"] == 0
    assert _get(alice, f"?edition={course.edition.slug}").json()["count"] == 1
    refused = _get(alice, "?edition=%00")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    # The request guard (config/request_guard.py) refuses a NUL before any view runs.
    assert refused.json()["code"] == "invalid_characters"


def test_planner_needs_a_user(client):
    response = client.get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def _second_edition(student, slug):
    edition = EditionFactory(slug=slug, timezone="Europe/Brussels")
    MembershipFactory(edition=edition, user=student, role=Membership.Role.STUDENT)
    group = make_group(edition, student, name=f"Solo {slug}")
    for day in (6, 13, 20):
        assignment = AssignmentFactory(edition=edition, due_date=dt.date(2023, 3, day))
        hand_in(assignment, group, members=[student])
        grade(assignment, group, 10, actor=student, release=False)
        LectureFactory(edition=edition, date=dt.date(2023, 3, day))
    return edition


def _queries(user) -> int:
    api = APIClient()
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_planner_queries_do_not_grow_with_editions_assignments_or_versions(course, planned):
    alice, _, _ = planned
    few = _queries(alice)

    _second_edition(alice, "info8010-other")
    _second_edition(alice, "info8010-third")
    hand_in(course.reading, planned[1], members=[alice])

    assert _queries(alice) == few


def test_my_grades_refuse_a_malformed_edition_with_a_400(course, planned):
    alice, _, _ = planned
    api = APIClient()
    api.force_authenticate(alice)

    response = api.get("/api/v1/me/grades/?edition=%00")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"
