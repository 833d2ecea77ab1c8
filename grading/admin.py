"""The TA's workflow in the Django admin: the "to grade" list, the grade form with its rubric
and individual marks, exam marks, the grading scheme, final grades and the mark history.

Staff see only the editions they teach. Every save of a mark goes through ``services`` (so
the history records it); actions call services or enqueue tasks by id.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from accounts.models import User
from assignments.models import Assignment
from courses import permissions
from courses.admin import STAFF, STUDENTS, EditionScopedAdmin, ReadOnlyAdminMixin
from submissions.models import Submission

from . import selectors, services
from .models import (
    ExamMark,
    FinalGrade,
    Grade,
    GradeOverride,
    GradingScheme,
    MarkChange,
    RubricCriterion,
    SchemeComponent,
    SubmissionToGrade,
)

VIA = MarkChange.Via.ADMIN


def _staff_users(request):
    return permissions.staff_of(permissions.editions_staffed_by(request.user))


def _file_link(submission_id):
    return format_html(
        '<a href="{}">download</a>', reverse("submissions:file", args=[submission_id])
    )


# --- actions shared by the grade lists ------------------------------------------------------


def _assignments_of(queryset) -> list[Assignment]:
    ids = set(queryset.values_list("assignment_id", flat=True))
    return list(Assignment.objects.filter(pk__in=ids).select_related("edition"))


@admin.action(description="Spread ungraded work evenly over the edition's TAs")
def spread_evenly(modeladmin, request, queryset):
    by_edition: dict[int, list[Assignment]] = {}
    for assignment in _assignments_of(queryset):
        by_edition.setdefault(assignment.edition_id, []).append(assignment)
    for assignments in by_edition.values():
        try:
            n = services.grades_assign_evenly(
                actor=request.user, edition=assignments[0].edition, assignments=assignments
            )
        except ValidationError as exc:
            modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)
            continue
        modeladmin.message_user(request, f"{assignments[0].edition}: {n} submissions assigned.")


@admin.action(description="Release all graded work of the selected assignments")
def release_assignments(modeladmin, request, queryset):
    for assignment in _assignments_of(queryset):
        report = services.grade_release(actor=request.user, assignment=assignment, via=VIA)
        modeladmin.message_user(
            request,
            f"{assignment}: {report.released} grades released"
            + (f", {report.not_graded} not graded yet (not released)" if report.not_graded else "")
            + ".",
        )


def _enqueue_recompute(modeladmin, request, edition_ids):
    from .tasks import recompute_final_grades

    for edition_id in sorted(set(edition_ids)):
        recompute_final_grades.delay(edition_id)
    modeladmin.message_user(request, "Final grades are being recomputed.")


@admin.action(description="Recompute the final grades of these editions")
def recompute_from_assignments(modeladmin, request, queryset):
    _enqueue_recompute(
        modeladmin, request, queryset.values_list("assignment__edition_id", flat=True)
    )


# --- the "to grade" list --------------------------------------------------------------------


class GradeStatusFilter(admin.SimpleListFilter):
    title = "grade"
    parameter_name = "grade"

    def lookups(self, request, model_admin):
        return [
            ("none", "not graded yet"),
            ("draft", "graded, draft"),
            ("released", "released"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(grade_score__isnull=True)
        if self.value() == "draft":
            return queryset.filter(grade_score__isnull=False, grade_status=Grade.Status.DRAFT)
        if self.value() == "released":
            return queryset.filter(grade_status=Grade.Status.RELEASED)
        return queryset


class GraderFilter(admin.SimpleListFilter):
    title = "grader"
    parameter_name = "grader"

    def lookups(self, request, model_admin):
        return [("me", "me"), ("nobody", "nobody")] + [
            (str(u.pk), u.display_name) for u in _staff_users(request)
        ]

    def queryset(self, request, queryset):
        field = "grader_id" if queryset.model is Grade else "grade_grader"
        value = self.value()
        if value == "me":
            return queryset.filter(**{field: request.user.pk})
        if value == "nobody":
            return queryset.filter(**{f"{field}__isnull": True})
        if value:
            return queryset.filter(**{field: value})
        return queryset


class AssignmentFilter(admin.SimpleListFilter):
    title = "assignment"
    parameter_name = "assignment"

    def lookups(self, request, model_admin):
        return [
            (str(a.pk), f"{a.title} ({a.edition.slug})")
            for a in Assignment.objects.filter(
                edition__in=permissions.editions_staffed_by(request.user)
            ).select_related("edition")
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(assignment_id=self.value())
        return queryset


@admin.register(SubmissionToGrade)
class SubmissionToGradeAdmin(ReadOnlyAdminMixin, EditionScopedAdmin):
    """The latest version of each group's work, with its grade (if any) and a link to grade."""

    edition_path = "assignment__edition"
    list_display = [
        "assignment",
        "group",
        "version",
        "submitted_at",
        "download",
        "grader_name",
        "score",
        "status",
        "grade_link",
    ]
    list_filter = [AssignmentFilter, GradeStatusFilter, GraderFilter]
    list_select_related = ["assignment", "group"]
    search_fields = ["group__name"]
    actions = [spread_evenly, release_assignments, recompute_from_assignments]

    def get_queryset(self, request):
        newest = Submission.objects.filter(
            assignment=OuterRef("assignment"), group=OuterRef("group")
        ).order_by("-version")
        grade = Grade.objects.filter(assignment=OuterRef("assignment"), group=OuterRef("group"))
        return (
            super()
            .get_queryset(request)
            .filter(pk=Subquery(newest.values("pk")[:1]))
            .annotate(
                grade_id=Subquery(grade.values("pk")[:1]),
                grade_score=Subquery(grade.values("score")[:1]),
                grade_status=Subquery(grade.values("status")[:1]),
                grade_grader=Subquery(grade.values("grader_id")[:1]),
                grader_email=Subquery(grade.values("grader__email")[:1]),
            )
        )

    @admin.display(description="file")
    def download(self, obj):
        return _file_link(obj.pk)

    @admin.display(description="grader")
    def grader_name(self, obj):
        return obj.grader_email or "—"

    @admin.display(description="score")
    def score(self, obj):
        if obj.grade_score is None:
            return "—"
        return f"{obj.grade_score.normalize():f} / {obj.assignment.max_score.normalize():f}"

    @admin.display(description="status")
    def status(self, obj):
        if obj.grade_score is None:
            return "not graded yet"
        return "released" if obj.grade_status == Grade.Status.RELEASED else "draft"

    @admin.display(description="grade")
    def grade_link(self, obj):
        if obj.grade_id:
            url = reverse("admin:grading_grade_change", args=[obj.grade_id])
        else:
            url = (
                reverse("admin:grading_grade_add")
                + "?"
                + urlencode({"assignment": obj.assignment_id, "group": obj.group_id})
            )
        return format_html('<a href="{}">grade</a>', url)


