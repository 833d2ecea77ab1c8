from rest_framework import serializers

from .models import Submission


class SubmissionInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, Jupyter notebook or ZIP, as the assignment accepts",
        allow_empty_file=True,  # refused by the file checks, with their code (``empty``)
    )
    paper = serializers.IntegerField(
        required=False, help_text="For reading reports: the id of the chosen paper"
    )


class ReceiptSerializer(serializers.Serializer):
    receipt_version = serializers.IntegerField()
    submission_id = serializers.IntegerField()
    edition = serializers.CharField()
    assignment_id = serializers.IntegerField()
    assignment = serializers.CharField()
    group = serializers.CharField()
    version = serializers.IntegerField()
    file_name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    submitted_at_utc = serializers.CharField()
    submitted_at_local = serializers.CharField()
    time_zone = serializers.CharField()
    submitted_by = serializers.CharField()
    signature = serializers.CharField()


class CreatedReceiptSerializer(ReceiptSerializer):
    receipt_email = serializers.ChoiceField(
        choices=["queued", "delayed"],
        help_text='"delayed": the broker was unavailable; the e-mail follows when it is back',
    )


class SubmissionOutputSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="assignment_id")
    assignment_title = serializers.CharField(source="assignment.title")
    edition = serializers.CharField(source="assignment.edition.slug")
    group = serializers.CharField(source="group.name")
    submitted_by = serializers.EmailField(source="submitted_by.email")
    paper = serializers.IntegerField(source="paper_id", allow_null=True)
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "edition",
            "assignment",
            "assignment_title",
            "group",
            "version",
            "original_name",
            "size",
            "sha256",
            "content_kind",
            "pages",
            "paper",
            "submitted_by",
            "submitted_at",
            "deadline_at",
            "file_url",
        ]

    def get_file_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("submissions-api:submission-file", kwargs={"pk": obj.pk})


class MeUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    student_id = serializers.CharField()


class MeEnrolmentSerializer(serializers.Serializer):
    edition = serializers.CharField()
    title = serializers.CharField()
    role = serializers.CharField()


class MeGroupSerializer(serializers.Serializer):
    edition = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.ListField(child=serializers.EmailField())


class MeSerializer(serializers.Serializer):
    user = MeUserSerializer()
    enrolments = MeEnrolmentSerializer(many=True)
    groups = MeGroupSerializer(many=True)


class ApiErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    detail = serializers.CharField()
    deadline = serializers.DateTimeField(required=False)
    official_time = serializers.DateTimeField(required=False)
