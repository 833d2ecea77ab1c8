"""The planner's cached answers (grading/planner_cache.py): a student polling the planner is
served from the shared cache, and every write that changes what they would see — a grade
saved or released, an individual mark, an extension, a lecture, joining a group, the clock
passing a deadline or midnight — is seen on the next request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from courses import services as course_services
from courses.models import Lecture
from grading import services
from submissions import services as submission_services
from tests.grading.conftest import SYSTEM, grade, hand_in

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/planner/"
# Reading report and project: Fri 19 May 2023 23:59 Brussels (CEST) = 21:59 UTC.
READING_DEADLINE = dt.datetime(2023, 5, 19, 21, 59, tzinfo=dt.UTC)
BEFORE = READING_DEADLINE - dt.timedelta(days=3)


@pytest.fixture
def titans(course):
    group, (alice, bob) = course.group_of("alice@x.test", "bob@x.test", name="Titans")
    hand_in(course.hw1, group, members=[alice, bob])
    hand_in(course.hw2, group, members=[alice])  # bob is not a member of this version
    return group, alice, bob


def _get(user, query=""):
    api = APIClient()
    api.force_authenticate(user)
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(URL + query)
    assert response.status_code == 200
    [edition] = response.json()["results"]
    return {a["title"]: a for a in edition["assignments"]}, len(ctx.captured_queries), edition


@time_machine.travel(BEFORE, tick=False)
def test_a_repeated_request_is_answered_from_the_cache_with_fewer_queries(course, titans):
    _, alice, _ = titans

    first, computed, _ = _get(alice)
    again, cached, _ = _get(alice)

    assert again == first
    assert cached < computed


@time_machine.travel(BEFORE, tick=False)
def test_a_grade_saved_then_released_shows_at_once(course, titans):
    group, alice, _ = titans
    assert _get(alice)[0]["Homework 1"]["status"] == "submitted"  # now cached

    grade(course.hw1, group, 15, actor=course.ta)
    graded = _get(alice)[0]["Homework 1"]
    services.grade_release(actor=course.ta, assignment=course.hw1, via=SYSTEM)
    released = _get(alice)[0]["Homework 1"]

    assert (graded["status"], graded["grade"]) == ("graded", None)
    assert released["status"] == "released"
    assert released["grade"]["score"] == "15"


@time_machine.travel(BEFORE, tick=False)
def test_an_individual_mark_shows_at_once_and_only_to_its_student(course, titans):
    group, alice, bob = titans
    saved = grade(course.hw1, group, 15, actor=course.ta, release=True)
    assert _get(alice)[0]["Homework 1"]["grade"]["score"] == "15"
    assert _get(bob)[0]["Homework 1"]["grade"]["score"] == "15"

    services.grade_override_set(
        actor=course.instructor, grade=saved, student=alice, score=D(9), reason="absent", via=SYSTEM
    )

    assert _get(alice)[0]["Homework 1"]["grade"]["score"] == "9"
    assert _get(bob)[0]["Homework 1"]["grade"]["score"] == "15"


@time_machine.travel(BEFORE, tick=False)
def test_members_of_one_group_never_share_a_copy(course, titans):
    group, alice, bob = titans
    grade(course.hw2, group, 12, actor=course.ta, release=True)

    mine = _get(alice)[0]["Homework 2"]
    theirs = _get(bob)[0]["Homework 2"]  # bob is not in the graded version

    assert mine["grade"]["score"] == "12"
    assert theirs["grade"] is None


def test_a_cached_open_assignment_becomes_missed_at_its_deadline(course, titans):
    _, alice, _ = titans
    with time_machine.travel(READING_DEADLINE - dt.timedelta(microseconds=1), tick=False):
        before = _get(alice)[0]["Reading report"]["status"]
    with time_machine.travel(READING_DEADLINE, tick=False):
        at = _get(alice)[0]["Reading report"]["status"]

    assert (before, at) == ("open", "missed")


def test_an_extension_reopens_a_cached_missed_assignment(course, titans):
    group, alice, _ = titans
    with time_machine.travel(READING_DEADLINE + dt.timedelta(hours=1), tick=False):
        before = _get(alice)[0]["Reading report"]["status"]
        submission_services.extension_grant(
            actor=course.instructor, assignment=course.reading, group=group, days=1
        )
        after = _get(alice)[0]["Reading report"]

    assert before == "missed"
    assert (after["status"], after["extended"]) == ("open", True)


def test_upcoming_lectures_move_on_at_local_midnight_and_on_agenda_changes(course, titans):
    _, alice, _ = titans
    lecture = Lecture(
        edition=course.edition, number=1, title="Transformers", date=dt.date(2023, 3, 10)
    )
    course_services.content_save(instance=lecture)
    # 23:59:59 Brussels (CET) on 10 March, then midnight.
    evening = dt.datetime(2023, 3, 10, 22, 59, 59, tzinfo=dt.UTC)
    with time_machine.travel(evening, tick=False):
        shown = [lec["title"] for lec in _get(alice)[2]["upcoming_lectures"]]
        lecture.title = "Attention"
        course_services.content_save(instance=lecture)
        renamed = [lec["title"] for lec in _get(alice)[2]["upcoming_lectures"]]
    with time_machine.travel(evening + dt.timedelta(seconds=1), tick=False):
        after_midnight = [lec["title"] for lec in _get(alice)[2]["upcoming_lectures"]]

    assert (shown, renamed, after_midnight) == (["Transformers"], ["Attention"], [])


@time_machine.travel(BEFORE, tick=False)
def test_joining_a_group_is_seen_at_once(course):
    student, (carol,) = course.group_of("carol@x.test", name="Carol")
    others, (dave,) = course.group_of("dave@x.test", name="Dave")
    hand_in(course.hw1, others, members=[dave])
    _, _, before = _get(carol)
    submission_services.group_leave(user=carol, edition=course.edition)

    submission_services.group_join(user=carol, code=others.join_code, edition=course.edition)
    items, _, after = _get(carol)

    assert (before["group"], after["group"]) == (student.pk, others.pk)
    assert items["Homework 1"]["status"] == "submitted"
