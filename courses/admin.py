"""The instructor's workflow: courses, lectures and events in the Django admin, and the
inlines of an edition's page. The edition admin itself is ``agenda.admin.EditionAdmin``: its
actions (publish, clone) span this app and ``assignments``.

Superusers see everything. Other staff users see only the editions they teach (an instructor
or TA membership) and what belongs to them; the edition choices of every form are limited
the same way. What a staff user may do (view, change, …) is still Django's model permissions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils import timezone

from accounts.models import User

from . import permissions, services
from .models import (
    STAFF_ROLES,
    Course,
    Edition,
    EditionInfo,
    EditionSection,
    Event,
    EventLink,
    Lecture,
    LectureLink,
    Membership,
    PreviousEdition,
)

# A link typed without a scheme is an https link (Django 6's default, asked for now).
URL_FIELDS_HTTPS: Mapping[type[models.Field], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}

# The mixins below are mixed into model admins and inlines; to mypy they are model admins.
if TYPE_CHECKING:
    AdminBase = admin.ModelAdmin
else:
    AdminBase = object


def editions_for_admin(request: HttpRequest) -> QuerySet[Edition]:
    """The editions ``request.user`` manages in the admin: all for superusers."""
    return permissions.editions_staffed_by(request.user).select_related("course")


class EditionListFilter(admin.SimpleListFilter):
    """Filter by edition, offering only the editions the user manages."""

    title = "edition"
    parameter_name = "edition"

    def lookups(self, request, model_admin):
        return [(str(e.pk), str(e)) for e in editions_for_admin(request)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(edition_id=self.value())
        return queryset


STAFF = "staff"
STUDENTS = "students"


def with_edition_labels(db_field, field):
    """Choices of rows that belong to an edition name it — "Homework 1 — info8010-2023" —
    since every edition has a Homework 1 and a group named alike."""
    related = db_field.related_model
    if (
        field is None
        or related is Edition
        or not hasattr(field, "queryset")
        or not any(f.name == "edition" for f in related._meta.get_fields())
    ):
        return field
    field.queryset = field.queryset.select_related("edition")
    field.label_from_instance = lambda obj: f"{obj} — {obj.edition.slug}"
    return field


class EditionScoped(AdminBase):
    """Scoping of an admin (or inline) to the editions a staff user teaches, with
    ``courses.permissions`` (docs/decisions/0012-scoping.md). Superusers see everything.

    - Rows: only those of the editions the user teaches (``edition_path`` leads from a row
      to its edition; found from the foreign keys when not set).
    - Form choices: every foreign key to a row of an edition offers only the user's
      editions' rows (``linked_edition``: any edition the user may see); foreign keys to
      accounts named in ``user_choices`` offer the staff or the students of those editions.
    - Relation filters of the change list list only the related rows of the rows shown.
    """

    edition_path: str | None = None
    user_choices: dict[str, str] = {}
    visible_edition_fields: tuple[str, ...] = ("linked_edition",)

    def get_edition_path(self) -> str:
        path = self.edition_path
        if path is None:
            path = permissions.edition_lookup(self.model)
        if path is None:
            raise ImproperlyConfigured(f"{self.model.__name__} rows lead to no edition.")
        return path or "pk"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        staffed = permissions.editions_staffed_by(request.user).values("pk")
        return queryset.filter(**{f"{self.get_edition_path()}__in": staffed})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            choices = self.scoped_choices(db_field, request)
            if choices is not None:
                kwargs["queryset"] = choices
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return with_edition_labels(db_field, field)

    def scoped_choices(self, db_field, request) -> QuerySet | None:
        related = db_field.related_model
        if related is User:
            kind = self.user_choices.get(db_field.name)
            staffed = permissions.editions_staffed_by(request.user)
            if kind == STAFF:
                return permissions.staff_of(staffed)
            if kind == STUDENTS:
                return permissions.students_of(staffed)
            return None
        if related is Edition:
            if db_field.name in self.visible_edition_fields:
                # A link to another edition may point to any edition the user can see.
                return permissions.editions_visible_to(request.user).select_related("course")
            return editions_for_admin(request)
        lookup = permissions.edition_lookup(related)
        if lookup is None or request.user.is_superuser:
            return None
        staffed = permissions.editions_staffed_by(request.user)
        return related._default_manager.filter(**{f"{lookup}__in": staffed})

    def edition_zone(self, request) -> str | None:
        """The time zone of the editions the user manages, when they share one: the admin's
        times are shown in it (a 23:59 Brussels hand-in reads 23:59, not 10:59 p.m.)."""
        zones = set(editions_for_admin(request).values_list("timezone", flat=True)[:2])
        return zones.pop() if len(zones) == 1 else None

    def _in_edition_zone(self, request, view, *args, **kwargs):
        zone = self.edition_zone(request)
        if zone is None:
            return view(request, *args, **kwargs)
        with timezone.override(zone):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response

    def changelist_view(self, request, extra_context=None):
        return self._in_edition_zone(request, super().changelist_view, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._in_edition_zone(
            request, super().changeform_view, object_id, form_url, extra_context
        )

    def get_list_filter(self, request):
        # A plain relation filter lists every related row of the site; offer only those of
        # the rows this user sees.
        return [self._scoped_filter(spec) for spec in super().get_list_filter(request)]

    def _scoped_filter(self, spec):
        if isinstance(spec, str) and get_fields_from_path(self.model, spec)[-1].is_relation:
            return (spec, admin.RelatedOnlyFieldListFilter)
        return spec


class EditionScopedAdmin(EditionScoped, admin.ModelAdmin):
    """A model admin scoped to the editions a staff user teaches (see ``EditionScoped``)."""


class ServiceErrorsAsMessages(AdminBase):
    """For admins whose saves and deletes call services: a rule only a service knows (a
    ``ValidationError`` it raises) is shown as an error message. The admin's view runs in a
    transaction, which the error rolls back: nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.get_full_path())