# --- the grade form -----------------------------------------------------------------------


class GradeForm(forms.ModelForm):
    """Score, rubric rows (one field per criterion), feedback and grader; saved by
    ``services.grade_save``. With a rubric the score is the sum and is not typed."""

    class Meta:
        model = Grade
        fields = ["assignment", "group", "grader", "score", "feedback"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assignment_id = (
            self.instance.assignment_id
            or self.data.get("assignment")
            or self.initial.get("assignment")
        )
        if not str(assignment_id or "").isdigit():
            assignment_id = None
        self.criteria = list(
            RubricCriterion.objects.filter(assignment_id=assignment_id).order_by("position", "id")
            if assignment_id
            else []
        )
        current = {}
        if self.instance.pk:
            current = dict(self.instance.rubric_scores.values_list("criterion_id", "points"))
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.DecimalField(
                label=f"{criterion.name} (out of {criterion.max_points.normalize():f})",
                required=False,
                min_value=Decimal(0),
                max_value=criterion.max_points,
                decimal_places=2,
                initial=current.get(criterion.pk),
            )
        if self.criteria and "score" in self.fields:
            self.fields["score"].disabled = True
            self.fields["score"].help_text = "The sum of the rubric's points."

    def rubric(self) -> dict[int, Decimal | None]:
        return {c.pk: self.cleaned_data.get(f"criterion_{c.pk}") for c in self.criteria}

    def clean(self):
        cleaned = super().clean()
        assignment, group = cleaned.get("assignment"), cleaned.get("group")
        if assignment and group and group.edition_id != assignment.edition_id:
            raise ValidationError("The group and the assignment belong to different editions.")
        return cleaned

    def validate_unique(self):
        pass  # grade_save updates the existing grade of (assignment, group)


class GradeOverrideForm(forms.ModelForm):
    class Meta:
        model = GradeOverride
        fields = ["student", "score", "reason"]


class GradeOverrideInline(admin.TabularInline):
    model = GradeOverride
    form = GradeOverrideForm
    extra = 0
    fields = ["student", "score", "reason"]
    verbose_name = "individual mark"
    verbose_name_plural = "individual marks (replace the group's mark for one member)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "student":
            grade_id = request.resolver_match.kwargs.get("object_id")
            members = Submission.members.through.objects.filter(
                submission__grades__pk=grade_id
            ).values("user_id")
            kwargs["queryset"] = User.objects.filter(pk__in=members)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Grade)
