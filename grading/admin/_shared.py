"""What the grading admins share: the staff of the user's editions, download links, the
actions on lists of grades and the list filters."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from assignments.models import Assignment
from courses import permissions, timeutils

from .. import services
from ..models import (
    Grade,
    MarkChange,
)

VIA = MarkChange.Via.ADMIN


def staff_users(request):
    return permissions.staff_of(permissions.editions_staffed_by(request.user))


def format_zoned_short(moment, edition) -> str:
    """``moment`` on the edition's wall clock with the zone's abbreviation:
    "2023-03-06 23:59 CET" (a 23:59 Brussels hand-in never reads 10:59 p.m.)."""
    if moment is None:
        return "—"
    local = timeutils.to_local(moment, edition.timezone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def file_link(submission_id):
    return format_html(
        '<a href="{}">download</a>', reverse("submissions:file", args=[submission_id])
    )


# --- actions shared by the grade lists ------------------------------------------------------


def assignments_of(queryset) -> list[Assignment]:
    ids = set(queryset.values_list("assignment_id", flat=True))
    return list(Assignment.objects.filter(pk__in=ids).select_related("edition"))


@admin.action(description="Spread ungraded work evenly over the edition's TAs")
def spread_evenly(modeladmin, request, queryset):
    by_edition: dict[int, list[Assignment]] = {}
    for assignment in assignments_of(queryset):
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
    for assignment in assignments_of(queryset):
        report = services.grade_release(actor=request.user, assignment=assignment, via=VIA)
        modeladmin.message_user(
            request,
            f"{assignment}: {report.released} grades released"
            + (f", {report.not_graded} not graded yet (not released)" if report.not_graded else "")
            + ".",
        )


def recompute(modeladmin, request, edition_ids) -> None:
    for edition_id in sorted(set(edition_ids)):
        services.final_grades_recompute_queue(edition_id=edition_id)
    modeladmin.message_user(request, "Final grades are being recomputed.")


@admin.action(description="Recompute the final grades of these editions")
def recompute_from_assignments(modeladmin, request, queryset):
    recompute(modeladmin, request, queryset.values_list("assignment__edition_id", flat=True))


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
            (str(u.pk), u.display_name) for u in staff_users(request)
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
