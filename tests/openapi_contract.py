"""Every ``/api/v1/`` response a test receives is held to the served OpenAPI schema.

``validate_api_responses`` (an autouse fixture of the root conftest) wraps Django's test
client: after each request to ``/api/v1/``, openapi-core checks that the operation declares
the status, the content type and that the body matches its schema (required fields present,
nullable only where declared, enums, formats). A response the schema does not describe fails
the test that received it, with the reason. Redirects and file downloads (streams) are not
bodies of the API and are skipped.
"""

from __future__ import annotations

import json
from functools import cache

from django.test.client import Client
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound


class SchemaViolation(AssertionError):
    pass


@cache
def served_schema() -> dict:
    """The schema as ``/api/schema/`` serves it (JSON types only)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


@cache
def _openapi() -> OpenAPI:
    spec = dict(served_schema())
    # The test client's hosts.
    spec["servers"] = [{"url": "http://testserver"}, {"url": "http://localhost"}]
    config = Config(extra_media_type_deserializers={"application/problem+json": json_loads})
    return OpenAPI.from_dict(spec, config=config)


class _Request(DjangoOpenAPIRequest):
    @property
    def body(self) -> bytes:
        return b""  # a response check reads none; a parsed multipart body cannot be read again


def _host_allowed(request) -> bool:
    from django.core.exceptions import DisallowedHost

    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


def check_response(response) -> None:
    request = getattr(response, "wsgi_request", None)
    if request is None or not request.path.startswith("/api/v1/"):
        return
    if 300 <= response.status_code < 400 and response.status_code != 304:
        return
    if getattr(response, "streaming", False):
        return
    if response.get("Content-Type", "").startswith("text/html"):
        return  # the browsable API's page for a browser, not the API's JSON
    if not _host_allowed(request):
        return  # Django refused the Host header before any view (400 from the framework)
    try:
        _openapi().validate_response(_Request(request), DjangoOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound):
        # A method or path the API does not have: the answer (405, problem-details 404) is
        # checked by the error-format tests.
        return
    except Exception as exc:
        cause = getattr(exc, "__cause__", None)
        errors = getattr(cause, "schema_errors", None) or [cause or exc]
        reasons = "; ".join(str(getattr(e, "message", e))[:300] for e in errors)
        raise SchemaViolation(
            f"{request.method} {request.get_full_path()} → {response.status_code}: "
            f"the response does not match the schema: {type(exc).__name__}: {reasons}"
        ) from exc


def install(monkeypatch) -> None:
    original = Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        check_response(response)
        return response

    monkeypatch.setattr(Client, "request", request)
