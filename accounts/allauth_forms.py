"""allauth's sign-up and add-address forms with the university allow-list
(``ACCOUNT_FORMS`` in the settings). The password-reset and login forms are allauth's own:
an existing account is never refused for its domain."""

from allauth.account.forms import AddEmailForm, SignupForm

from .adapter import check_signup_domain


class AllowListSignupForm(SignupForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        check_signup_domain(email)
        return email


class AllowListAddEmailForm(AddEmailForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        check_signup_domain(email)
        return email
