"""Issue 10, case 8: junk in the path, the parameters, the headers or a JSON body is a clear
400, never a 500 — on SQLite and on PostgreSQL (which cannot hold NUL in a string)."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from grading.models import ExamMark, MarkChange

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _assert_invalid_characters(response):
    assert response.status_code == 400, response.content[:300]
    assert b"invalid_characters" in response.content


def test_a_nul_calendar_token_is_a_400(world):
    _assert_invalid_characters(_client().get("/calendar/%00.ics"))


def test_a_nul_edition_parameter_is_a_400_json(world):
    response = _client(world.users["member"]).get("/api/v1/me/grades/?edition=%00")

    _assert_invalid_characters(response)
    assert response.json()["code"] == "invalid_characters"


def test_a_parameter_that_is_not_utf8_is_a_400(world):
    _assert_invalid_characters(_client(world.users["member"]).get("/api/v1/me/grades/?edition=%FF"))


def test_a_nul_admin_autocomplete_term_is_a_400(world):
    response = _client(world.users["ta"]).get(
        "/admin/autocomplete/",
        {
            "app_label": "submissions",
            "model_name": "extension",
            "field_name": "group",
            "term": "\x00",
        },
    )

    _assert_invalid_characters(response)


def test_a_nul_admin_search_is_a_400(world):
    response = _client(world.users["ta"]).get(
        reverse("admin:submissions_studentgroup_changelist"), {"q": "a\x00b"}
    )

    _assert_invalid_characters(response)


def test_a_nul_in_a_token_header_is_a_400(world):
    response = _client().get("/api/v1/me/", HTTP_AUTHORIZATION="Token abc\x00def")

    _assert_invalid_characters(response)


def test_a_nul_in_a_form_field_is_a_400_and_joins_nothing(world):
    from submissions.models import GroupMembership

    before = GroupMembership.objects.count()
    response = _client(world.users["student_elsewhere"]).post(
        reverse("submissions:group", args=[world.elsewhere.slug]),
        urlencode({"action": "join", "join-code": "\x00" + world.group_a.join_code}),
        content_type="application/x-www-form-urlencoded",
    )

    _assert_invalid_characters(response)
    assert GroupMembership.objects.count() == before


def _exam_marks(world, body: bytes) -> tuple:
    before = (ExamMark.objects.count(), MarkChange.objects.count())
    response = _client(world.users["instructor"]).post(
        reverse("grading-api:exam-mark-set", args=[world.pub.slug]),
        body,
        content_type="application/json",
    )
    return response, before, (ExamMark.objects.count(), MarkChange.objects.count())


def test_deeply_nested_json_to_the_exam_marks_endpoint_is_a_400(world):
    response, before, after = _exam_marks(world, b"[" * 100_000 + b"]" * 100_000)

    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"
    assert after == before


def test_moderately_nested_json_is_refused_too(world):
    body = {"student": "member@sec.test", "component": "oral", "score": "12"}
    for _ in range(100):
        body = {"student": body, "component": "oral", "score": "12"}

    response, before, after = _exam_marks(world, json.dumps(body).encode())

    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"
    assert after == before


def test_a_huge_json_body_is_a_413(world):
    body = json.dumps({"student": "x" * (2 * 1024 * 1024), "component": "oral", "score": "1"})

    response, before, after = _exam_marks(world, body.encode())

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert after == before


def test_an_ordinary_exam_mark_still_goes_through(world):
    body = json.dumps({"student": "member@sec.test", "component": "oral", "score": "15"})

    response, before, after = _exam_marks(world, body.encode())

    assert response.status_code == 200, response.content
