"""Assignments and their papers in the admin, scoped to the editions a staff user teaches."""

from django.contrib import admin

from courses.admin import (
    URL_FIELDS_HTTPS,
    EditionListFilter,
    EditionScopedAdmin,
    SavedThroughServices,
)
from courses.templatetags.zoned import format_zoned

from . import services
from .models import Assignment, Paper


class PaperInline(admin.TabularInline):
    model = Paper
    formfield_overrides = URL_FIELDS_HTTPS
    fields = ["authors", "title", "year", "url", "position"]
    extra = 0


@admin.register(Assignment)
class AssignmentAdmin(SavedThroughServices, EditionScopedAdmin):
    list_display = ["title", "edition", "kind", "due_date", "due_time", "hard_deadline", "optional"]
    list_select_related = ["edition__course"]
    list_filter = [EditionListFilter, "kind", "hard_deadline", "optional"]
    search_fields = ["title", "agenda_title", "edition__slug"]
    autocomplete_fields = ["edition"]
    readonly_fields = ["deadline"]
    fieldsets = [
        (None, {"fields": ["edition", "kind", "number", "title", "agenda_title", "position"]}),
        ("Page", {"fields": ["summary", "description", "handout_url"]}),
        (
            "Deadline",
            {
                "fields": ["due_date", "due_time", "deadline", "hard_deadline", "grace_minutes"],
                "description": "A local date and time in the edition's time zone.",
            },
        ),
        (
            "Rules",
            {"fields": ["opens_at", "optional", "min_group_size", "max_group_size", "max_score"]},
        ),
        ("Grading", {"fields": ["anonymous_grading", "regrade_window_days"]}),
    ]
    inlines = [PaperInline]
    formfield_overrides = URL_FIELDS_HTTPS
    ordering = ["-edition__slug", "due_date", "due_time", "position", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("edition__course")

    def save_through_service(self, request, obj, change):
        services.assignment_save(assignment=obj)

    def delete_through_service(self, request, obj):
        services.assignment_delete(assignment=obj)

    @admin.display(description="Deadline shown to students")
    def deadline(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_zoned(obj.due_at, obj.edition.timezone)