class GradeAdmin(EditionScopedAdmin):
    edition_path = "assignment__edition"
    user_choices = {"grader": STAFF}
    form = GradeForm
    inlines = [GradeOverrideInline]
    list_display = [
        "assignment",
        "group",
        "score",
        "status",
        "grader",
        "version",
        "download",
        "released_at",
    ]
    list_filter = [AssignmentFilter, "status", GraderFilter, ("score", admin.EmptyFieldListFilter)]
    list_select_related = ["assignment", "group", "grader", "submission"]
    search_fields = ["group__name"]
    readonly_fields = ["status", "released_at", "submission_link"]
    actions = [spread_evenly, release_assignments, recompute_from_assignments]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # members are known once graded

    @admin.display(description="version")
    def version(self, obj):
        return obj.submission.version

    @admin.display(description="file")
    def download(self, obj):
        return _file_link(obj.submission_id)

    @admin.display(description="version graded")
    def submission_link(self, obj):
        if not obj.pk:
            return "the group's latest version"
        return format_html("version {} — {}", obj.submission.version, _file_link(obj.submission_id))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "assignment", "group"]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        form = self._get_form_for_get_fields(request, obj)
        fields = list(form.base_fields) + [f for f in self.get_readonly_fields(request, obj)]
        # The rubric rows are added per instance; list them where the form puts them.
        assignment_id = obj.assignment_id if obj else request.GET.get("assignment")
        if assignment_id and str(assignment_id).isdigit():
            for pk in (
                RubricCriterion.objects.filter(assignment_id=assignment_id)
                .order_by("position", "id")
                .values_list("pk", flat=True)
            ):
                fields.insert(fields.index("score"), f"criterion_{pk}")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def save_form(self, request, form, change):
        return form.instance  # saved by save_model through the service

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        assignment = obj.assignment if change else data["assignment"]
        group = obj.group if change else data["group"]
        grade = services.grade_save(
            actor=request.user,
            assignment=assignment,
            group=group,
            score=None if form.criteria else data.get("score"),
            rubric=form.rubric() if form.criteria else None,
            feedback=data.get("feedback", ""),
            grader=data.get("grader"),
            set_grader=True,
            via=VIA,
        )
        form.instance = grade
        obj.pk = grade.pk

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        grade = form.instance
        # Read by the admin's change message; the service saved each row.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            deleting = formset._should_delete_form(inline_form)
            if not inline_form.has_changed() and not deleting:
                continue
            instance = inline_form.instance
            if deleting:
                if instance.pk:
                    services.grade_override_set(
                        actor=request.user,
                        grade=grade,
                        student=instance.student,
                        score=None,
                        via=VIA,
                    )
                continue
            services.grade_override_set(
                actor=request.user,
                grade=grade,
                student=inline_form.cleaned_data["student"],
                score=inline_form.cleaned_data["score"],
                reason=inline_form.cleaned_data.get("reason", ""),
                via=VIA,
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            # A rule only the service knows (a score above the maximum, nothing handed in…):
            # shown as a message; the transaction is rolled back, nothing is saved.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return redirect(request.get_full_path())


# --- rubric, exam marks, scheme, final grades, history -----------------------------------------


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


class RubricCriterionForm(forms.ModelForm):
    class Meta:
        model = RubricCriterion
        fields = ["assignment", "name", "max_points", "position"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("assignment") and cleaned.get("max_points"):
            services.rubric_criterion_check(
                assignment=cleaned["assignment"],
                max_points=cleaned["max_points"],
                criterion_pk=self.instance.pk,
            )
        return cleaned


@admin.register(RubricCriterion)
class RubricCriterionAdmin(EditionScopedAdmin):
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
class ExamMarkAdmin(EditionScopedAdmin):
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
        try:
            mark = services.exam_mark_set(
                actor=request.user,
                component=obj.component if change else form.cleaned_data["component"],
                student=obj.student if change else form.cleaned_data["student"],
                score=form.cleaned_data.get("score"),
                via=VIA,
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            raise
        obj.pk = mark.pk

    def save_related(self, request, form, formsets, change):
        pass  # no relation edited here

    def has_delete_permission(self, request, obj=None):
        return False  # a mark is corrected, or recorded as absent; never silently removed

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError:
            return redirect(request.get_full_path())


class SchemeComponentFormSet(forms.BaseInlineFormSet):
    """The whole scheme is checked by the engine's rules before anything is saved."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        forms_kept = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
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
                )
            )
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
    _enqueue_recompute(modeladmin, request, queryset.values_list("edition_id", flat=True))


@admin.action(description="Release the final grades and exam marks to the students")
def release_finals(modeladmin, request, queryset):
    for scheme in queryset.select_related("edition"):
        n = services.final_grades_release(actor=request.user, edition=scheme.edition)
        modeladmin.message_user(
            request, f"{scheme.edition}: final grades of {n} students released."
        )


@admin.register(GradingScheme)
class GradingSchemeAdmin(EditionScopedAdmin):
    list_display = ["edition", "scale", "rounding_step", "final_released_at"]
    list_select_related = ["edition__course"]
    readonly_fields = ["final_released_at"]
    inlines = [SchemeComponentInline]
    actions = [recompute_schemes, release_finals]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        edition_id = form.instance.edition_id
        transaction.on_commit(lambda: services._enqueue_recompute(edition_id))


@admin.action(description="Recompute the final grades of these editions")
def recompute_finals(modeladmin, request, queryset):
    _enqueue_recompute(modeladmin, request, queryset.values_list("edition_id", flat=True))


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
