"""Answers about one person (``/api/v1/me/…``, hand-ins, grades, tokens) are never stored by
a shared or a browser cache: ``Cache-Control: private, no-store``, errors included."""

from __future__ import annotations

from typing import TYPE_CHECKING

# The mixin below extends an API view; to mypy it is one.
if TYPE_CHECKING:
    from rest_framework.views import APIView as _Base
else:
    _Base = object

PERSONAL_CACHE_CONTROL = "private, no-store"


class PersonalApiMixin(_Base):
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
        return response
