"""Regrade requests: a member asks within the window after release (API and grades page),
refusals (window closed at the boundary, another group's grade, empty message, one open
request per grade), the TA's answer in the workspace with a new score (history, e-mail,
final grade), and what the student then sees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from grading.models import FinalGrade, Grade, MarkChange, RegradeRequest
from tests.grading.conftest import grade, hand_in

pytestmark = pytest.mark.django_db

RELEASE = dt.datetime(2023, 6, 1, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def released(course):
    """Homework 1: one group's grade (12) released on 2023-06-01 10:00 UTC, the other's a
    draft."""
    mine, (alice, bob) = course.group_of("alice@x.test", "bob@x.test", name="Mine")
    theirs, (carol,) = course.group_of("carol@x.test", name="Theirs")
    for group in (mine, theirs):
        hand_in(course.hw1, group)
    with time_machine.travel(RELEASE, tick=False):
        g = grade(course.hw1, mine, 12, actor=course.ta, release=True)
    other = grade(course.hw1, theirs, 9, actor=course.ta)  # a draft
    g.refresh_from_db()
    other.refresh_from_db()
    return {"grade": g, "other": other, "alice": alice, "bob": bob, "carol": carol}


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(grade):
    return f"/api/v1/grades/{grade.pk}/regrade-requests/"


def test_a_member_asks_within_the_window_and_a_second_open_request_is_refused(released):
    client = api_as(released["alice"])
    with time_machine.travel(RELEASE + dt.timedelta(days=7, microseconds=-1), tick=False):
        response = client.post(url(released["grade"]), {"message": "Q3 was right."}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "open"
        again = api_as(released["bob"]).post(
            url(released["grade"]), {"message": "Me too."}, format="json"
        )
    assert again.status_code == 409
    assert again.json()["code"] == "regrade_request_open"
    assert RegradeRequest.objects.count() == 1


def test_after_the_window_the_request_is_refused_with_its_code(released):
    with time_machine.travel(RELEASE + dt.timedelta(days=7), tick=False):
        response = api_as(released["alice"]).post(
            url(released["grade"]), {"message": "Late."}, format="json"
        )
    assert response.status_code == 403
    assert response.json()["code"] == "regrade_window_closed"
    assert not RegradeRequest.objects.exists()


def test_the_window_is_set_per_assignment(course, released):
    course.hw1.regrade_window_days = 14
    course.hw1.save()
    with time_machine.travel(RELEASE + dt.timedelta(days=10), tick=False):
        response = api_as(released["alice"]).post(
            url(released["grade"]), {"message": "Still time."}, format="json"
        )
    assert response.status_code == 201


def test_another_groups_grade_is_the_same_404_as_a_missing_one(released):
    client = api_as(released["carol"])
    theirs = client.post(url(released["grade"]), {"message": "x"}, format="json")
    missing = client.post(
        "/api/v1/grades/999999/regrade-requests/", {"message": "x"}, format="json"
    )
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    # A draft (never released) grade of their own is not open to requests either.
    draft = client.post(url(released["other"]), {"message": "x"}, format="json")
    assert draft.status_code == 404


def test_an_empty_message_is_refused(released):
    with time_machine.travel(RELEASE + dt.timedelta(days=1), tick=False):
        response = api_as(released["alice"]).post(
            url(released["grade"]), {"message": "   "}, format="json"
        )
    assert response.status_code == 400
    assert not RegradeRequest.objects.exists()


def test_the_regrade_flow_end_to_end(
    client, course, released, mailoutbox, django_capture_on_commit_callbacks
):
    g, alice = released["grade"], released["alice"]
    course.complete  # noqa: B018 — the scheme is the 2023 one; homework 1 is optional
    with time_machine.travel(RELEASE + dt.timedelta(days=2), tick=False):
        # The student asks from the grades page.
        client.force_login(alice)
        page = client.get(reverse("grading:mine", args=[course.edition.slug])).content.decode()
        assert "Ask for a regrade" in page
        response = client.post(
            reverse("grading:regrade-request", args=[course.edition.slug, g.pk]),
            {"message": "Exercise 2 follows the lecture's method."},
            follow=True,
        )
        assert "Your regrade request is sent" in response.content.decode()
    before_final = FinalGrade.objects.filter(student=alice).values_list("provisional", flat=True)
    before_final = list(before_final)

    # The TA sees it in the queue and answers in the workspace with a new score.
    client.force_login(course.ta)
    queue = client.get(reverse("grading-admin:queue", args=[course.hw1.pk])).content.decode()
    assert "regrade requested" in queue
    workspace_url = reverse("grading-admin:workspace", args=[g.submission_id])
    html = client.get(workspace_url).content.decode()
    assert "Exercise 2 follows the lecture" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            workspace_url,
            {
                "revision": str(Grade.objects.get(pk=g.pk).revision),
                "score": "15",
                "feedback": "",
                "regrade_answer": "Right: two points back.",
                "action": "save",
            },
        )
    assert response.status_code == 302
    g.refresh_from_db()
    assert g.score == D(15) and g.is_released
    request = RegradeRequest.objects.get()
    assert (request.status, request.score_before, request.score_after) == ("answered", 12, 15)
    assert request.answered_by == course.ta

    # The history keeps both scores and who changed them; the students are e-mailed.
    change = MarkChange.objects.filter(kind="grade", object_id=g.pk).first()
    assert (change.before["score"], change.after["score"], change.actor) == ("12", "15", course.ta)
    answered = [m for m in mailoutbox if "regrade request is answered" in m.subject]
    assert len(answered) == 1 and set(answered[0].to) == {alice.email, released["bob"].email}
    # The stored final grades were recomputed with the new score.
    after_final = list(
        FinalGrade.objects.filter(student=alice).values_list("provisional", flat=True)
    )
    assert after_final != before_final

    # The student sees the answer, on the page and in the API.
    client.force_login(alice)
    page = client.get(reverse("grading:mine", args=[course.edition.slug])).content.decode()
    assert "Right: two points back." in page and "Score changed from 12 to 15" in page
    body = api_as(alice).get("/api/v1/me/grades/").json()
    line = next(x for x in body["results"][0]["grades"] if x["id"] == g.pk)
    assert line["score"] == "15"
    assert line["regrade_request"]["answer"] == "Right: two points back."
    assert (line["regrade_request"]["score_before"], line["regrade_request"]["score_after"]) == (
        "12",
        "15",
    )
