"""The OpenAPI schema is generated in the tests: a change to the API shows here."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/api/v1/editions/",
    "/api/v1/editions/{slug}/",
    "/api/v1/editions/{slug}/schedule/",
    "/api/v1/editions/{slug}/lectures/",
    "/api/v1/editions/{slug}/assignments/",
]


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        # Raises SchemaGenerationError on any warning or error, or an invalid OpenAPI 3 document.
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_schema_generates_without_warnings_and_lists_the_schedule_endpoints(schema):
    assert set(API_PATHS) <= set(schema["paths"])


def test_schedule_operation_documents_filters_conditional_get_and_errors(schema):
    operation = schema["paths"]["/api/v1/editions/{slug}/schedule/"]["get"]
    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}

    assert {("query", "from"), ("query", "to"), ("query", "kind")} <= set(parameters)
    assert parameters[("query", "from")]["schema"]["format"] == "date"
    assert parameters[("query", "kind")]["schema"]["type"] == "array"
    assert ("header", "If-None-Match") in parameters
    assert {"200", "304", "400", "404", "429"} <= set(operation["responses"])
    assert "ETag" in operation["responses"]["200"]["headers"]


def test_growing_lists_are_paginated_and_the_schedule_is_not(schema):
    def response_schema(path):
        ok = schema["paths"][path]["get"]["responses"]["200"]
        return ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert response_schema("/api/v1/editions/").startswith("Paginated")
    assert response_schema("/api/v1/editions/{slug}/lectures/").startswith("Paginated")
    assert response_schema("/api/v1/editions/{slug}/assignments/").startswith("Paginated")
    assert response_schema("/api/v1/editions/{slug}/schedule/") == "ScheduleOutput"


def test_schema_endpoint_serves_the_schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/editions/{slug}/schedule/" in response.json()["paths"]


def test_docs_page_loads_swagger_ui_from_local_static_files_not_a_cdn(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    # Its start-up script is a file of its own (no inline script: the CSP forbids them).
    assert '<script src="/api/docs/?script="></script>' in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
