from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError

from config.clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up may be limited to the university's e-mail domains (LECTERN_SIGNUP_DOMAINS)."""

    def clean_email(self, email):
        email = super().clean_email(email)
        allowed = settings.LECTERN_SIGNUP_DOMAINS
        domain = email.rsplit("@", 1)[-1].lower()
        if allowed and domain not in allowed:
            raise ValidationError(
                "Sign up with your university address ("
                + ", ".join(f"@{d}" for d in allowed)
                + ")."
            )
        return email

    def get_client_ip(self, request):
        # The rate limits' address: the one rule of config/clientip.py (TRUSTED_PROXY_COUNT).
        return client_ip(request)
