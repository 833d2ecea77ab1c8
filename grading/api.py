"""REST API of grades: a student's released grades and final-grade breakdown; an edition's
final grades for its staff. Unreleased marks never leave through here."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api_personal import PersonalApiMixin
from config.links import absolute_for
from config.parsers import BoundedJSONParser
from courses import permissions as scoping
from courses.models import Edition

from . import engine, planner, planner_cache, selectors, services
from .models import FinalGrade, MarkChange
from .serializers import (
    ExamMarkInputSerializer,
    ExamMarkOutputSerializer,
    FinalGradeOutputSerializer,
    MyEditionGradesSerializer,
    PlannerEditionSerializer,
    PlannerFilterInputSerializer,
    RegradeRequestInputSerializer,
    RegradeRequestOutputSerializer,
)


def _num(value) -> str | None:
    return None if value is None else f"{value.normalize():f}"


class MyGradesPagination(PageNumberPagination):
    # Each edition's breakdown costs a fixed number of queries: a page of editions bounds
    # the request's. A student seldom has more than a page of editions.
    page_size = 5


class StudentEditionsApi(PersonalApiMixin, generics.ListAPIView):
    """A page of the signed-in student's editions, or the one ``?edition=<slug>`` names."""

    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Edition.objects.none()
        user = self.request.user
        assert isinstance(user, User)  # IsAuthenticated
        filters = PlannerFilterInputSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)  # a malformed slug is a 400, not a query
        return selectors.student_editions(user=user, slug=filters.validated_data.get("edition"))


