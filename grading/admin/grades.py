"""The TA's grading in the admin: the "to grade" list (the latest version of each group's
work) and the grade form with its rubric rows and individual marks, saved by
``services.grade_save`` and ``services.grade_override_set`` (the history records them)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from accounts.models import User
from courses.admin import (
    STAFF,
    EditionScopedAdmin,
    ReadOnlyAdminMixin,
    ServiceErrorsAsMessages,
)
from submissions.models import Submission

from .. import services
from ..models import (
    Grade,
    GradeOverride,
    RubricCriterion,
    SubmissionToGrade,
)
from ._shared import (
    VIA,
    AssignmentFilter,
    GraderFilter,
    GradeStatusFilter,
    file_link,
    format_zoned_short,
    recompute_from_assignments,
    release_assignments,
    spread_evenly,
)


@admin.register(SubmissionToGrade)
class SubmissionToGradeAdmin(ReadOnlyAdminMixin, EditionScopedAdmin):
    """The latest version of each group's work, with its grade (if any) and a link to grade."""

    edition_path = "assignment__edition"
    list_display = [
        "assignment",
        "group",
        "handed_in",
        "grader_name",
        "score",
        "status",
        "grade_link",
    ]
    list_filter = [AssignmentFilter, GradeStatusFilter, GraderFilter]
    list_select_related = ["assignment__edition", "group"]
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
        return file_link(obj.pk)

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

    @admin.display(description="handed in", ordering="submitted_at")
    def handed_in(self, obj):
        return format_html(
            "v{} · {}", obj.version, format_zoned_short(obj.submitted_at, obj.assignment.edition)
        )

    @admin.display(description="grade")
    def grade_link(self, obj):
        return format_html(
            '<a href="{}">grade</a> · <a href="{}">form</a> · {}',
            reverse("grading-admin:workspace", args=[obj.pk]),
            self._form_url(obj),
            file_link(obj.pk),
        )

    def _form_url(self, obj):
        if obj.grade_id:
            url = reverse("admin:grading_grade_change", args=[obj.grade_id])
        else:
            url = (
                reverse("admin:grading_grade_add")
                + "?"
                + urlencode({"assignment": obj.assignment_id, "group": obj.group_id})
            )
        return url


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
        cleaned = super().clean() or {}
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
class GradeAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
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
        "workspace",
    ]
    list_filter = [AssignmentFilter, "status", GraderFilter, ("score", admin.EmptyFieldListFilter)]
    list_select_related = ["assignment__edition", "group", "grader", "submission"]
    search_fields = ["group__name"]
    readonly_fields = ["status", "released", "submission_link", "workspace"]
    actions = [spread_evenly, release_assignments, recompute_from_assignments]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # members are known once graded

    @admin.display(description="version")
    def version(self, obj):
        return obj.submission.version

    @admin.display(description="released at")
    def released(self, obj):
        return format_zoned_short(obj.released_at, obj.assignment.edition) if obj.pk else "—"

    @admin.display(description="grade in")
    def workspace(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">workspace</a> · <a href="{}">queue</a>',
            reverse("grading-admin:workspace", args=[obj.submission_id]),
            reverse("grading-admin:queue", args=[obj.assignment_id]),
        )

    def get_changeform_initial_data(self, request):
        # The grader defaults to the person grading.
        return {"grader": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description="file")
    def download(self, obj):
        return file_link(obj.submission_id)

    @admin.display(description="version graded")
    def submission_link(self, obj):
        if not obj.pk:
            return "the group's latest version"
        return format_html("version {} — {}", obj.submission.version, file_link(obj.submission_id))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "assignment", "group"]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        form = self._get_form_for_get_fields(request, obj)  # type: ignore[attr-defined]
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
