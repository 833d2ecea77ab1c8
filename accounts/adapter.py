from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError


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
