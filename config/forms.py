"""How every form renders: each error once, next to its field, and focus on the first one.

Django already marks a field with errors ``aria-invalid`` and points ``aria-describedby`` at
its error list; this renderer adds ``autofocus`` to the first field in error (or to the
form's own error when no field has one), so a keyboard or screen-reader user lands on what
to fix without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.forms import BoundField
from django.forms.renderers import TemplatesSetting


class LecternBoundField(BoundField):
    def build_widget_attrs(self, attrs: dict[str, Any], widget=None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors and first_error_field(self.form) == self.name:
            attrs["autofocus"] = True
        return attrs


def first_error_field(form) -> str | None:
    """The name of the first visible field with an error, in the form's order."""
    errors = getattr(form, "_errors", None) or {}
    for name, field in form.fields.items():
        if name in errors and not field.widget.is_hidden:
            return name
    return None


class LecternFormRenderer(TemplatesSetting):
    form_template_name = "forms/div.html"
    bound_field_class = LecternBoundField

    def render(self, template_name, context, request=None):
        form = context.get("form") if template_name == self.form_template_name else None
        if form is not None:
            # The form's own error takes the focus when no field has one.
            context["focus_form_errors"] = bool(context.get("errors")) and (
                first_error_field(form) is None
            )
        return super().render(template_name, context, request=request)
