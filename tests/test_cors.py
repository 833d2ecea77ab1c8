"""CORS: the public read endpoints from any origin without credentials; the rest of the API
only from CORS_ALLOWED_ORIGINS, with credentials."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import EditionFactory, UserFactory

pytestmark = pytest.mark.django_db

ELSEWHERE = "https://course-widget.example.org"
ALLOWED = "https://app.example.org"


@pytest.fixture(autouse=True)
def _allowed_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED]


@pytest.fixture
def edition():
    return EditionFactory(slug="info8010-2023")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/editions/",
        "/api/v1/editions/info8010-2023/",
        "/api/v1/editions/info8010-2023/schedule/",
        "/api/v1/editions/info8010-2023/lectures/",
        "/api/v1/editions/info8010-2023/assignments/",
        "/api/schema/",
        "/editions/info8010-2023/calendar.ics",
    ],
)
def test_public_reads_are_open_to_any_origin_without_credentials(client, edition, path):
    response = client.get(path, HTTP_ORIGIN=ELSEWHERE)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response.get("Access-Control-Expose-Headers", "") or path == "/api/schema/"


def test_a_preflight_for_a_public_read_is_answered(client, edition):
    response = client.options(
        "/api/v1/editions/info8010-2023/schedule/",
        HTTP_ORIGIN=ELSEWHERE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "if-none-match" in response["Access-Control-Allow-Headers"]
    assert "POST" not in response["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/me/planner/", "/api/v1/me/grades/"])
def test_personal_endpoints_are_closed_to_other_origins(edition, path):
    client = Client()
    client.force_login(UserFactory())

    response = client.get(path, HTTP_ORIGIN=ELSEWHERE)

    assert "Access-Control-Allow-Origin" not in response


def test_writes_are_closed_to_other_origins_even_on_public_paths(client, edition):
    response = client.options(
        "/api/v1/auth/token/",
        HTTP_ORIGIN=ELSEWHERE,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert "Access-Control-Allow-Origin" not in response


def test_a_listed_origin_may_call_personal_endpoints_with_credentials(edition):
    client = Client()
    client.force_login(UserFactory())

    response = client.get("/api/v1/me/", HTTP_ORIGIN=ALLOWED)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response["Vary"] or "origin" in response["Vary"]
