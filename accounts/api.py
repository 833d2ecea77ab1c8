"""``/api/v1/auth/token/``: scripts exchange an e-mail address and password for a personal
API token (``POST``) and revoke the token they use (``DELETE``)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api_personal import PersonalApiMixin
from config.parsers import BoundedJSONParser

from . import services
from .authentication import ApiTokenAuthentication
from .models import ApiToken
from .serializers import TokenInputSerializer, TokenOutputSerializer

TAG = "auth"


class UsesAnApiToken(permissions.BasePermission):
    message = "Send the token to revoke in the Authorization header."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, ApiToken)


class TokenApi(PersonalApiMixin, APIView):
    # Only a token authenticates here: a browser session can neither make one for someone
    # else nor be fooled into revoking one (no cookie, so no CSRF question).
    authentication_classes = [ApiTokenAuthentication]
    parser_classes = [BoundedJSONParser]  # a script's JSON; one media type, one generated signature

    def get_permissions(self):
        if self.request is not None and self.request.method == "DELETE":
            return [UsesAnApiToken()]
        return [permissions.AllowAny()]

    @extend_schema(
        tags=[TAG],
        summary="Obtain a personal API token",
        description="The token is shown once: store it. Failed attempts count against the "
        "same limits as the login form (per address and per client).",
        request=TokenInputSerializer,
        responses={
            201: TokenOutputSerializer,
            400: OpenApiResponse(description="Wrong e-mail address or password."),
            403: OpenApiResponse(
                description="The client's address is unknown (the limits count per address)."
            ),
            429: OpenApiResponse(description="Too many failed attempts."),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        issued = services.api_token_obtain(
            request=request._request,
            email=data["email"],
            password=data["password"],
            name=data.get("name", ""),
        )
        body = {
            "token": issued.key,
            "name": issued.token.name,
            "created_at": issued.token.created_at,
        }
        return Response(TokenOutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG],
        summary="Revoke the token in use",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        assert isinstance(request.auth, ApiToken)  # UsesAnApiToken
        services.api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
