"""Issue 10, case 10: a file name longer than 255 characters is refused (``bad_name``), as
docs/file-checks.md says, on the page, the API and the admin — not cut to 255 and accepted."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from submissions.models import Submission
from tests.submissions import filegen
from tests.submissions.conftest import pdf_upload

pytestmark = pytest.mark.django_db

LONG = "a" * 300 + ".pdf"


def long_named_pdf():
    """The upload as a browser sends it (``SimpleUploadedFile`` would cut its own name)."""
    data = io.BytesIO(filegen.pdf(filegen.text_pages(1)))
    data.name = LONG
    return data


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_the_api_refuses_a_long_name_with_bad_name(world):
    before = Submission.objects.count()

    response = _client(world.users["member"]).post(
        reverse("submissions-api:submission-create", args=[world.homework.pk]),
        {"file": long_named_pdf()},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_name"
    assert "too long (304 characters; the limit is 255)" in response.json()["detail"]
    assert Submission.objects.count() == before


def test_the_page_refuses_a_long_name(world):
    before = Submission.objects.count()

    response = _client(world.users["member"]).post(
        reverse("submissions:assignment", args=[world.homework.pk]),
        {"file": long_named_pdf()},
    )

    assert response.status_code == 400
    assert "The file name is too long" in response.content.decode()
    assert Submission.objects.count() == before


def test_the_admin_refuses_a_long_name(world):
    before = Submission.objects.count()

    response = _client(world.users["instructor"]).post(
        reverse("admin:submissions_submission_add"),
        {
            "assignment": world.homework.pk,
            "student": world.users["member"].pk,
            "upload": long_named_pdf(),
        },
        follow=True,
    )

    assert "The file name is too long" in response.content.decode()
    assert Submission.objects.count() == before


def test_a_name_of_exactly_255_characters_is_accepted(world):
    response = _client(world.users["member"]).post(
        reverse("submissions-api:submission-create", args=[world.homework.pk]),
        {"file": pdf_upload(1, name="a" * 251 + ".pdf")},
    )

    assert response.status_code == 201, response.content