class SavedThroughServices(ServiceErrorsAsMessages):
    """Saves and deletes of this admin and of its inlines go through services
    (``courses.services.content_save`` / ``content_delete``: the model's rules, the iCalendar
    sequence, the cache invalidation); an admin of a model with its own service overrides
    ``save_through_service``."""

    def save_through_service(self, request, obj, change: bool) -> None:
        services.content_save(instance=obj)

    def delete_through_service(self, request, obj) -> None:
        services.content_delete(instance=obj)

    def save_model(self, request, obj, form, change):
        self.save_through_service(request, obj, change)

    def delete_model(self, request, obj):
        self.delete_through_service(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_through_service(request, obj)

    def save_formset(self, request, form, formset, change):
        # commit=False fills formset.new_objects / changed_objects / deleted_objects (the
        # admin's change message reads them) and leaves the writes to the services.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.content_delete(instance=obj)
        for obj in instances:
            services.content_save(instance=obj)
        formset.save_m2m()


class ReadOnlyAdminMixin:
    """A record nobody edits in the admin (a history, a computed result): view only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Courses and editions -------------------------------------------------------------------


@admin.register(Course)
class CourseAdmin(SavedThroughServices, admin.ModelAdmin):
    list_display = ["code", "title", "institution"]
    search_fields = ["code", "title"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        staffed = permissions.editions_staffed_by(request.user)
        return queryset.filter(editions__in=staffed).distinct()

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        # A course spans editions its staff may not teach; deleting it is a site decision.
        return request.user.is_superuser


class _LoadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that renders its selected option from the row's loaded instance.

    The stock widget runs one query per row to label the selected option; an inline whose
    rows select_related() the target needs none.
    """

    loaded = None  # set per form: the instance the field currently points to

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if self.loaded is None or selected != {str(self.loaded.pk)}:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        label = self.choices.field.label_from_instance(self.loaded)
        options.append(self.create_option(name, self.loaded.pk, label, True, len(options)))
        return [(None, options, 0)]


class StaffMembershipForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["user"].widget
        widget = getattr(widget, "widget", widget)  # inside the admin's related-field wrapper
        if isinstance(widget, _LoadedAutocompleteSelect) and self.instance.user_id:
            widget.loaded = self.instance.user


class MembershipInline(admin.TabularInline):
    """The teaching staff listed on the course page. Students join with the enrolment code."""

    model = Membership
    form = StaffMembershipForm
    verbose_name = "staff member"
    verbose_name_plural = "Teaching staff (shown on the course page)"
    fields = ["role", "user", "display_name", "position"]
    extra = 0

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(role__in=STAFF_ROLES)
            .select_related("user", "edition__course")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["widget"] = _LoadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(r.value, r.label) for r in STAFF_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class EditionInfoInline(admin.TabularInline):
    model = EditionInfo
    fields = ["label", "value", "position"]
    extra = 0


class EditionSectionInline(admin.StackedInline):
    model = EditionSection
    fields = ["kind", "heading", "body", "position"]
    extra = 0


class PreviousEditionInline(EditionScoped, admin.TabularInline):
    model = PreviousEdition
    formfield_overrides = URL_FIELDS_HTTPS
    fk_name = "edition"
    fields = ["label", "url", "linked_edition", "position"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("linked_edition__course")


# --- Agenda items ---------------------------------------------------------------------------


class LectureLinkInline(admin.TabularInline):
    model = LectureLink
    formfield_overrides = URL_FIELDS_HTTPS
    fields = ["kind", "label", "url", "position"]
    extra = 1


@admin.register(Lecture)
class LectureAdmin(SavedThroughServices, EditionScopedAdmin):
    list_display = ["__str__", "edition", "date", "kind", "note", "archived", "position"]
    list_display_links = ["__str__"]
    list_select_related = ["edition__course"]
    list_filter = [EditionListFilter, "kind", "archived"]
    search_fields = ["title", "edition__slug"]
    autocomplete_fields = ["edition"]
    fields = ["edition", "date", "position", "kind", "number", "title", "note", "archived"]
    inlines = [LectureLinkInline]
    ordering = ["-edition__slug", "date", "position", "id"]


class EventLinkInline(admin.TabularInline):
    model = EventLink
    formfield_overrides = URL_FIELDS_HTTPS
    fields = ["kind", "label", "url", "position"]
    extra = 0


@admin.register(Event)
class EventAdmin(SavedThroughServices, EditionScopedAdmin):
    list_display = ["__str__", "edition", "date", "speaker", "position"]
    list_display_links = ["__str__"]
    list_select_related = ["edition__course"]
    list_filter = [EditionListFilter]
    search_fields = ["title", "speaker", "edition__slug"]
    autocomplete_fields = ["edition"]
    fields = ["edition", "date", "starts_at_time", "position", "label", "title", "speaker"]
    inlines = [EventLinkInline]
    ordering = ["-edition__slug", "date", "position", "id"]
