"""REST API for students: who am I, my submissions, hand in, read a submission."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api_personal import PersonalApiMixin
from config.links import absolute_for
from config.uploads import RecordingMultiPartApiParser, client_file_name
from courses.models import Membership

from . import selectors, services
from .models import CalendarFeedToken, GroupMembership, Submission
from .serializers import (
    CreatedReceiptSerializer,
    MeSerializer,
    ReceiptSerializer,
    SubmissionInputSerializer,
    SubmissionOutputSerializer,
)
from .views import file_response


class MeApi(PersonalApiMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer, summary="The signed-in user, enrolments and groups")
    def get(self, request):
        user = request.user
        enrolments = [
            {"edition": m.edition.slug, "title": str(m.edition), "role": m.role}
            for m in Membership.objects.filter(user=user).select_related("edition__course")
        ]
        memberships = list(
            GroupMembership.objects.filter(user=user).select_related("group", "edition")
        )
        members: dict[int, list[str]] = {}
        for group_id, email in GroupMembership.objects.filter(
            group_id__in=[m.group_id for m in memberships]
        ).values_list("group_id", "user__email"):
            members.setdefault(group_id, []).append(email)
        groups = [
            {
                "edition": m.edition.slug,
                "id": m.group_id,
                "name": m.group.name,
                "members": sorted(members.get(m.group_id, [])),
            }
            for m in memberships
        ]
        data = {
            "user": {
                "id": user.pk,
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "student_id": user.student_id,
            },
            "enrolments": enrolments,
            "groups": groups,
            "calendar_url": _calendar_url(request, user),
        }
        return Response(MeSerializer(data).data)


def _calendar_url(request, user: User) -> str | None:
    feed = CalendarFeedToken.objects.filter(user=user).first()
    if feed is None:
        return None
    path = reverse("submissions:personal-calendar", kwargs={"token": feed.token})
    return absolute_for(request, path)


class MySubmissionsApi(PersonalApiMixin, generics.ListAPIView):
    """My groups' hand-ins, newest first."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = SubmissionOutputSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Submission.objects.none()
        user = self.request.user
        assert isinstance(user, User)  # IsAuthenticated
        return selectors.submissions_of_user(user=user)


class SubmissionCreateApi(PersonalApiMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [RecordingMultiPartApiParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": SubmissionInputSerializer},
        responses={
            201: CreatedReceiptSerializer,
            400: OpenApiResponse(description="Bad file or request (see errors and code)"),
            403: OpenApiResponse(
                description="Deadline passed (code deadline_passed, with deadline and "
                "official_time) or not allowed (code not_allowed)"
            ),
            404: OpenApiResponse(description="No such assignment for you"),
        },
        summary="Hand in a new version",
    )
    def post(self, request, pk):
        assignment = selectors.assignment_get_for_user(assignment_id=pk, user=request.user)
        serializer = SubmissionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = services.submission_create(
            user=request.user,
            assignment=assignment,
            upload=serializer.validated_data["file"],
            paper_id=serializer.validated_data.get("paper"),
            client_name=client_file_name(request, serializer.validated_data["file"]),
        )
        receipt = services.submission_receipt(submission=submission)
        data = {
            **ReceiptSerializer(receipt).data,
            "receipt_email": "delayed" if submission.receipt_email_delayed else "queued",
        }
        return Response(data, status=status.HTTP_201_CREATED)


class SubmissionDetailApi(PersonalApiMixin, APIView):
    """One hand-in of one of my groups."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=SubmissionOutputSerializer, summary="One hand-in")
    def get(self, request, pk):
        submission = selectors.submission_get_for_user(submission_id=pk, user=request.user)
        return Response(SubmissionOutputSerializer(submission, context={"request": request}).data)


class SubmissionFileApi(PersonalApiMixin, APIView):
    """The file of one hand-in of one of my groups."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="The handed-in file",
    )
    def get(self, request, pk):
        submission = selectors.submission_get_for_user(submission_id=pk, user=request.user)
        return file_response(submission)
