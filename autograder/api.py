"""``GET /api/v1/submissions/<id>/autograde/``: the autograder's latest results on one
hand-in, for its group (per the visibility setting) and the edition's staff."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_personal import PersonalApiMixin
from submissions.selectors import submission_get_for_user

from . import selectors
from .serializers import AutogradeResultSerializer


class AutogradeResultApi(PersonalApiMixin, APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["submissions"],
        summary="The autograder's results on one hand-in",
        responses={
            200: AutogradeResultSerializer,
            404: OpenApiResponse(
                description="No such hand-in for you, or it is not autograded (its assignment "
                "had no autograder when it was handed in)"
            ),
        },
    )
    def get(self, request, pk):
        submission = submission_get_for_user(submission_id=pk, user=request.user)
        result = selectors.result_for(submission=submission, user=request.user)
        if result is None:
            raise Http404("This hand-in is not autograded.")
        result.run.submission = submission
        return Response(AutogradeResultSerializer(AutogradeResultSerializer.payload(result)).data)
