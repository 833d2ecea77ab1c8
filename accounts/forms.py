from django import forms

from .services import user_profile_update


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth calls ``signup`` after creating the user."""

    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    student_id = forms.CharField(
        label="Student ID", max_length=32, required=False, help_text="e.g. s123456 (optional)"
    )

    def signup(self, request, user):
        user_profile_update(
            user=user,
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
            student_id=self.cleaned_data["student_id"],
        )
