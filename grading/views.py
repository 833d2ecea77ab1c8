"""Grade pages: a student's released grades, final-grade breakdown and what-if simulator;
the staff grade table with distributions, the CSV export and the exam-mark import.
Server-rendered, no JavaScript; each page runs a fixed number of queries."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config import csv_safe
from config.errors import ApplicationError
from courses import permissions

from . import engine, selectors, services
from .forms import ExamImportForm, WhatIfForm
from .models import MarkChange, SchemeComponent


@login_required
def mine(request, slug):
    """A student's released grades, final-grade breakdown and what-if simulator."""
    edition = permissions.edition_get_for_student(slug=slug, user=request.user)
    view = selectors.student_view(edition=edition, student=request.user)
    form = None
    what_if = None
    if view.result is not None and view.loaded is not None:
        pending = [
            (view.loaded.engine.component(r.key), r.handed_in is None and _optional(view, r.key))
            for r in view.result.components
            if r.pending
        ]
        if pending:
            form = WhatIfForm(request.GET or None, pending=pending)
            if request.GET and form.is_valid() and form.what_if():
                what_if = engine.simulate(view.loaded.engine, view.marks, form.what_if())
    return render(
        request,
        "grading/mine.html",
        {"edition": edition, "view": view, "form": form, "what_if": what_if},
    )


@login_required
@require_POST
def regrade_request(request, slug, grade_id):
    """A member of the group asks for a regrade from the grades page."""
    edition = permissions.edition_get_for_student(slug=slug, user=request.user)
    grade = selectors.grade_get_for_member(grade_id=grade_id, user=request.user)
    if grade.assignment.edition_id != edition.pk:
        raise Http404("No such grade.")
    try:
        services.regrade_request_create(
            actor=request.user, grade=grade, message=request.POST.get("message", "")
        )
    except (ValidationError, ApplicationError) as exc:
        text = exc.message if isinstance(exc, ApplicationError) else " ".join(exc.messages)
        messages.error(request, text)
    else:
        messages.success(request, _("Your regrade request is sent to the graders."))
    return redirect("grading:mine", slug=edition.slug)


def _optional(view, key: str) -> bool:
    return view.loaded.engine.component(key).optional


def _table(edition):
    loaded = selectors.scheme_load(edition=edition)
    finals = list(selectors.final_grades_of_edition(edition=edition))
    components = loaded.components if loaded else []
    rows = []
    for final in finals:
        by_key = {c["key"]: c for c in final.breakdown.get("components", [])}
        rows.append({"final": final, "cells": [by_key.get(c.key) for c in components]})
    return loaded, components, rows


@login_required
def staff_table(request, slug):
    """Staff: every student's final grade and breakdown, every group grade (drafts labelled)
    and the distributions."""
    edition = permissions.edition_get_for_staff(slug=slug, user=request.user)
    loaded, components, rows = _table(edition)
    grades = list(selectors.grades_of_edition(edition=edition))
    charts = []
    by_assignment: dict[int, list] = {}
    for grade in grades:
        by_assignment.setdefault(grade.assignment_id, []).append(grade)
    for assignment_grades in by_assignment.values():
        assignment = assignment_grades[0].assignment
        scores = [g.score for g in assignment_grades if g.score is not None]
        drafts = sum(1 for g in assignment_grades if g.score is not None and not g.is_released)
        charts.append(
            {
                "title": assignment.title,
                "note": f"{len(scores)} grades, {drafts} of them drafts (not released)",
                "bins": selectors.histogram(scores, maximum=assignment.max_score),
            }
        )
    finals = [r["final"].final for r in rows if r["final"].final is not None]
    if loaded is not None:
        charts.append(
            {
                "title": "Final grade",
                "note": f"{len(finals)} students with a final grade (released marks only)",
                "bins": selectors.histogram(finals, maximum=loaded.model.scale),
            }
        )
    for chart in charts:
        top = max((b["count"] for b in chart["bins"]), default=0) or 1
        for b in chart["bins"]:
            b["percent"] = round(100 * b["count"] / top)
    return render(
        request,
        "grading/staff_table.html",
        {
            "edition": edition,
            "loaded": loaded,
            "components": components,
            "rows": rows,
            "grades": grades,
            "charts": charts,
        },
    )


@login_required
@require_POST
def recompute(request, slug):
    edition = permissions.edition_get_for_staff(slug=slug, user=request.user)
    services.final_grades_recompute_queue(edition_id=edition.pk)
    messages.success(request, "Final grades are being recomputed.")
    return redirect("grading:staff", slug=slug)


def _cell(component: dict | None) -> str:
    if component is None:
        return ""
    if component["handed_in"] is False:
        return "not handed in"
    if component["mark"] is None:
        return "pending"
    return component["mark"]


@login_required
def export_csv(request, slug):
    """Staff: one line per student — student ID, name, e-mail, each component's released
    mark, the final grade and the admission."""
    edition = permissions.edition_get_for_staff(slug=slug, user=request.user)
    _, components, rows = _table(edition)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{edition.slug}-grades.csv"'
    writer = csv_safe.writer(response)  # cells that would be formulas are neutralised
    writer.writerow(
        ["student_id", "name", "email", *[c.name for c in components], "final", "admitted"]
    )
    for row in rows:
        final = row["final"]
        student = final.student
        writer.writerow(
            [
                student.student_id,
                student.get_full_name(),
                student.email,
                *[_cell(cell) for cell in row["cells"]],
                "" if final.final is None else f"{final.final}",
                "yes" if final.admitted else "no",
            ]
        )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def exam_import(request, slug):
    """Staff: import oral-exam marks from CSV; any wrong row and nothing is imported."""
    edition = permissions.edition_get_for_staff(slug=slug, user=request.user)
    loaded = selectors.scheme_load(edition=edition)
    scheme = loaded.model if loaded else None
    form = ExamImportForm(request.POST or None, request.FILES or None, scheme=scheme)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            component: SchemeComponent = form.cleaned_data["component"]
            report = services.exam_marks_import_csv(
                actor=request.user,
                component=component,
                text=form.cleaned_data["file"],
                via=MarkChange.Via.CSV,
            )
            if report.ok:
                messages.success(
                    request,
                    f"{report.imported} marks imported for {component.name}"
                    f" ({report.unchanged} unchanged).",
                )
                return redirect("grading:exam-import", slug=slug)
        status = 400
    return render(
        request,
        "grading/exam_import.html",
        {"edition": edition, "form": form, "report": report, "scheme": scheme},
        status=status,
    )
