"""The OpenAPI generator: drf-spectacular's, made exact for generated clients.

- **Errors.** Every error answer is RFC 9457 problem details (``config/api_errors.py``),
  ``application/problem+json`` with the ``Problem`` schema (``ValidationProblem`` for 400,
  which adds ``errors`` per field). A status a view declares keeps its description; the
  body is always the problem. The framework itself also answers, whatever the view: 401 to
  bad credentials (any operation: a wrong token is refused even where none is needed), 404
  when a path parameter names nothing or a page is out of range, 406 to an ``Accept`` no
  renderer satisfies, 400 and 415 to an unreadable or unsupported body, and 429 when a
  throttle trips. Those are added here, once, so that the schema lists every status the API
  really returns (the fuzz tests hold it to that).
- **Required.** An output serializer always sends every field, so in responses every field
  is ``required`` (``null`` is declared with ``nullable``, never by leaving a field out).
- **Summaries.** An operation without its own summary takes the first line of its view's
  docstring.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from .api_errors import CONTENT_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details: every error of the API.",
    "properties": {
        "type": {
            "type": "string",
            "format": "uri",
            "description": "The code as a URI: urn:lectern:problem:<code>",
        },
        "title": {"type": "string", "description": "The HTTP status phrase"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person"},
        "code": {"type": "string", "description": "Stable machine-readable code"},
    },
    "required": ["type", "title", "status", "detail", "code"],
    # Some errors add members (a deadline refusal: deadline, official_time).
    "additionalProperties": True,
}
VALIDATION_PROBLEM_SCHEMA: dict[str, Any] = {
    **PROBLEM_SCHEMA,
    "description": "Problem details of a refused request (400): messages per field.",
    "properties": {
        **PROBLEM_SCHEMA["properties"],
        "errors": {
            "type": "object",
            "description": 'Messages per field; "non_field_errors" for the request as a whole',
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": [*PROBLEM_SCHEMA["required"], "errors"],
}

DESCRIPTIONS = {
    "400": "The request is invalid (see errors), or holds NUL or non-UTF-8 bytes "
    "(config/request_guard.py).",
    "401": "No, invalid or revoked credentials.",
    "403": "Not allowed.",
    "404": "No such object for you, or no such page.",
    "406": "No representation satisfies the Accept header.",
    "413": "The JSON body is too large (config/parsers.py).",
    "415": "The body's media type is not accepted.",
    "429": "Too many requests (see Retry-After).",
}
BODY_METHODS = ("POST", "PUT", "PATCH")


class LecternAutoSchema(AutoSchema):
    def get_summary(self):
        summary = super().get_summary()
        if summary:
            return summary
        doc = (self.view.__class__.__doc__ or "").strip()
        return doc.splitlines()[0].rstrip(".") if doc else None

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        # 400: the request guard refuses NUL / non-UTF-8 bytes in any request.
        codes = {"400", "401", "406", "429"}
        if "{" in self.path or self._is_paginated():
            codes.add("404")
        if self.method in BODY_METHODS:
            codes |= {"413", "415"}
        for code in codes:
            responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code.isdigit() and int(code) >= 400:
                responses[code] = self._problem(code, response.get("description") or "")
        return dict(sorted(responses.items()))

    def _problem(self, code: str, description: str) -> dict[str, Any]:
        name = "ValidationProblem" if code == "400" else "Problem"
        schema = VALIDATION_PROBLEM_SCHEMA if code == "400" else PROBLEM_SCHEMA
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        self.registry.register_on_missing(component)
        return {
            "description": description or DESCRIPTIONS.get(code, "Error."),
            "content": {CONTENT_TYPE: {"schema": component.ref}},
        }

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "response" and schema.get("properties"):
            schema["required"] = sorted(
                name for name, prop in schema["properties"].items() if not prop.get("writeOnly")
            )
        return schema

    def _has_query_parameters(self) -> bool:
        if self._is_paginated():
            return True
        return any(p.get("in") == "query" for p in self._get_parameters())

    def _is_paginated(self) -> bool:
        return self._is_list_view() and getattr(self.view, "pagination_class", None) is not None


def require_every_output_field(result, generator, request, public):
    """A page always has ``count``, ``next`` and ``previous`` (``null`` at the ends); DRF's
    page schema says ``nullable``, which OpenAPI 3.1 spells ``type: [..., "null"]``."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.startswith("Paginated") and "properties" in component:
            component["required"] = sorted(component["properties"])
    _nullable_as_31(result)
    _optional_security_as_public(result)
    return result


def _optional_security_as_public(result) -> None:
    """An operation anyone may call, where credentials only widen what is seen (drafts for
    their staff), is listed without ``security``: client generators read ``[{}, token]``
    as "a token is required" (openapi-python-client types it AuthenticatedClient only)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            security = operation.get("security")
            if isinstance(security, list) and {} in security:
                del operation["security"]
                operation["description"] = (
                    operation.get("description", "")
                    + "\n\nPublic: no credentials needed; with them, the staff of a draft "
                    "edition see it too."
                ).strip()


def _nullable_as_31(node: Any) -> None:
    if isinstance(node, dict):
        if node.pop("nullable", False) and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _nullable_as_31(value)
    elif isinstance(node, list):
        for value in node:
            _nullable_as_31(value)
