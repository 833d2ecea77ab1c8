"""Personal API tokens: made, checked and revoked here (docs/api.md, "Tokens").

A token is ``lct_`` and 43 URL-safe characters (256 random bits). The database keeps its
SHA-256 digest: a leaked database or backup gives no usable token, and with that much
entropy a fast hash is enough (no guessing to slow down). Each token also remembers a keyed
digest of its owner's password hash, so that a password change, whichever way it is made
(profile, reset, admin, ``changepassword``), revokes every token made before it.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

PREFIX = "lct_"
_SALT = "lectern.accounts.api-token"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_check(password_hash: str, secret: str | None = None) -> str:
    return salted_hmac(
        _SALT, password_hash, secret=secret or settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def password_unchanged(*, stored: str, password_hash: str) -> bool:
    """Whether ``stored`` was made from ``password_hash`` (current or fallback keys)."""
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if constant_time_compare(stored, password_check(password_hash, secret)):
            return True
    return False