class MyGradesApi(StudentEditionsApi):
    """The signed-in student's released grades and final-grade breakdown, per edition (by
    slug, descending), a page of editions at a time."""

    serializer_class = MyEditionGradesSerializer
    pagination_class = MyGradesPagination

    @extend_schema(
        tags=["grades"],
        summary="My released grades and final-grade breakdown, per edition",
        parameters=[PlannerFilterInputSerializer],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        body = [self._edition_payload(edition, request) for edition in page or []]
        return self.get_paginated_response(self.get_serializer(body, many=True).data)

    @staticmethod
    def _edition_payload(edition, request) -> dict:
        user = request.user
        html_url = absolute_for(request, reverse("grading:mine", kwargs={"slug": edition.slug}))
        view = selectors.student_view(edition=edition, student=user)
        final = None
        if view.result is not None:
            final = FinalGradeOutputSerializer.payload(
                student=user,
                breakdown=engine.result_as_dict(view.result),
                reasons=list(view.result.reasons),
                released=view.final_released,
            )
        return {
            "edition": edition.slug,
            "title": str(edition),
            "grades": [
                {
                    "id": g.grade.pk,
                    "assignment_id": g.grade.assignment_id,
                    "assignment": g.grade.assignment.title,
                    "score": _num(g.score),
                    "max": _num(g.grade.assignment.max_score),
                    "individual": bool(g.override_reason),
                    "feedback": g.grade.feedback,
                    "rubric": [
                        {
                            "criterion": s.criterion.name,
                            "points": _num(s.points),
                            "max": _num(s.criterion.max_points),
                        }
                        for s in g.rubric
                    ],
                    "released_at": g.grade.released_at,
                    "regrade_until": g.regrade_until,
                    "regrade_request": RegradeRequestOutputSerializer.payload(g.regrade)
                    if g.regrade
                    else None,
                    "html_url": html_url,
                }
                for g in view.grades
            ],
            "final": final,
            "html_url": html_url,
        }


class EditionGradesApi(PersonalApiMixin, generics.ListAPIView):
    """Every student's stored final grade (released marks and the exam marks entered)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = FinalGradeOutputSerializer

    @extend_schema(
        tags=["grades"],
        summary="The edition's final grades (staff of the edition)",
        responses={
            200: FinalGradeOutputSerializer(many=True),
            404: OpenApiResponse(description="No such edition, or you do not teach it"),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return FinalGrade.objects.none()
        edition = scoping.edition_get_for_staff(slug=self.kwargs["slug"], user=self.request.user)
        return selectors.final_grades_of_edition(edition=edition)


class ExamMarkSetApi(PersonalApiMixin, APIView):
    """Record (or replace) one student's exam mark, as the CSV import does for many; the
    change is recorded in the marks' history with ``via="api"``."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [BoundedJSONParser]  # one media type: one signature in generated clients

    @extend_schema(
        tags=["grades"],
        summary="Record a student's exam mark (staff of the edition)",
        request=ExamMarkInputSerializer,
        responses={
            200: ExamMarkOutputSerializer,
            400: OpenApiResponse(description="Unknown student or component, or a bad mark"),
            404: OpenApiResponse(description="No such edition, or you do not teach it"),
        },
    )
    def post(self, request, slug: str):
        edition = scoping.edition_get_for_staff(slug=slug, user=request.user)
        serializer = ExamMarkInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        component = selectors.exam_component_get(edition=edition, key=data["component"])
        student = selectors.student_find(edition=edition, identifier=data["student"])
        mark = services.exam_mark_set(
            actor=request.user,
            component=component,
            student=student,
            via=MarkChange.Via.API,
            score=data["score"],
        )
        body = {"student": student, "component": component.key, "score": mark.score}
        return Response(ExamMarkOutputSerializer(body).data)


class RegradeRequestCreateApi(APIView):
    """A member of the group asks for a regrade of a released grade, within the
    assignment's window after the release; one open request per grade."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [BoundedJSONParser]  # one media type: one signature in generated clients

    @extend_schema(
        summary="Ask for a regrade of one of my released grades",
        request=RegradeRequestInputSerializer,
        responses={
            201: RegradeRequestOutputSerializer,
            400: OpenApiResponse(description="An empty message"),
            403: OpenApiResponse(description="regrade_window_closed: the window has passed"),
            404: OpenApiResponse(description="No such grade, or not one of your group's"),
            409: OpenApiResponse(description="regrade_request_open: one is already open"),
        },
    )
    def post(self, request, grade_id: int):
        grade = selectors.grade_get_for_member(grade_id=grade_id, user=request.user)
        serializer = RegradeRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.regrade_request_create(
            actor=request.user, grade=grade, message=serializer.validated_data["message"]
        )
        return Response(RegradeRequestOutputSerializer.payload(created), status=201)


class PlannerPagination(PageNumberPagination):
    # A page's queries do not depend on its size; its work does: a few editions at a time.
    page_size = 5


class PlannerApi(StudentEditionsApi):
    """What is due, and where I stand: per edition, each assignment's deadline for my group,
    its status, my latest version and released grade; and the next lectures."""

    serializer_class = PlannerEditionSerializer
    pagination_class = PlannerPagination

    @extend_schema(
        tags=["me"],
        summary="My planner: deadlines, status and grades",
        parameters=[PlannerFilterInputSerializer],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        data = planner_cache.page(
            user=request.user,
            editions=list(self.paginate_queryset(self.get_queryset()) or []),
            variant="|".join(
                [request.scheme, request.get_host(), get_language(), request.GET.urlencode()]
            ),
            render=lambda planned: (
                self.get_serializer(
                    [_planner_payload(entry, request) for entry in planned], many=True
                ).data
            ),
            now=timezone.now(),
        )
        return self.get_paginated_response(data)


_SENTINEL = 987654321


def _pk_url(request, name: str):
    """``name``'s absolute URL for any pk, reversed once per request (dozens per answer)."""
    template = absolute_for(request, reverse(name, kwargs={"pk": _SENTINEL}))
    head, tail = template.split(str(_SENTINEL))
    return lambda pk: f"{head}{pk}{tail}"


def _planner_payload(entry: planner.PlannerEdition, request) -> dict:
    edition = entry.edition
    receipt_url = _pk_url(request, "submissions:receipt")
    assignment_url = _pk_url(request, "submissions:assignment")

    return {
        "edition": edition.slug,
        "title": str(edition),
        "timezone": edition.timezone,
        "group": entry.group_id,
        "assignments": [
            {
                "id": item.assignment.pk,
                "title": item.assignment.title,
                "kind": item.assignment.kind,
                "optional": item.assignment.optional,
                "deadline": item.deadline,
                "extended": item.extended,
                "status": item.status,
                "latest": None
                if item.latest is None
                else {
                    "version": item.latest.version,
                    "submission_id": item.latest.submission_id,
                    "submitted_at": item.latest.submitted_at,
                    "receipt_url": receipt_url(item.latest.submission_id),
                },
                "grade": None
                if item.grade is None
                else {
                    "score": _num(item.grade.score),
                    "max": _num(item.grade.max),
                    "released_at": item.grade.released_at,
                },
                "accepted_kinds": item.assignment.accepted_kinds,
                "max_file_mb": item.assignment.max_file_mb,
                "max_pages": item.assignment.max_pages,
                "html_url": assignment_url(item.assignment.pk),
            }
            for item in entry.items
        ],
        "upcoming_lectures": [
            {
                "id": lecture.pk,
                "number": lecture.number,
                "title": lecture.title,
                "date": lecture.date,
                "starts_at": None
                if lecture.date is None or edition.meeting_time is None
                else edition.local_datetime(lecture.date, edition.meeting_time),
            }
            for lecture in entry.upcoming_lectures
        ],
        "html_url": absolute_for(
            request, reverse("submissions:dashboard", kwargs={"slug": edition.slug})
        ),
    }
