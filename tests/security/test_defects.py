"""Regression tests for the defects the authorization matrix and the API fuzzer found."""

import pytest
from django.test import Client
from django.urls import reverse

from submissions.models import Submission
from tests.submissions.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_verify_only_the_receipts_of_editions_they_teach(world):
    url = reverse("submissions:verify-receipt")
    data = {"text": world.receipt_a}

    theirs = _client(world.users["ta"]).post(url, data).content.decode()
    elsewhere = _client(world.users["ta_elsewhere"]).post(url, data).content.decode()

    assert "Valid receipt" in theirs
    # Another edition's hand-in is not confirmed: it does not exist for this TA.
    assert "no such submission is stored" in elsewhere
    assert "Valid receipt" not in elsewhere


def test_admin_forms_offer_only_the_editions_a_user_teaches(world):
    html = _client(world.users["ta"]).get(reverse("admin:submissions_studentgroup_add"))
    html = html.content.decode()

    assert world.pub.term in html or world.pub.slug in html
    assert world.draft.term not in html  # pub's TA does not teach the draft
    assert world.elsewhere.course.code not in html


def test_admin_relation_filters_list_only_the_users_editions(world):
    html = _client(world.users["ta_elsewhere"]).get(
        reverse("admin:submissions_submission_changelist")
    )
    html = html.content.decode()

    assert world.homework.title not in html
    assert world.draft.term not in html


def test_staff_cannot_hand_in_through_the_admin_for_another_editions_student(world):
    response = _client(world.users["ta_elsewhere"]).post(
        reverse("admin:submissions_submission_add"),
        {
            "assignment": world.homework.pk,
            "student": world.users["member"].pk,
            "upload": pdf_upload(3, name="forged.pdf"),
        },
    )

    assert response.status_code == 200  # the form again, with errors
    assert not Submission.objects.filter(original_name="forged.pdf").exists()
    form = response.context["adminform"].form
    assert {"assignment", "student"} <= set(form.errors)


def test_api_refuses_a_hand_in_without_a_file_in_the_documented_error_shape(world):
    client = Client(headers={"Authorization": f"Token {world.users['member'].api_key}"})

    response = client.post(
        reverse("submissions-api:submission-create", args=[world.homework.pk]), {"file": "x"}
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid"
    assert body["status"] == 400
    assert body["detail"].startswith("file: ")
    assert set(body["errors"]) == {"file"}


def test_assignment_due_time_is_documented_as_a_local_time_without_offset(client):
    schema = client.get("/api/schema/?format=json").json()
    due_time = schema["components"]["schemas"]["AssignmentOutput"]["properties"]["due_time"]

    assert "format" not in due_time
    assert due_time["pattern"].startswith("^")


def test_schema_documents_401_for_authenticated_operations_and_404_for_paths(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]

    me = paths["/api/v1/me/"]["get"]["responses"]
    detail = paths["/api/v1/submissions/{id}/"]["get"]["responses"]
    editions = paths["/api/v1/editions/"]["get"]["responses"]
    assert "401" in me and "429" in me
    assert {"401", "404"} <= set(detail)
    assert "404" in editions  # an out-of-range page
    assert "401" in editions  # public, but a wrong token is refused there too
