"""One error format for all of /api/: RFC 9457 problem details with a stable code, for the
framework's refusals (401, 404, 405, 406, 415), unknown paths and a missing trailing slash;
every status an operation can answer is declared in the schema with that body."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.factories import AssignmentFactory, EditionFactory, make_student
from tests.openapi_contract import served_schema

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:lectern:problem:{code}"
    assert body["title"] and body["detail"]
    return body


def test_an_unknown_api_path_is_a_json_404(client):
    _problem(client.get("/api/v1/nothing-here/"), 404, "not_found")
    _problem(client.get("/api/nope"), 404, "not_found")


def test_an_unknown_page_outside_the_api_stays_an_html_page(client):
    response = client.get("/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_operation_does_not_have_is_a_405_problem(client):
    response = client.delete("/api/v1/editions/")

    _problem(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_an_unsatisfiable_accept_is_a_406_problem(client):
    _problem(client.get("/api/v1/editions/", HTTP_ACCEPT="application/xml"), 406, "not_acceptable")


def test_an_unsupported_body_is_a_415_problem(client):
    response = client.post("/api/v1/auth/token/", "<x/>", content_type="application/xml")

    _problem(response, 415, "unsupported_media_type")


def test_malformed_json_is_a_400_problem_with_errors(client):
    response = client.post("/api/v1/auth/token/", "{", content_type="application/json")

    body = _problem(response, 400, "parse_error")
    assert body["errors"] == {"non_field_errors": [body["detail"]]}


@pytest.mark.parametrize("debug", [False, True])
def test_a_hand_in_without_the_trailing_slash_is_redirected_keeping_the_method(debug):
    edition = EditionFactory()
    student = make_student(edition, "s@example.test")
    assignment = AssignmentFactory(edition=edition)
    api = APIClient()
    api.force_authenticate(student)

    with override_settings(DEBUG=debug):
        response = api.post(f"/api/v1/assignments/{assignment.pk}/submissions", {})

    # Not Django's APPEND_SLASH (a 301 that drops the body, a 500 with DEBUG): a 308.
    assert response.status_code == 308
    assert response["Location"] == f"/api/v1/assignments/{assignment.pk}/submissions/"


def test_a_get_without_the_trailing_slash_keeps_its_query():
    response = Client().get("/api/v1/editions?page=2")

    assert response.status_code == 308
    assert response["Location"] == "/api/v1/editions/?page=2"


def test_every_error_status_of_every_operation_is_declared_as_a_problem():
    paths = served_schema()["paths"]
    operations = [(p, m, op) for p, ops in paths.items() for m, op in ops.items()]

    assert len(operations) >= 16
    for path, method, op in operations:
        statuses = set(op["responses"])
        assert {"401", "406", "429"} <= statuses, (path, method)
        if "{" in path:
            assert "404" in statuses, (path, method)
        if method in ("post", "put", "patch"):
            assert {"400", "415"} <= statuses, (path, method)
        for status, response in op["responses"].items():
            if int(status) >= 400:
                [(media, body)] = response["content"].items()
                assert media == PROBLEM, (path, method, status)
                expected = "ValidationProblem" if status == "400" else "Problem"
                assert body["schema"]["$ref"].endswith(expected), (path, method, status)


def test_every_operation_has_a_summary_and_a_resource_tag():
    schema = served_schema()
    tags = {t["name"] for t in schema["tags"]}
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            assert op.get("summary"), (path, method)
            assert len(op["tags"]) == 1 and op["tags"][0] in tags, (path, method, op["tags"])


def test_schema_names_the_server_and_types_hand_ins_as_binary_uploads():
    schema = served_schema()
    assert schema["servers"][0]["url"].startswith("http")
    hand_in = schema["paths"]["/api/v1/assignments/{id}/submissions/"]["post"]
    [(media, body)] = hand_in["requestBody"]["content"].items()
    assert media == "multipart/form-data"
    component = schema["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert component["properties"]["file"]["format"] == "binary"
    assert component["required"] == ["file"]


def test_schema_declares_enums_date_times_and_exact_nullability():
    components = served_schema()["components"]["schemas"]
    receipt = components["CreatedReceipt"]["properties"]
    assert receipt["submitted_at_utc"]["format"] == "date-time"
    role = components["MeEnrolment"]["properties"]["role"]
    assert "$ref" in role and components["RoleEnum"]["enum"]
    assert "$ref" in components["SubmissionOutput"]["properties"]["content_kind"]
    final = components["MyEditionGrades"]["properties"]["final"]
    assert {"type": "null"} in final["oneOf"]
    # Output fields are always sent: every one is required.
    for name in ("AssignmentOutput", "EditionOutput", "SubmissionOutput", "LectureOutput"):
        component = components[name]
        assert set(component["required"]) == set(component["properties"]), name
