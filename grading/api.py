"""REST API of grades: a student's released grades and final-grade breakdown; an edition's
final grades for its staff. Unreleased marks never leave through here."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import engine, selectors, services
from .models import FinalGrade, MarkChange
from .serializers import (
    ExamMarkInputSerializer,
    ExamMarkOutputSerializer,
    FinalGradeOutputSerializer,
    MyEditionGradesSerializer,
)


def _num(value) -> str | None:
    return None if value is None else f"{value.normalize():f}"


class MyGradesApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=MyEditionGradesSerializer(many=True),
        summary="My released grades and final-grade breakdown, per edition",
    )
    def get(self, request):
        user = request.user
        body = []
        for edition in selectors.student_editions_with_grades(user=user):
            view = selectors.student_view(edition=edition, student=user)
            final = None
            if view.result is not None:
                final = FinalGradeOutputSerializer.payload(
                    student=user,
                    breakdown=engine.result_as_dict(view.result),
                    reasons=list(view.result.reasons),
                    released=view.final_released,
                )
            body.append(
                {
                    "edition": edition.slug,
                    "title": str(edition),
                    "grades": [
                        {
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
                        }
                        for g in view.grades
                    ],
                    "final": final,
                }
            )
        return Response(MyEditionGradesSerializer(body, many=True).data)


class EditionGradesApi(generics.ListAPIView):
    """Every student's stored final grade (released marks and the exam marks entered)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = FinalGradeOutputSerializer

    @extend_schema(
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
        edition = selectors.edition_get_for_staff(slug=self.kwargs["slug"], user=self.request.user)
        return selectors.final_grades_of_edition(edition=edition)


class ExamMarkSetApi(APIView):
    """Record (or replace) one student's exam mark, as the CSV import does for many; the
    change is recorded in the marks' history with ``via="api"``."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        summary="Record a student's exam mark (staff of the edition)",
        request=ExamMarkInputSerializer,
        responses={
            200: ExamMarkOutputSerializer,
            400: OpenApiResponse(description="Unknown student or component, or a bad mark"),
            404: OpenApiResponse(description="No such edition, or you do not teach it"),
        },
    )
    def post(self, request, slug: str):
        edition = selectors.edition_get_for_staff(slug=slug, user=request.user)
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
