from django import forms
from django.utils.translation import gettext_lazy as _


class EnrolmentForm(forms.Form):
    code = forms.CharField(label=_("Enrolment code"), max_length=32)


class GroupCreateForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=100)


class GroupJoinForm(forms.Form):
    code = forms.CharField(
        label=_("Group code"), max_length=32, help_text=_("Ask a member for it.")
    )


class GroupInviteForm(forms.Form):
    who = forms.CharField(
        label=_("Classmate's name or e-mail"),
        max_length=254,
        help_text=_("A student enrolled in this course and not in a group yet."),
    )


class SubmissionForm(forms.Form):
    # An empty file is refused by the file checks, with their message and code (``empty``).
    file = forms.FileField(label=_("File"), allow_empty_file=True)
    paper = forms.ChoiceField(label=_("Paper"), required=False)
    # One-time token: a double click or a browser retry of this form hands in once
    # (submissions/idempotency.py). A new one comes with each rendering of an unbound form.
    handin_token = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,64}$", required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, papers=(), accept="", **kwargs):
        super().__init__(*args, **kwargs)
        if accept:
            self.fields["file"].widget.attrs["accept"] = accept
        if papers:
            paper = self.fields["paper"]
            assert isinstance(paper, forms.ChoiceField)
            paper.required = True
            paper.choices = [("", _("— choose a paper —"))] + [(str(p.pk), str(p)) for p in papers]
        else:
            del self.fields["paper"]


class ReceiptVerifyForm(forms.Form):
    receipt = forms.FileField(label=_("Receipt file (JSON)"), required=False)
    text = forms.CharField(label=_("…or paste it"), widget=forms.Textarea, required=False)

    def clean(self):
        data = super().clean() or {}
        if not data.get("receipt") and not data.get("text"):
            raise forms.ValidationError(_("Upload a receipt or paste its text."))
        return data


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    student_id = forms.CharField(label=_("Student ID"), max_length=32, required=False)
    time_zone = forms.CharField(
        label=_("Your time zone"),
        max_length=64,
        required=False,
        help_text=_("e.g. America/New_York; deadlines are then also shown in it."),
    )
