"""The autograder in the admin: an assignment's grader bundle (saved through
``services.bundle_save``) and the action that runs the current bundle again on every
group's latest hand-in."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from courses.admin import EditionScopedAdmin, ServiceErrorsAsMessages

from . import environments, services
from .models import GraderBundle


class GraderBundleForm(forms.ModelForm):
    class Meta:
        model = GraderBundle
        fields = [
            "assignment",
            "tests",
            "environment",
            "wall_seconds",
            "cpu_seconds",
            "memory_mb",
            "output_kb",
            "visibility",
            "prefill_grade",
        ]
        widgets = {
            "tests": forms.Textarea(attrs={"rows": 24, "cols": 100, "class": "vLargeTextField"})
        }

    def clean_tests(self):
        tests = self.cleaned_data["tests"]
        try:
            compile(tests, "tests.py", "exec")
        except SyntaxError as exc:
            raise forms.ValidationError(f"Line {exc.lineno}: {exc.msg}") from exc
        return tests

    def clean_environment(self):
        name = self.cleaned_data["environment"]
        try:
            environments.env_get(name)
        except environments.EnvironmentUnavailable as exc:
            raise forms.ValidationError(str(exc)) from exc
        return name


@admin.register(GraderBundle)
class GraderBundleAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
    form = GraderBundleForm
    list_display = ["assignment", "environment", "version", "visibility", "updated_at"]
    list_filter = ["assignment__edition", "visibility"]
    list_select_related = ["assignment__edition"]
    readonly_fields = ["version", "updated_at"]
    fieldsets = [
        (None, {"fields": ["assignment", "tests", "environment"]}),
        ("Limits", {"fields": ["wall_seconds", "cpu_seconds", "memory_mb", "output_kb"]}),
        ("Results", {"fields": ["visibility", "prefill_grade", "version", "updated_at"]}),
    ]
    actions = ["rerun_all"]

    def save_model(self, request, obj, form, change):
        services.bundle_save(bundle=obj)

    @admin.action(description="Run again on every group's latest hand-in")
    def rerun_all(self, request, queryset):
        queued = sum(
            services.runs_requeue_all(assignment=bundle.assignment)
            for bundle in queryset.select_related("assignment")
        )
        self.message_user(
            request,
            f"{queued} hand-ins queued for autograding; earlier results are kept.",
            messages.SUCCESS,
        )
