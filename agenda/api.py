"""Read-only REST API of the published schedule, mounted at ``/api/v1/``.

Visibility is the web page's: published and archived editions for everyone, drafts for their
staff only (``courses.permissions.edition_get_visible``, 404 otherwise). Every endpoint answers
conditional GETs from a fingerprint of the data (a few aggregate queries) before serializing
anything, and is throttled by the global ``DEFAULT_THROTTLE_CLASSES``.

The schedule is not paginated: it is bounded by the term (a few dozen items), calendar-like
clients want it whole, and ``from`` / ``to`` / ``kind`` narrow it. Lists that grow with the
years (editions, lectures, assignments) are paginated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from assignments.models import Assignment
from courses import permissions
from courses.models import Lecture

from . import cache as agenda_cache
from . import conditional, selectors
from .selectors import SCHEDULE_KINDS
from .serializers import (
    AssignmentOutputSerializer,
    EditionOutputSerializer,
    ErrorOutputSerializer,
    LectureOutputSerializer,
    ScheduleFilterInputSerializer,
    ScheduleOutputSerializer,
)

# The mixin below reads the API view's request; to mypy it is one.
if TYPE_CHECKING:
    APIViewBase = APIView
else:
    APIViewBase = object

TAG = "editions"

SLUG_PARAMETER = OpenApiParameter(
    "slug", str, OpenApiParameter.PATH, description='The edition, e.g. "info8010-2023".'
)
CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description="An ETag from an earlier response: 304 if nothing changed since.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        OpenApiParameter.HEADER,
        description="An HTTP date; used only without If-None-Match.",
    ),
    OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="Changes whenever an item is added, changed or deleted.",
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        OpenApiParameter.HEADER,
        response=[200, 304],
        description="HTTP date of the latest change this server has seen.",
    ),
]
SCHEDULE_PARAMETERS = [
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="Only items on or after this date (YYYY-MM-DD)."
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description="Only items on or before this date (YYYY-MM-DD)."
    ),
    OpenApiParameter(
        "kind",
        str,
        enum=SCHEDULE_KINDS,
        many=True,
        explode=True,
        description="Only these kinds. Repeat the parameter (kind=lecture&kind=deadline) "
        "or separate with commas (kind=lecture,deadline).",
    ),
]
NOT_MODIFIED = OpenApiResponse(description="Not modified: the client's copy is current.")
NOT_FOUND = OpenApiResponse(
    ErrorOutputSerializer, description="No such edition, or a draft the user does not staff."
)
THROTTLED = OpenApiResponse(ErrorOutputSerializer, description="Too many requests.")
BAD_FILTER = OpenApiResponse(
    {
        "type": "object",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "example": {"kind": ['Unknown kind "exam"; expected one or more of: syllabus, …']},
    },
    description="A filter is invalid: one list of messages per parameter.",
)


class ConditionalGetMixin(APIViewBase):
    """ETag / Last-Modified from a fingerprint; a 304 is answered before any serialization."""

    representation: str
    # The query parameters that change the representation; others are ignored, so that
    # they neither split ETags nor fill the cache with one entry per junk parameter.
    variant_params: tuple[str, ...] = ("page",)

    def _variant(self, query=None, fmt: str | None = None) -> str:
        request = self.request
        return representation_variant(
            self.representation,
            fmt or request.accepted_renderer.format,
            query if query is not None else request.GET,
            self.variant_params,
        )

    def _validators(self, *, scope: str, fingerprint: selectors.Fingerprint):
        return conditional.validators_for(
            scope=scope, fingerprint=fingerprint, variant=self._variant()
        )

    def _private(self) -> bool:
        return self.request.user.is_authenticated

    def not_modified(self, validators):
        return conditional.not_modified_response(self.request, validators, private=self._private())

    def stamped(self, response, validators):
        return conditional.stamp(response, validators, private=self._private())


class EditionScopedListAPI(ConditionalGetMixin, ListAPIView):
    """A paginated list of one edition's objects, validated by the edition's fingerprint."""

    def get(self, request, slug: str):
        self.edition = permissions.edition_get_visible(slug=slug, user=request.user)
        validators = self._validators(
            scope=f"edition-{self.edition.pk}",
            fingerprint=selectors.edition_agenda_fingerprint(edition=self.edition),
        )
        if (response := self.not_modified(validators)) is not None:
            return response
        return self.stamped(self.list(request), validators)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "edition"):
            context.update(edition=self.edition, tz=ZoneInfo(self.edition.timezone))
        return context


class EditionListAPI(ConditionalGetMixin, ListAPIView):
    serializer_class = EditionOutputSerializer
    representation = "editions"

    def get_queryset(self):
        return selectors.edition_list_visible(user=self.request.user)

    @extend_schema(
        tags=[TAG],
        summary="Editions",
        description="Published and archived editions; drafts too for their staff.",
        parameters=CONDITIONAL_PARAMETERS,
        responses={200: EditionOutputSerializer(many=True), 304: NOT_MODIFIED, 429: THROTTLED},
    )
    def get(self, request):
        user = request.user
        validators = self._validators(
            scope=f"editions-{user.pk}" if user.is_authenticated else "editions-anonymous",
            fingerprint=selectors.edition_list_fingerprint(user=user),
        )
        if (response := self.not_modified(validators)) is not None:
            return response
        return self.stamped(self.list(request), validators)


class EditionDetailAPI(ConditionalGetMixin, APIView):
    representation = "edition"

    @extend_schema(
        tags=[TAG],
        summary="One edition",
        parameters=[SLUG_PARAMETER, *CONDITIONAL_PARAMETERS],
        responses={
            200: EditionOutputSerializer,
            304: NOT_MODIFIED,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, slug: str):
        edition = permissions.edition_get_visible(slug=slug, user=request.user)
        validators = self._validators(
            scope=f"edition-detail-{edition.pk}",
            fingerprint=selectors.edition_fingerprint(edition=edition),
        )
        if (response := self.not_modified(validators)) is not None:
            return response
        data = EditionOutputSerializer(edition, context={"request": request}).data
        return self.stamped(Response(data), validators)


def representation_variant(representation: str, fmt: str, query, params) -> str:
    """``schedule.json?from=…&kind=…``: the known parameters only, in a fixed order."""
    pairs = sorted((name, value) for name in params for value in query.getlist(name))
    return f"{representation}.{fmt}?{urlencode(pairs)}"


def _plain_anonymous_json_get(request) -> bool:
    """A GET with no credentials that any JSON rendering satisfies (what pollers send)."""
    accept = request.META.get("HTTP_ACCEPT", "*/*")
    return (
        request.method == "GET"
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "format" not in request.GET
        and accept in ("*/*", "application/json", "application/json, */*")
    )


class ScheduleAPI(ConditionalGetMixin, APIView):
    representation = "schedule"
    variant_params = ("from", "to", "kind")

    def dispatch(self, request, *args, **kwargs):
        """Anonymous pollers of a published schedule are answered from the cache before DRF
        wraps the request: the same throttle, cached body and validators, a quarter of the
        work. Anything else (a miss, credentials, content negotiation) takes DRF's path."""
        if _plain_anonymous_json_get(request):
            response = self._from_cache(request, kwargs["slug"])
            if response is not None:
                return response
        return super().dispatch(request, *args, **kwargs)

    def _from_cache(self, request, slug: str):
        variant = representation_variant(
            self.representation, "json", request.GET, self.variant_params
        )
        cached = agenda_cache.cached_response(slug=slug, variant=variant)
        if cached is None:
            return None  # a miss: DRF's path renders it
        # No session cookie and no Authorization header: nobody is signed in. Saying so
        # spares the throttle a lazy session lookup.
        request.user = AnonymousUser()
        for throttle in self.get_throttles():
            if not throttle.allow_request(request, self):
                return None  # DRF's path answers the 429 with its usual body and headers
        validators = conditional.validators_known(
            digest=cached.digest, last_modified=cached.last_modified, variant=variant
        )
        response = conditional.not_modified_response(request, validators, private=False)
        if response is None:
            response = conditional.stamp(
                HttpResponse(cached.body, content_type="application/json"),
                validators,
                private=False,
            )
        response.headers["Allow"] = "GET, HEAD, OPTIONS"
        patch_vary_headers(response, ("Accept",))
        return response

    @extend_schema(
        tags=[TAG],
        summary="Schedule of an edition",
        description="Dated agenda items (syllabus, lectures, deadlines, events) sorted by date, "
        "then order of appearance. Times carry the edition's UTC offset. Not paginated: the "
        "schedule is bounded by the term.",
        parameters=[SLUG_PARAMETER, *SCHEDULE_PARAMETERS, *CONDITIONAL_PARAMETERS],
        responses={
            200: ScheduleOutputSerializer,
            304: NOT_MODIFIED,
            400: BAD_FILTER,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, slug: str):
        if request.accepted_renderer.format != "json":
            return self._schedule(request, slug)
        # Published editions look the same to everyone: serve them from the cache. Only a
        # query string that was answered before has a cached body, so a bad filter still
        # gets its 400 before any 304.
        cached = agenda_cache.cached_response(slug=slug, variant=self._variant())
        if cached is not None:
            validators = conditional.validators_known(
                digest=cached.digest, last_modified=cached.last_modified, variant=self._variant()
            )
            if (response := self.not_modified(validators)) is not None:
                return response
            return self.stamped(
                HttpResponse(cached.body, content_type="application/json"), validators
            )
        state, edition = agenda_cache.edition_state(
            slug=slug,
            last_modified_for=lambda edition, fp: conditional.last_modified_for(
                scope=f"edition-{edition.pk}", fingerprint=fp
            ),
        )
        if state is None or not state.public:
            return self._schedule(request, slug)
        validators = conditional.validators_known(
            digest=state.digest, last_modified=state.last_modified, variant=self._variant()
        )
        response = self._schedule(request, slug, edition=edition, validators=validators)
        if response.status_code == 200:
            response = self.finalize_response(request, response)
            response.render()
            agenda_cache.body_set(state=state, variant=self._variant(), body=response.content)
        return response

    def _schedule(self, request, slug: str, *, edition=None, validators=None):
        if edition is None:
            edition = permissions.edition_get_visible(slug=slug, user=request.user)
        filters = ScheduleFilterInputSerializer.from_query_params(request.query_params)
        filters.is_valid(raise_exception=True)
        if validators is None:
            validators = self._validators(
                scope=f"edition-{edition.pk}",
                fingerprint=selectors.edition_agenda_fingerprint(edition=edition),
            )
        if (response := self.not_modified(validators)) is not None:
            return response
        items = selectors.schedule_for_edition(edition=edition, **filters.selector_kwargs)
        data = ScheduleOutputSerializer(
            {
                "edition": edition.slug,
                "timezone": edition.timezone,
                "count": len(items),
                "items": items,
            },
            context={
                "request": request,
                "tz": ZoneInfo(edition.timezone),
                "edition_slug": edition.slug,
            },
        ).data
        return self.stamped(Response(data), validators)


class LectureListAPI(EditionScopedListAPI):
    serializer_class = LectureOutputSerializer
    representation = "lectures"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return Lecture.objects.none()
        return selectors.lecture_list_for_edition(edition=self.edition)

    @extend_schema(
        tags=[TAG],
        summary="Lectures of an edition",
        description="Dated lectures by date, then archived (undated) ones.",
        parameters=[SLUG_PARAMETER, *CONDITIONAL_PARAMETERS],
        responses={
            200: LectureOutputSerializer(many=True),
            304: NOT_MODIFIED,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, slug: str):
        return super().get(request, slug)


class AssignmentListAPI(EditionScopedListAPI):
    serializer_class = AssignmentOutputSerializer
    representation = "assignments"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request
            return Assignment.objects.none()
        return selectors.assignment_list_for_edition(edition=self.edition)

    @extend_schema(
        tags=[TAG],
        summary="Assignments of an edition",
        description="By deadline. due_date and due_time are the local wall clock in the "
        "edition's zone; due_at is the same instant with its UTC offset.",
        parameters=[SLUG_PARAMETER, *CONDITIONAL_PARAMETERS],
        responses={
            200: AssignmentOutputSerializer(many=True),
            304: NOT_MODIFIED,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, slug: str):
        return super().get(request, slug)
