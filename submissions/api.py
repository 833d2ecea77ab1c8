"""REST API for students: who am I, my submissions, hand in, read a submission."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import FormParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api_personal import PersonalApiMixin
from config.links import absolute_for
from config.uploads import RecordingMultiPartApiParser, client_file_name
from courses.models import Membership

from . import check_bounds, hand_in_metrics, idempotency, selectors, services
from .errors import SubmissionRefused, TryLater
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
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="A key the client chooses per hand-in (1–128 printable ASCII "
                "characters). A retry with the same key and the same file gets the first "
                "answer (200, the same receipt); with another file, 409.",
            )
        ],
        responses={
            201: CreatedReceiptSerializer,
            200: OpenApiResponse(
                CreatedReceiptSerializer, description="A retry: the version its key created"
            ),
            400: OpenApiResponse(description="Bad file or request (see errors and code)"),
            403: OpenApiResponse(
                description="Deadline passed (code deadline_passed, with deadline and "
                "official_time) or not allowed (code not_allowed)"
            ),
            404: OpenApiResponse(description="No such assignment for you"),
            409: OpenApiResponse(description="Idempotency-Key already used for another file"),
            429: OpenApiResponse(
                description="Too many hand-ins (too_many_hand_ins), or another of your files "
                "is being checked (check_in_progress); see Retry-After",
            ),
            503: OpenApiResponse(
                description="The server is busy checking other files (checks_busy), or "
                "storage_unavailable: nothing stored; see Retry-After",
            ),
        },
        summary="Hand in a new version",
    )
    def post(self, request, pk):
        assignment = selectors.assignment_get_for_user(assignment_id=pk, user=request.user)
        # Refusals before the service (its own are counted by it): once each, by code.
        with hand_in_metrics.outcome_counted():
            key = request.headers.get("Idempotency-Key")
            if key is not None:
                idempotency.key_valid(key)
            # The turn to be checked is taken before the upload is read, sized by
            # Content-Length: a refusal (busy, too many hand-ins) costs no parsing of a 19 MB
            # body.
            limit = assignment.max_file_mb * 1024 * 1024
            declared = request.META.get("CONTENT_LENGTH") or ""
            size = int(declared) if declared.isdigit() else limit
            if size > limit + check_bounds.FORM_OVERHEAD_BYTES:
                if size <= 4 * limit:  # an honest mistake gets its answer (see below)
                    check_bounds.discard_body(request._request)
                raise SubmissionRefused(
                    f"The upload is {size / 1048576:.1f} MB; "
                    f"the limit is {assignment.max_file_mb} MB.",
                    code="too_large",
                )
            try:
                with check_bounds.hand_in_turn(user_id=request.user.pk, size=size):
                    serializer = SubmissionInputSerializer(data=request.data)
                    serializer.is_valid(raise_exception=True)
                    submission = services.submission_create(
                        user=request.user,
                        assignment=assignment,
                        upload=serializer.validated_data["file"],
                        paper_id=serializer.validated_data.get("paper"),
                        client_name=client_file_name(request, serializer.validated_data["file"]),
                        idempotency_key=key or "",
                    )
            except TryLater:
                # Refused before the body was read: read (and drop) it before answering. A
                # server that answers while the client still sends resets the connection under
                # it, and the client sees that instead of Retry-After. Reading costs far less
                # than parsing.
                check_bounds.discard_body(request._request)
                raise
        receipt = services.submission_receipt(submission=submission)
        data = {
            **ReceiptSerializer(receipt).data,
            "receipt_email": "delayed" if submission.receipt_email_delayed else "queued",
        }
        if submission.replayed:
            return Response(
                data, status=status.HTTP_200_OK, headers={"Idempotent-Replayed": "true"}
            )
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
