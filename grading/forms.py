from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import engine
from .models import SchemeComponent


class WhatIfForm(forms.Form):
    """Hypothetical marks for the components whose mark is not known (released) yet."""

    def __init__(self, *args, pending: list[tuple[engine.Component, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = pending
        for component, can_skip in pending:
            self.fields[f"mark_{component.key}"] = forms.DecimalField(
                label=_("%(component)s (out of %(max)s)")
                % {"component": component.name, "max": f"{component.max_mark.normalize():f}"},
                required=False,
                min_value=Decimal(0),
                max_value=component.max_mark,
                decimal_places=2,
            )
            if can_skip:
                self.fields[f"skip_{component.key}"] = forms.BooleanField(
                    label=_("I will not hand in %(component)s") % {"component": component.name},
                    required=False,
                )

    def what_if(self) -> dict[str, engine.MarkInput]:
        marks: dict[str, engine.MarkInput] = {}
        for component, can_skip in self.pending:
            if can_skip and self.cleaned_data.get(f"skip_{component.key}"):
                marks[component.key] = engine.MarkInput.not_handed_in()
                continue
            value = self.cleaned_data.get(f"mark_{component.key}")
            if value is not None:
                marks[component.key] = engine.MarkInput.graded(value)
        return marks

    def clean(self):
        cleaned = super().clean() or {}
        for component, can_skip in self.pending:
            if (
                can_skip
                and cleaned.get(f"skip_{component.key}")
                and cleaned.get(f"mark_{component.key}") is not None
            ):
                self.add_error(
                    f"mark_{component.key}",
                    _("Either a mark or “not handed in” for %(component)s, not both.")
                    % {"component": component.name},
                )
        return cleaned


class ExamImportForm(forms.Form):
    component = forms.ModelChoiceField(
        queryset=SchemeComponent.objects.none(), label="Exam", empty_label=None
    )
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: student (student ID or e-mail), mark (a number, or “absent”). "
        "UTF-8, comma or semicolon separated, one header line.",
    )

    def __init__(self, *args, scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scheme is not None:
            component = self.fields["component"]
            assert isinstance(component, forms.ModelChoiceField)
            component.queryset = SchemeComponent.objects.filter(
                scheme=scheme, kind=SchemeComponent.Kind.EXAM
            )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB.")
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


class WorkspaceForm(forms.Form):
    """The grade side of the workspace: the rubric as items (a checkbox gives an item its
    full points; a number, partial points), or a score; the comment; the action. Works as a
    plain form without JavaScript."""

    ACTIONS = [("next", "Save and next"), ("save", "Save draft"), ("release", "Release")]

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    feedback = forms.CharField(
        label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    regrade_answer = forms.CharField(
        label=gettext_lazy("Answer to the regrade request"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    action = forms.ChoiceField(choices=ACTIONS, required=False)

    def __init__(self, *args, criteria, max_score: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for number, criterion in enumerate(criteria, start=1):
            self.fields[f"on_{criterion.pk}"] = forms.BooleanField(
                label=criterion.name, required=False
            )
            self.fields[f"points_{criterion.pk}"] = forms.DecimalField(
                label=_("%(criterion)s: points (out of %(max)s)")
                % {"criterion": criterion.name, "max": f"{criterion.max_points.normalize():f}"},
                required=False,
                min_value=Decimal(0),
                max_value=criterion.max_points,
                decimal_places=2,
                widget=forms.NumberInput(
                    attrs={
                        "step": "0.01",
                        "data-max": f"{criterion.max_points.normalize():f}",
                        "data-key": str(number) if number <= 9 else "",
                    }
                ),
            )
        if not criteria:
            self.fields["score"] = forms.DecimalField(
                label=_("Score (out of %(max)s)") % {"max": f"{max_score.normalize():f}"},
                required=False,
                min_value=Decimal(0),
                max_value=max_score,
                decimal_places=2,
            )

    def items(self):
        """(number, criterion, checkbox field, points field) for the template."""
        return [
            (n, c, self[f"on_{c.pk}"], self[f"points_{c.pk}"])
            for n, c in enumerate(self.criteria, start=1)
        ]

    def rubric(self) -> dict[int, Decimal]:
        """Each item's points: the number typed, else full points when ticked, else 0."""
        points = {}
        for criterion in self.criteria:
            typed = self.cleaned_data.get(f"points_{criterion.pk}")
            if typed is not None:
                points[criterion.pk] = typed
            elif self.cleaned_data.get(f"on_{criterion.pk}"):
                points[criterion.pk] = criterion.max_points
            else:
                points[criterion.pk] = Decimal(0)
        return points
