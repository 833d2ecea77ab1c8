"""The grades API: a student's released grades and breakdown; an edition's final grades for
its staff, paginated; the schema."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from courses.models import Membership
from grading import services
from tests.factories import MembershipFactory, UserFactory
from tests.grading.conftest import SYSTEM, Course2023, grade, hand_in, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def one_homework(course):
    group, (alice, bob) = course.group_of(
        "alice@x.test", "bob@x.test", name="Titans", student_ids=["s1", "s2"]
    )
    course.complete(group, homeworks=(1,), score=16)
    hand_in(course.hw2, group)  # a late extra: its grade stays a draft
    grade(course.hw2, group, "3.5", actor=course.ta)
    services.exam_mark_set(
        actor=course.instructor, component=course.exam, student=alice, score=D(12), via=SYSTEM
    )
    services.final_grades_recompute(edition=course.edition)
    return alice, bob


def _leaves(value) -> list:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def test_my_grades_lists_released_grades_and_the_breakdown(api, course, one_homework):
    alice, _ = one_homework
    api.force_authenticate(alice)
    body = api.get(reverse("grading-api:my-grades")).json()
    assert body["count"] == 1
    [edition] = body["results"]
    assert edition["edition"] == course.edition.slug
    assert sorted(g["assignment"] for g in edition["grades"]) == [
        "Homework 1",
        "Project",
        "Reading report",
    ]
    final = edition["final"]
    assert final["student"] == {"id": alice.pk, "email": "alice@x.test", "student_id": "s1"}
    lines = {c["key"]: c for c in final["components"]}
    assert lines["homework_2"]["handed_in"] is True and lines["homework_2"]["mark"] is None
    assert lines["project"]["weight_used"] == "30"  # homework 2 handed in: nothing moves
    assert lines["oral_exam"]["handed_in"] is None  # exam marks unreleased
    assert final["final"] is None and final["admitted"] is True
    # Homework 2's unreleased 3.5 is nowhere (a value, not a substring: timestamps hold digits).
    assert "3.5" not in _leaves(body)


def test_staff_list_the_editions_final_grades_with_contributions(api, course, one_homework):
    api.force_authenticate(course.ta)
    body = api.get(reverse("grading-api:edition-grades", args=[course.edition.slug])).json()
    assert body["count"] == 2
    alice = next(r for r in body["results"] if r["student"]["email"] == "alice@x.test")
    lines = {c["name"]: c for c in alice["components"]}
    assert set(lines["Project"]) >= {
        "name",
        "weight",
        "weight_used",
        "mark",
        "max",
        "handed_in",
        "contribution",
    }
    assert lines["Oral exam"]["contribution"] == "6"  # 12/20 × 50% × 20
    assert lines["Homework 1"]["contribution"] == "0.8"
    assert alice["final"] is None  # homework 2 is handed in, its grade not released
    assert alice["admitted"] is True


def test_the_staff_list_is_paginated_with_a_fixed_number_of_queries(
    api, course, one_homework, django_assert_max_num_queries
):
    for i in range(60):
        course.group_of(f"x{i}@x.test", name=f"X{i}")
    services.final_grades_recompute(edition=course.edition)
    api.force_authenticate(course.instructor)
    url = reverse("grading-api:edition-grades", args=[course.edition.slug])
    with django_assert_max_num_queries(6):
        body = api.get(url).json()
    assert body["count"] == 62 and len(body["results"]) == 50 and body["next"]


def test_students_and_other_staff_cannot_list_an_editions_grades(api, course, one_homework):
    from tests.grading.conftest import Course2023

    alice, _ = one_homework
    url = reverse("grading-api:edition-grades", args=[course.edition.slug])
    api.force_authenticate(alice)
    assert api.get(url).status_code == 404
    api.force_authenticate(Course2023("elsewhere").ta)
    assert api.get(url).status_code == 404
    api.force_authenticate(None)
    assert api.get(url).status_code in (401, 403)
    assert api.get(reverse("grading-api:my-grades")).status_code in (401, 403)


def _student_in_editions(count: int):
    """One student, in ``count`` editions, with released grades in each."""
    student = UserFactory(email="sam@x.test", student_id="s9")
    for number in range(count):
        course = Course2023(f"info8010-ed{number}")
        MembershipFactory(edition=course.edition, user=student, role=Membership.Role.STUDENT)
        group = make_group(course.edition, student, name="Solo")
        course.complete(group, homeworks=(1,), score=15)
    return student


def _queries_for(api, student, **params) -> tuple[int, dict]:
    api.force_authenticate(student)
    with CaptureQueriesContext(connection) as queries:
        body = api.get(reverse("grading-api:my-grades"), params).json()
    return len(queries), body


@pytest.mark.django_db
def test_my_grades_queries_are_bounded_by_a_page_of_editions(api):
    """Each edition's breakdown costs a fixed number of queries; a page holds five."""
    many = _student_in_editions(7)
    full_page, first = _queries_for(api, many)
    _, second = _queries_for(api, many, page=2)
    one_edition, _ = _queries_for(api, many, edition="info8010-ed0")

    assert first["count"] == 7 and len(first["results"]) == 5 and len(second["results"]) == 2
    seen = [e["edition"] for e in first["results"] + second["results"]]
    assert sorted(seen) == [f"info8010-ed{n}" for n in range(7)]
    assert all(e["grades"] and e["final"] for e in first["results"])
    # The count and the page of editions, then the same cost for each of the five shown.
    assert full_page == 2 + 5 * (one_edition - 2)


