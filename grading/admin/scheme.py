"""The rest of grading in the admin: rubric criteria, exam marks, the grading scheme (saved
whole by ``services.scheme_set``, as every other path saves it), final grades and the mark
history."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from assignments.models import Assignment
from courses import permissions
from courses.admin import (
    STUDENTS,
    EditionScopedAdmin,
    ReadOnlyAdminMixin,
    ServiceErrorsAsMessages,
)

from .. import selectors, services
from ..models import (
    ExamMark,
    FinalGrade,
    GradingScheme,
    MarkChange,
    RubricCriterion,
    SchemeComponent,
)
from ._shared import VIA, AssignmentFilter, recompute


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


class RubricCriterionForm(forms.ModelForm):
    class Meta:
        model = RubricCriterion
        fields = ["assignment", "name", "max_points", "position"]

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("assignment") and cleaned.get("max_points"):
            services.rubric_criterion_check(
                assignment=cleaned["assignment"],
                max_points=cleaned["max_points"],
                criterion_pk=self.instance.pk,
            )
        return cleaned


@admin.register(RubricCriterion)
class RubricCriterionAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
    """One criterion at a time, through the services: refused once grades use the rubric,
    or when the maxima would pass the max score; a rubric still short of it is pointed out."""

    form = RubricCriterionForm
    edition_path = "assignment__edition"
    list_display = ["assignment", "name", "max_points", "position"]
    list_filter = [AssignmentFilter]
    list_select_related = ["assignment"]
    ordering = ["assignment", "position"]

    def save_model(self, request, obj, form, change):
        services.rubric_criterion_save(criterion=obj)
        missing = selectors.rubric_shortfall(assignment=obj.assignment)
        if missing:
            maximum = obj.assignment.max_score
            self.message_user(
                request,
                f"The criteria of {obj.assignment} add up to {_plain(maximum - missing)} of "
                f"{_plain(maximum)}: add criteria until they reach it.",
                messages.WARNING,
            )

    def has_delete_permission(self, request, obj=None):
        if obj is not None and selectors.rubric_in_use(obj.assignment_id):
            return False  # the rubric is frozen once grades use it
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.rubric_criterion_delete(criterion=obj)

    def delete_queryset(self, request, queryset):
        for criterion in queryset:
            try:
                services.rubric_criterion_delete(criterion=criterion)
            except ValidationError as exc:
                self.message_user(request, f"{criterion}: {' '.join(exc.messages)}", messages.ERROR)


class ExamMarkForm(forms.ModelForm):
    class Meta:
        model = ExamMark
        fields = ["component", "student", "score"]

    def validate_unique(self):
        pass  # exam_mark_set updates the existing mark


@admin.register(ExamMark)
class ExamMarkAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
    user_choices = {"student": STUDENTS}
    form = ExamMarkForm
    list_display = ["student", "student_id", "component", "score", "entered_by", "updated_at"]
    list_filter = ["edition", "component"]
    list_select_related = ["student", "component", "entered_by"]
    search_fields = ["student__email", "student__student_id", "student__last_name"]

    @admin.display(description="student ID")
    def student_id(self, obj):
        return obj.student.student_id

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "component":
            field.queryset = field.queryset.filter(kind=SchemeComponent.Kind.EXAM)
        return field

    def get_readonly_fields(self, request, obj=None):
        return ["component", "student"] if obj else []

    def save_form(self, request, form, change):
        return form.instance

    def save_model(self, request, obj, form, change):
        mark = services.exam_mark_set(
            actor=request.user,
            component=obj.component if change else form.cleaned_data["component"],
            student=obj.student if change else form.cleaned_data["student"],
            score=form.cleaned_data.get("score"),
            via=VIA,
        )
        obj.pk = mark.pk

    def save_related(self, request, form, formsets, change):
        pass  # no relation edited here

    def has_delete_permission(self, request, obj=None):
        return False  # a mark is corrected, or recorded as absent; never silently removed


class SchemeComponentFormSet(forms.BaseInlineFormSet):
    """The whole scheme is checked by the engine's rules before anything is saved, and saved
    whole by ``services.scheme_set`` (see ``GradingSchemeAdmin.save_related``)."""

    def specs(self) -> list[services.ComponentSpec]:
        """The components as the form has them (deleted rows left out), in their order."""
        forms_kept = [
            f
            for f in self.forms
            if f.cleaned_data and not self._should_delete_form(f)  # type: ignore[attr-defined]
        ]
        forms_kept.sort(key=lambda f: f.cleaned_data.get("position") or 0)
        key_of = {f.instance.pk: f.cleaned_data.get("key") for f in forms_kept if f.instance.pk}
        specs = []
        for f in forms_kept:
            data = f.cleaned_data
            target = data.get("transfer_to")
            specs.append(
                services.ComponentSpec(
                    key=data.get("key") or "",
                    name=data.get("name") or "",
                    weight=data.get("weight") or Decimal(0),
                    kind=data.get("kind") or SchemeComponent.Kind.ASSIGNMENT,
                    assignment=data.get("assignment"),
                    optional=bool(data.get("optional")),
                    transfer_to=key_of.get(target.pk, target.key) if target else None,
                    mandatory_for_admission=bool(data.get("mandatory_for_admission")),
                    max_mark=data.get("max_mark") or Decimal(20),
                    pk=f.instance.pk,
                )
            )
        return specs

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        specs = self.specs()
        scheme = self.instance
        if scheme.edition_id is None:
            return  # the scheme's own form is invalid and says why
        problems = services.scheme_problems(
            edition=scheme.edition,
            scale=scheme.scale,
            rounding_step=scheme.rounding_step,
            components=specs,
        )
        if problems:
            raise ValidationError(problems)


class SchemeComponentInline(admin.TabularInline):
    model = SchemeComponent
    formset = SchemeComponentFormSet
    fk_name = "scheme"
    extra = 0
    fields = [
        "position",
        "key",
        "name",
        "weight",
        "kind",
        "assignment",
        "optional",
        "transfer_to",
        "mandatory_for_admission",
        "max_mark",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scheme_id = request.resolver_match.kwargs.get("object_id")
        if db_field.name == "transfer_to":
            kwargs["queryset"] = SchemeComponent.objects.filter(scheme_id=scheme_id or 0)
        elif db_field.name == "assignment":
            kwargs["queryset"] = Assignment.objects.filter(
                edition__in=permissions.editions_staffed_by(request.user),
                **({"edition__grading_scheme__pk": scheme_id} if scheme_id else {}),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.action(description="Recompute the final grades")
def recompute_schemes(modeladmin, request, queryset):
    recompute(modeladmin, request, queryset.values_list("edition_id", flat=True))


@admin.action(description="Release the final grades and exam marks to the students")
def release_finals(modeladmin, request, queryset):
    for scheme in queryset.select_related("edition"):
        n = services.final_grades_release(actor=request.user, edition=scheme.edition)
        modeladmin.message_user(
            request, f"{scheme.edition}: final grades of {n} students released."
        )


@admin.register(GradingScheme)
class GradingSchemeAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
    """The scheme and its components, saved whole by ``services.scheme_set``: the same rules,
    the same history of exam marks and the same recomputation as every other path."""

    list_display = ["edition", "scale", "rounding_step", "final_released_at"]
    list_select_related = ["edition__course"]
    readonly_fields = ["final_released_at"]
    inlines = [SchemeComponentInline]
    actions = [recompute_schemes, release_finals]

    def get_readonly_fields(self, request, obj=None):
        # A scheme belongs to its edition for good (exam marks hang on its components).
        return [*self.readonly_fields, "edition"] if obj is not None else self.readonly_fields

    def delete_model(self, request, obj):
        services.scheme_delete(actor=request.user, scheme=obj, via=VIA)

    def delete_queryset(self, request, queryset):
        for scheme in queryset:
            services.scheme_delete(actor=request.user, scheme=scheme, via=VIA)

    def save_model(self, request, obj, form, change):
        pass  # saved whole, with its components, in save_related

    def save_related(self, request, form, formsets, change):
        (components,) = (f for f in formsets if isinstance(f, SchemeComponentFormSet))
        scheme = services.scheme_set(
            actor=request.user,
            edition=form.instance.edition,
            components=components.specs(),
            scale=form.instance.scale,
            rounding_step=form.instance.rounding_step,
        )
        form.instance.pk = scheme.pk
        # Read by the admin's change message; the service saved the rows.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


@admin.action(description="Recompute the final grades of these editions")
def recompute_finals(modeladmin, request, queryset):
    recompute(modeladmin, request, queryset.values_list("edition_id", flat=True))


@admin.register(FinalGrade)
class FinalGradeAdmin(ReadOnlyAdminMixin, EditionScopedAdmin):
    list_display = [
        "student",
        "student_number",
        "edition",
        "final",
        "admitted",
        "released",
        "computed_at",
    ]
    list_filter = ["edition", "admitted", "released"]
    list_select_related = ["student", "edition__course"]
    search_fields = ["student__email", "student__student_id", "student__last_name"]
    readonly_fields = [
        "edition",
        "student",
        "final",
        "unrounded",
        "provisional",
        "admitted",
        "breakdown",
        "reasons",
        "computed_at",
        "released",
    ]
    actions = [recompute_finals]

    @admin.display(description="student ID")
    def student_number(self, obj):
        return obj.student.student_id


@admin.register(MarkChange)
class MarkChangeAdmin(ReadOnlyAdminMixin, EditionScopedAdmin):
    list_display = ["at", "edition", "actor", "via", "kind", "object_repr", "before", "after"]
    list_filter = ["edition", "via", "kind"]
    list_select_related = ["edition__course", "actor"]
    search_fields = ["object_repr", "actor__email"]
