"""Output of the grades API. Decimals are strings, as DRF renders them and as the engine's
``result_as_dict`` gives them; ``null`` is what is not known (yet)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from assignments.models import FILE_KINDS, Assignment

from .models import FinalGrade
from .planner import STATUSES


class StudentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    student_id = serializers.CharField()


class ComponentLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.CharField(help_text="Percent, as in the scheme")
    weight_used = serializers.CharField(help_text="Percent after moving unsubmitted weight")
    mark = serializers.CharField(allow_null=True, help_text="Out of max; null while pending")
    max = serializers.CharField()
    handed_in = serializers.BooleanField(allow_null=True, help_text="null: nothing recorded yet")
    contribution = serializers.CharField(
        allow_null=True, help_text="Share of the final mark on the edition's scale"
    )
    reasons = serializers.ListField(child=serializers.CharField())


class FinalGradeOutputSerializer(serializers.Serializer):
    student = StudentRefSerializer()
    components = ComponentLineSerializer(many=True)
    scale = serializers.CharField(allow_null=True)
    final = serializers.CharField(
        allow_null=True, help_text="Rounded; null while a mark is pending"
    )
    unrounded = serializers.CharField(allow_null=True)
    provisional = serializers.CharField(allow_null=True)
    admitted = serializers.BooleanField()
    admission_reasons = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())
    released = serializers.BooleanField(help_text="Final grades released to students")

    @staticmethod
    def payload(*, student, breakdown: dict[str, Any], reasons: list[str], released: bool) -> dict:
        return {
            "student": {"id": student.pk, "email": student.email, "student_id": student.student_id},
            "components": breakdown.get("components", []),
            "scale": breakdown.get("scale"),
            "final": breakdown.get("final"),
            "unrounded": breakdown.get("unrounded"),
            "provisional": breakdown.get("provisional"),
            "admitted": bool(breakdown.get("admitted", False)),
            "admission_reasons": breakdown.get("admission_reasons", []),
            "reasons": reasons,
            "released": released,
        }

    def to_representation(self, instance):
        if isinstance(instance, FinalGrade):
            instance = self.payload(
                student=instance.student,
                breakdown=instance.breakdown,
                reasons=instance.reasons,
                released=instance.released,
            )
        return super().to_representation(instance)


class RubricLineSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    points = serializers.CharField()
    max = serializers.CharField()


class RegradeRequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["open", "answered"])
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    answer = serializers.CharField(allow_blank=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    score_before = serializers.CharField(allow_null=True)
    score_after = serializers.CharField(allow_null=True, help_text="The score after the answer")

    @staticmethod
    def payload(request) -> dict:
        def plain(value):
            return None if value is None else f"{value.normalize():f}"

        return {
            "id": request.pk,
            "status": request.status,
            "message": request.message,
            "created_at": request.created_at,
            "answer": request.answer,
            "answered_at": request.answered_at,
            "score_before": plain(request.score_before),
            "score_after": plain(request.score_after),
        }


class RegradeRequestInputSerializer(serializers.Serializer):
    message = serializers.CharField(
        allow_blank=True, max_length=5000, help_text="What the grader should look at again"
    )


class ReleasedGradeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The grade; regrade requests are posted to it")
    assignment_id = serializers.IntegerField()
    assignment = serializers.CharField()
    score = serializers.CharField(help_text="The student's mark: their own when overridden")
    max = serializers.CharField()
    individual = serializers.BooleanField(help_text="An individual mark replaces the group's")
    feedback = serializers.CharField()
    rubric = RubricLineSerializer(many=True)
    released_at = serializers.DateTimeField()
    regrade_until = serializers.DateTimeField(
        allow_null=True, help_text="Regrade requests close then"
    )
    regrade_request = RegradeRequestOutputSerializer(
        allow_null=True, help_text="The latest regrade request and its answer"
    )
    html_url = serializers.URLField(help_text="Your grades page of the edition")


class MyEditionGradesSerializer(serializers.Serializer):
    edition = serializers.CharField()
    title = serializers.CharField()
    grades = ReleasedGradeSerializer(many=True)
    final = FinalGradeOutputSerializer(allow_null=True, help_text="null: no grading scheme yet")
    html_url = serializers.URLField(help_text="Your grades page of the edition")


class ExamMarkInputSerializer(serializers.Serializer):
    student = serializers.CharField(
        max_length=254, help_text="The student's ID (e.g. s123456) or e-mail address"
    )
    component = serializers.CharField(
        max_length=64, help_text='The key of an exam component of the scheme, e.g. "oral_exam"'
    )
    score = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        allow_null=True,
        help_text="The mark on the component's maximum; null: the student did not sit it",
    )


class ExamMarkStudentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    student_id = serializers.CharField()


class ExamMarkOutputSerializer(serializers.Serializer):
    student = ExamMarkStudentSerializer()
    component = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


# --- the planner ------------------------------------------------------------------------


class PlannerFilterInputSerializer(serializers.Serializer):
    edition = serializers.SlugField(
        required=False, max_length=64, help_text="Only this edition (its slug)"
    )


class PlannerLatestSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    submission_id = serializers.IntegerField(help_text="The receipt's id")
    submitted_at = serializers.DateTimeField()
    receipt_url = serializers.URLField(help_text="The signed receipt (a download)")


class PlannerGradeSerializer(serializers.Serializer):
    score = serializers.CharField(help_text="Your mark (your own when overridden)")
    max = serializers.CharField()
    released_at = serializers.DateTimeField()


class PlannerAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Assignment.Kind.choices)
    optional = serializers.BooleanField()
    deadline = serializers.DateTimeField(
        help_text="Your group's effective deadline (extension and grace included)"
    )
    extended = serializers.BooleanField(help_text="Your group has an extension")
    status = serializers.ChoiceField(
        choices=[(s, s) for s in STATUSES],
        help_text="open: not handed in, still time; submitted: handed in, not graded; missed: "
        "not handed in and the deadline passed; graded: marked, not released; released: "
        "your mark is in grade",
    )
    latest = PlannerLatestSerializer(allow_null=True, help_text="null: nothing handed in")
    grade = PlannerGradeSerializer(allow_null=True, help_text="null: no released mark")
    accepted_kinds = serializers.ListField(child=serializers.ChoiceField(choices=FILE_KINDS))
    max_file_mb = serializers.IntegerField(help_text="Size limit of one file, in MB")
    max_pages = serializers.IntegerField(allow_null=True, help_text="Page limit of a PDF")
    html_url = serializers.URLField(help_text="The assignment's page")


class PlannerLectureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    date = serializers.DateField()
    starts_at = serializers.DateTimeField(
        allow_null=True, help_text="null when the edition has no meeting time"
    )


class PlannerEditionSerializer(serializers.Serializer):
    edition = serializers.SlugField()
    title = serializers.CharField()
    timezone = serializers.CharField(help_text="IANA zone of the edition")
    group = serializers.IntegerField(allow_null=True, help_text="Your group's id; null: none")
    assignments = PlannerAssignmentSerializer(many=True)
    upcoming_lectures = PlannerLectureSerializer(many=True)
    html_url = serializers.URLField(help_text="Your dashboard of the edition")