@pytest.mark.django_db
def test_my_grades_for_one_edition(api):
    student = _student_in_editions(2)
    queries, body = _queries_for(api, student, edition="info8010-ed1")
    assert [e["edition"] for e in body["results"]] == ["info8010-ed1"]
    assert queries <= 16
    _, none = _queries_for(api, student, edition="not-mine")
    assert none["count"] == 0


def test_the_schema_documents_the_grade_endpoints_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    assert "/api/v1/me/grades/" in schema
    assert "/api/v1/editions/{slug}/grades/" in schema
    assert "contribution" in schema


def test_staff_record_an_exam_mark_through_the_api_and_the_history_says_so(
    api, course, one_homework
):
    from grading.models import ExamMark, MarkChange

    alice, bob = one_homework
    url = reverse("grading-api:exam-mark-set", args=[course.edition.slug])
    api.force_authenticate(course.instructor)
    response = api.post(
        url, {"student": "s2", "component": course.exam.key, "score": "15.5"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "student": {"id": bob.pk, "email": "bob@x.test", "student_id": "s2"},
        "component": course.exam.key,
        "score": "15.50",
    }
    assert ExamMark.objects.get(student=bob).score == D("15.5")
    change = MarkChange.objects.filter(via="api").get()
    assert change.actor == course.instructor
    assert change.after == {"score": "15.5"}

    # Replacing it is recorded with the value before.
    api.post(
        url, {"student": "bob@x.test", "component": course.exam.key, "score": None}, format="json"
    )
    latest = MarkChange.objects.filter(via="api").latest("id")
    assert latest.before == {"score": "15.5"}


def test_exam_mark_api_refuses_bad_input_and_non_staff(api, course, one_homework):
    from grading.models import ExamMark

    alice, _ = one_homework
    url = reverse("grading-api:exam-mark-set", args=[course.edition.slug])
    api.force_authenticate(course.instructor)
    before = ExamMark.objects.count()
    for body, fragment in [
        ({"student": "nobody", "component": course.exam.key, "score": "10"}, "No student"),
        ({"student": "s1", "component": "project", "score": "10"}, "no exam component"),
        ({"student": "s1", "component": course.exam.key, "score": "25"}, "outside"),
        ({"student": "", "component": course.exam.key, "score": "10"}, ""),
    ]:
        response = api.post(url, body, format="json")
        assert response.status_code == 400, body
        assert fragment in str(response.json())
    assert ExamMark.objects.count() == before
    api.force_authenticate(alice)
    denied = api.post(
        url, {"student": "s1", "component": course.exam.key, "score": "20"}, format="json"
    )
    assert denied.status_code == 404
    assert ExamMark.objects.count() == before
