"""The edition admin: an edition's fields and page (the inlines of ``courses.admin``), and
the actions on whole editions — publish, unpublish, archive, clone into a new term.

It is registered here, once, because a clone copies assignments as well as ``courses``
rows, and ``courses`` never imports a higher app (docs/decisions/0001-layers.md).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from assignments.services import edition_clone, edition_update
from courses.admin import (
    EditionInfoInline,
    EditionScopedAdmin,
    EditionSectionInline,
    MembershipInline,
    PreviousEditionInline,
    SavedThroughServices,
)
from courses.models import Edition
from courses.services import edition_archive, edition_publish, edition_unpublish


class CloneForm(forms.Form):
    new_slug = forms.SlugField(max_length=64, help_text="e.g. info8010-2027")
    start = forms.DateField(
        help_text="First agenda date of the new edition (YYYY-MM-DD). Every date moves by the "
        "nearest whole number of weeks, so weekdays stay; deadlines keep their local time.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    term = forms.CharField(max_length=64, required=False, help_text='e.g. "Spring 2027"')


@admin.register(Edition)
class EditionAdmin(SavedThroughServices, EditionScopedAdmin):
    list_display = ["slug", "course", "term", "status", "meeting_room", "updated_at"]
    list_select_related = ["course"]
    list_filter = ["status", "course"]
    search_fields = ["slug", "term", "course__code", "course__title"]
    autocomplete_fields = ["course"]
    readonly_fields = ["status", "public_page", "updated_at"]
    fieldsets = [
        (None, {"fields": ["course", "slug", "term", "academic_year", "status", "public_page"]}),
        ("Course page", {"fields": ["intro", "schedule_text", "meeting_room"]}),
        (
            "Schedule",
            {"fields": ["timezone", "meeting_weekday", "meeting_time", "lecture_minutes"]},
        ),
        (
            "Students and groups",
            {
                "fields": [
                    "enrolment_code",
                    "group_min_size",
                    "group_max_size",
                    "groups_lock_at",
                    "updated_at",
                ]
            },
        ),
    ]
    inlines = [MembershipInline, EditionInfoInline, EditionSectionInline, PreviousEditionInline]
    actions = ["publish", "unpublish", "archive", "clone"]

    def has_add_permission(self, request):
        # A staff user would not see an edition they do not teach yet: they clone one instead.
        return request.user.is_superuser

    def save_through_service(self, request, obj, change):
        if change:
            edition_update(edition=obj)  # a new time zone moves the deadlines
        else:
            super().save_through_service(request, obj, change)

    @admin.display(description="Public page")
    def public_page(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("agenda:edition", kwargs={"slug": obj.slug})
        return format_html('<a href="{}">{}</a>', url, url)

    def has_clone_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.add_{self.opts.model_name}")

    def _apply(self, request, queryset, service, done: str) -> None:
        changed = 0
        for edition in queryset.select_related("course"):
            try:
                service(edition=edition)
            except ValidationError as exc:
                self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            else:
                changed += 1
        if changed:
            plural = "s" if changed != 1 else ""
            self.message_user(request, f"{changed} edition{plural} {done}.", messages.SUCCESS)

    @admin.action(description="Publish the selected editions", permissions=["change"])
    def publish(self, request, queryset):
        self._apply(request, queryset, edition_publish, "published")

    @admin.action(
        description="Unpublish the selected editions (back to draft)", permissions=["change"]
    )
    def unpublish(self, request, queryset):
        self._apply(request, queryset, edition_unpublish, "unpublished")

    @admin.action(description="Archive the selected editions", permissions=["change"])
    def archive(self, request, queryset):
        self._apply(request, queryset, edition_archive, "archived")

    @admin.action(description="Clone the selected edition into a new term…", permissions=["clone"])
    def clone(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one edition to clone.", messages.WARNING)
            return None
        source = queryset.select_related("course").get()
        form = CloneForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            try:
                edition = edition_clone(
                    source=source,
                    new_slug=form.cleaned_data["new_slug"],
                    start=form.cleaned_data["start"],
                    term=form.cleaned_data["term"] or None,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "new_slug" in exc.error_dict:
                    form.add_error("new_slug", exc.error_dict["new_slug"])
                else:
                    form.add_error(None, exc.messages)
            else:
                self.message_user(
                    request,
                    f"{edition.slug} was created as a draft from {source.slug}. "
                    "Check it, then publish it.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:courses_edition_change", args=[edition.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Clone {source}",
            "opts": self.opts,
            "source": source,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/courses/edition/clone.html", context)
