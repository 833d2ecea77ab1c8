"""Writes on accounts. Each announces the change (``signals.user_changed``) to the apps above
this one, whose cached pages show users' names (docs/decisions/0007-caching.md)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from config.errors import ApplicationError

from . import tokens
from .models import ApiToken, User
from .signals import user_changed


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    student_id: str,
    time_zone: str | None = None,
) -> User:
    """The details a user gives about themselves (sign-up form, profile page); ``time_zone``
    ``None`` leaves it as it is."""
    fields = ["first_name", "last_name", "student_id"]
    user.first_name = first_name.strip()
    user.last_name = last_name.strip()
    user.student_id = student_id.strip()
    if time_zone is not None:
        # An IANA name (courses.timeutils has the same test; this app sits below courses).
        if time_zone and time_zone not in available_timezones():
            raise ValidationError({"time_zone": f"Unknown time zone {time_zone!r}."})
        user.time_zone = time_zone
        fields.append("time_zone")
    user.full_clean(exclude=["password"])
    user.save(update_fields=fields)
    user_changed.send(sender=User, user_id=user.pk)
    return user


@transaction.atomic
def user_save(*, user: User) -> User:
    """Save an account as the admin's forms filled it (password hashed by the form)."""
    user.save()
    user_changed.send(sender=User, user_id=user.pk)
    return user


# --- personal API tokens ------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its digest is stored


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> IssuedToken:
    """A new personal API token; the others stay valid."""
    key = tokens.new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        digest=tokens.digest(key),
        password_check=tokens.password_check(user.password),
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


@transaction.atomic
def api_tokens_revoke_all(*, user: User) -> None:
    ApiToken.objects.filter(user=user).delete()


class TokenRefused(ApplicationError):
    """Wrong e-mail or password, an unconfirmed address, or too many attempts."""

    status_code = 400
    code = "invalid_credentials"


class TooManyAttempts(TokenRefused):
    status_code = 429
    code = "too_many_attempts"


def api_token_obtain(*, request: HttpRequest, email: str, password: str, name: str) -> IssuedToken:
    """A token for ``email`` / ``password``, checked as the login form checks them: through
    allauth's adapter, with its failed-login rate limits (per address and per client)."""
    # The login view's own limit (requests per address), then the adapter's failed-login
    # limits (per address and per e-mail address), as for the form.
    if not ratelimit.consume(request, action="login"):
        raise TooManyAttempts("Too many login attempts. Try again later.")
    adapter = get_account_adapter(request)
    try:
        user = adapter.authenticate(request, email=email.strip(), password=password)
    except ValidationError as exc:  # allauth: too many failed attempts
        raise TooManyAttempts(" ".join(exc.messages)) from exc
    if user is None or not user.is_active:
        raise TokenRefused("The e-mail address and/or password you specified are not correct.")
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        raise TokenRefused("Confirm your e-mail address first (see the e-mail we sent).")
    assert isinstance(user, User)
    return api_token_create(user=user, name=name)
