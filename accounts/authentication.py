"""DRF authentication by personal API token: ``Authorization: Bearer <token>`` or
``Authorization: Token <token>`` (the older spelling scripts already use)."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from . import tokens
from .models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: give one token after the keyword."
            )
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = ApiToken.objects.select_related("user").filter(digest=tokens.digest(key)).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if not tokens.password_unchanged(
            stored=token.password_check, password_hash=token.user.password
        ):
            raise exceptions.AuthenticationFailed("Token revoked by a password change.")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
