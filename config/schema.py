"""The OpenAPI generator: drf-spectacular's, plus the error answers every API view can give.

drf-spectacular documents what a view declares. The framework itself also answers 401 to an
anonymous client of a view that needs a user (token authentication comes first, so 401 with
``WWW-Authenticate``, not 403), 404 when a path parameter names nothing or a page number is
out of range, 429 when a throttle trips, 400 when the request guard finds NUL or bytes that
are not UTF-8 (``config/request_guard.py``) and 413 for an oversized JSON body
(``config/parsers.py``). Those answers are added here, once, so that the
schema lists every status the API really returns (the fuzz tests hold it to that) without
repeating them on each view. A status a view declares itself wins.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

NOT_AUTHENTICATED = OpenApiResponse(ERROR, description="No or invalid credentials.")
NOT_FOUND = OpenApiResponse(ERROR, description="No such object for you, or no such page.")
THROTTLED = OpenApiResponse(ERROR, description="Too many requests.")
BAD_BYTES = OpenApiResponse(
    ERROR,
    description="NUL or bytes that are not UTF-8 in the address, the parameters or the headers "
    "(`invalid_characters`), or a JSON body nested too deeply (`too_deep`).",
)
TOO_LARGE = OpenApiResponse(ERROR, description="The JSON body is larger than 1 MiB (`too_large`).")


class LecternAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        extra = {"400": BAD_BYTES, "429": THROTTLED}
        if self.method in ("POST", "PUT", "PATCH"):
            extra["413"] = TOO_LARGE
        if self._needs_user():
            extra["401"] = NOT_AUTHENTICATED
        if "{" in self.path or self._is_paginated():
            extra["404"] = NOT_FOUND
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, None, direction)
            elif code == "400":
                # The view's own 400 (its validation errors) or the request guard's.
                for media in responses[code].get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = {"anyOf": [media["schema"], ERROR]}
        return responses

    def _needs_user(self) -> bool:
        return any(not isinstance(p, AllowAny) for p in self.view.get_permissions())

    def _is_paginated(self) -> bool:
        return self._is_list_view() and getattr(self.view, "pagination_class", None) is not None
