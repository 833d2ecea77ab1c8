from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError

from config.clientip import client_ip


def check_signup_domain(email: str) -> None:
    """Refuse a *new* address outside the university's domains (LECTERN_SIGNUP_DOMAINS).

    Called by the sign-up and add-address forms (``accounts.allauth_forms``) only: an account
    that exists keeps logging in and resetting its password whatever its domain (staff,
    accounts made before the list, accounts made by an administrator).
    """
    allowed = settings.LECTERN_SIGNUP_DOMAINS
    domain = email.rsplit("@", 1)[-1].lower()
    if allowed and domain not in allowed:
        raise ValidationError(
            "Sign up with your university address (" + ", ".join(f"@{d}" for d in allowed) + ")."
        )


class AccountAdapter(DefaultAccountAdapter):
    """Lectern's allauth adapter. The sign-up allow-list is not here: ``clean_email`` also
    cleans the password-reset form, and the list must not lock existing accounts out."""

    def get_client_ip(self, request):
        # The rate limits' address: the one rule of config/clientip.py (TRUSTED_PROXY_COUNT).
        return client_ip(request)
