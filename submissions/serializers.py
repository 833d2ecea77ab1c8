from django.urls import reverse
from rest_framework import serializers

from assignments.models import FILE_KINDS
from config.links import absolute_for
from courses.models import Membership

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
    submitted_at_utc = serializers.DateTimeField(help_text="UTC, with microseconds")
    submitted_at_local = serializers.DateTimeField(help_text="With the edition's offset")
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
    content_kind = serializers.ChoiceField(choices=[(k, k) for k in FILE_KINDS])
    file_url = serializers.SerializerMethodField(help_text="The stored file")
    html_url = serializers.SerializerMethodField(help_text="The assignment's page, your versions")

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
            "html_url",
        ]

    def get_file_url(self, obj) -> str:
        path = reverse("submissions-api:submission-file", kwargs={"pk": obj.pk})
        return absolute_for(self.context.get("request"), path)

    def get_html_url(self, obj) -> str:
        path = reverse("submissions:assignment", kwargs={"pk": obj.assignment_id})
        return absolute_for(self.context.get("request"), path)


class MeUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    student_id = serializers.CharField()


class MeEnrolmentSerializer(serializers.Serializer):
    edition = serializers.CharField()
    title = serializers.CharField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MeGroupSerializer(serializers.Serializer):
    edition = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.ListField(child=serializers.EmailField())


class MeSerializer(serializers.Serializer):
    user = MeUserSerializer()
    enrolments = MeEnrolmentSerializer(many=True)
    groups = MeGroupSerializer(many=True)
    calendar_url = serializers.URLField(
        allow_null=True,
        help_text="Your personal calendar feed (deadlines of your groups); null until you "
        "create its address on your profile page",
    )
