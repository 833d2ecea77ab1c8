"""The TA's grading workspace, as views of the Django admin (its login, look and
permissions): the queue of an assignment, the workspace of one hand-in (the work beside the
rubric, one keystroke per rubric item) and the release of an assignment with a preview.

URLs (``grading/admin_urls.py``, mounted under ``/admin/grading/``):
``queue/<assignment_id>/``, ``workspace/<submission_id>/``, ``release/<assignment_id>/``.
Every view is for the staff of the assignment's edition who may change grades; anyone else
gets a 404. Writes go through ``grading.services``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from assignments.admin import AssignmentAdmin
from assignments.models import Assignment
from submissions import selectors as submission_selectors

from .. import queue_selectors, selectors, services
from ..errors import GradeConflict
from ..forms import WorkspaceForm
from ._shared import VIA

PERMISSION = "grading.change_grade"


def _require_grader(request: HttpRequest) -> User:
    """The signed-in staff user (the admin's login is in front) who may change grades."""
    user = request.user
    if not isinstance(user, User) or not user.has_perm(PERMISSION):
        raise Http404("No such page.")
    return user


def _context(request: HttpRequest, title: str, **extra) -> dict:
    # The admin site's context without its app list (``each_context`` builds it, checking
    # every model admin's permissions): these pages show no navigation sidebar, so the work
    # and the rubric have the whole width.
    site = admin.site
    return {
        "site_title": site.site_title,
        "site_header": site.site_header,
        "site_url": site.site_url,
        "has_permission": site.has_permission(request),
        "available_apps": [],
        "is_popup": False,
        "is_nav_sidebar_enabled": False,
        "title": title,
        **extra,
    }


def workspace_url(submission_id: int) -> str:
    return reverse("grading-admin:workspace", args=[submission_id])


def queue_url(assignment_id: int, **query: str) -> str:
    url = reverse("grading-admin:queue", args=[assignment_id])
    return f"{url}?{urlencode(query)}" if query else url


@require_http_methods(["GET", "HEAD"])
def queue_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    user = _require_grader(request)
    assignment = queue_selectors.assignment_get_for_grading(assignment_id=assignment_id, user=user)
    queue = queue_selectors.queue_for(assignment=assignment)
    key = request.GET.get("show")
    if key not in queue_selectors.FILTERS:
        key = None
    first_to_grade = queue.next_to_grade(None)
    return TemplateResponse(
        request,
        "admin/grading/queue.html",
        _context(
            request,
            _("Grading: %(title)s — %(slug)s")
            % {"title": assignment.title, "slug": assignment.edition.slug},
            assignment=assignment,
            edition=assignment.edition,
            queue=queue,
            rows=queue.filtered(key, user=user),
            filters=[
                (k, label, queue_url(assignment.pk, show=k))
                for k, label in queue_selectors.FILTERS.items()
            ],
            current_filter=key,
            all_url=queue_url(assignment.pk),
            first_to_grade=first_to_grade,
        ),
    )


@require_POST
def queue_split_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Split the ungraded work of the assignment evenly among the edition's TAs."""
    user = _require_grader(request)
    assignment = queue_selectors.assignment_get_for_grading(assignment_id=assignment_id, user=user)
    try:
        n = services.grades_assign_evenly(
            actor=user, edition=assignment.edition, assignments=[assignment]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s hand-in assigned to the edition's TAs.",
                "%(n)s hand-ins assigned to the edition's TAs.",
                n,
            )
            % {"n": n},
        )
    return redirect(queue_url(assignment.pk))


def _initial(workspace: queue_selectors.Workspace) -> dict:
    grade = workspace.grade
    initial: dict = {"revision": grade.revision if grade else 0}
    if grade is not None:
        initial["feedback"] = grade.feedback
        initial["score"] = grade.score
    for criterion in workspace.criteria:
        points = workspace.points.get(criterion.pk)
        if points is not None:
            initial[f"points_{criterion.pk}"] = points.normalize()
            initial[f"on_{criterion.pk}"] = points == criterion.max_points
    return initial


def _save(user: User, workspace: queue_selectors.Workspace, form: WorkspaceForm):
    """Save the grade (and answer the open regrade request, and release) in one transaction."""
    submission = workspace.submission
    assignment = submission.assignment
    data = form.cleaned_data
    grade = workspace.grade
    marks: dict = {"rubric": form.rubric()} if form.criteria else {"score": data.get("score")}
    answer = (data.get("regrade_answer") or "").strip()
    with transaction.atomic():
        if workspace.open_regrade is not None and answer:
            services.regrade_request_answer(
                actor=user,
                request=workspace.open_regrade,
                answer=answer,
                feedback=data.get("feedback", ""),
                via=VIA,
                expected_revision=data["revision"],
                **marks,
            )
            saved = workspace.open_regrade.grade
        else:
            first_grader = grade is None or grade.grader_id is None
            saved = services.grade_save(
                actor=user,
                assignment=assignment,
                group=submission.group,
                feedback=data.get("feedback", ""),
                via=VIA,
                expected_revision=data["revision"],
                grader=user if first_grader else None,
                set_grader=first_grader,
                **marks,
            )
        if data.get("action") == "release":
            if saved.score is None:
                raise ValidationError(_("Give every rubric item its points before releasing."))
            services.grade_release(actor=user, assignment=assignment, via=VIA, grade_ids=[saved.pk])
    return saved


@require_http_methods(["GET", "HEAD", "POST"])
def workspace_view(request: HttpRequest, submission_id: int) -> HttpResponse:
    user = _require_grader(request)
    submission = submission_selectors.submission_get_for_staff(
        submission_id=submission_id, user=user
    )
    workspace = queue_selectors.workspace_for(submission=submission, user=user)
    if workspace.row.submission.pk != submission.pk:
        # An older version: grade the latest (a grade is always on the latest version).
        return redirect(workspace_url(workspace.row.submission.pk))
    assignment = submission.assignment
    status = 200
    conflict = False
    if request.method == "POST":
        form = WorkspaceForm(
            request.POST, criteria=workspace.criteria, max_score=assignment.max_score
        )
        if form.is_valid():
            try:
                _save(user, workspace, form)
            except GradeConflict as exc:
                messages.error(request, exc.message)
                status, conflict = 409, True
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 400
            else:
                return _after_save(request, workspace, form.cleaned_data.get("action") or "save")
        else:
            status = 400
        if conflict:
            # Keep what this TA typed; the revision becomes the saved one, so saving again
            # (after reading the other save, shown below) is a deliberate overwrite.
            data = request.POST.copy()
            fresh = queue_selectors.workspace_for(submission=submission, user=user)
            data["revision"] = str(fresh.grade.revision if fresh.grade else 0)
            workspace = fresh
            form = WorkspaceForm(data, criteria=workspace.criteria, max_score=assignment.max_score)
            form.is_valid()
    else:
        form = WorkspaceForm(
            initial=_initial(workspace), criteria=workspace.criteria, max_score=assignment.max_score
        )
    row = workspace.row
    response = TemplateResponse(
        request,
        "admin/grading/workspace.html",
        _context(
            request,
            f"{row.label} — {assignment.title}",
            assignment=assignment,
            edition=assignment.edition,
            ws=workspace,
            row=row,
            form=form,
            conflict=conflict,
            queue_url=queue_url(assignment.pk),
            previous_url=workspace_url(workspace.previous.submission.pk)
            if workspace.previous
            else "",
            next_url=workspace_url(workspace.next.submission.pk) if workspace.next else "",
            members=[] if row.hidden else _members(submission),
        ),
        status=status,
    )
    return response


def _members(submission) -> list[str]:
    return [u.display_name for u in submission.members.all()]


def _after_save(request: HttpRequest, workspace, action: str) -> HttpResponse:
    label = workspace.row.label
    if action == "release":
        messages.success(request, _("%(label)s: saved and released.") % {"label": label})
        return redirect(workspace_url(workspace.submission.pk))
    if action == "next":
        following = workspace.queue.next_to_grade(workspace.index)
        messages.success(request, _("%(label)s: saved.") % {"label": label})
        if following is None:
            messages.info(request, _("Every hand-in of this assignment is graded."))
            return redirect(queue_url(workspace.submission.assignment_id))
        return redirect(workspace_url(following.submission.pk))
    messages.success(request, _("%(label)s: draft saved.") % {"label": label})
    return redirect(workspace_url(workspace.submission.pk))


@require_http_methods(["GET", "HEAD", "POST"])
def release_view(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """What releasing the assignment would do; then release."""
    user = _require_grader(request)
    assignment = queue_selectors.assignment_get_for_grading(assignment_id=assignment_id, user=user)
    if request.method == "POST":
        report = services.grade_release(actor=user, assignment=assignment, via=VIA)
        messages.success(
            request,
            f"{report.released} grades released; the students are e-mailed."
            + (f" {report.not_graded} hand-ins are not graded yet." if report.not_graded else ""),
        )
        return redirect(queue_url(assignment.pk))
    preview = queue_selectors.release_preview(assignment=assignment)
    bins = selectors.histogram(preview["scores"], maximum=assignment.max_score)
    top = max((b["count"] for b in bins), default=0)
    return TemplateResponse(
        request,
        "admin/grading/release.html",
        _context(
            request,
            _("Release the grades of %(title)s — %(slug)s")
            % {"title": assignment.title, "slug": assignment.edition.slug},
            assignment=assignment,
            edition=assignment.edition,
            preview=preview,
            bins=bins,
            top=top or 1,
            queue_url=queue_url(assignment.pk),
        ),
    )


# --- links to the queue from the assignment admin ----------------------------------------
# The assignment admin lives below grading (``assignments``), which may not name grading's
# pages; grading extends it instead, as the layers allow.


def queue_link(assignment_id: int):
    return format_html('<a href="{}">grading queue</a>', queue_url(assignment_id))


class GradingAssignmentAdmin(AssignmentAdmin):
    list_display = [*AssignmentAdmin.list_display, "grading"]
    readonly_fields = [*AssignmentAdmin.readonly_fields, "grading"]
    fieldsets = [
        (name, {**options, "fields": [*options["fields"], "grading"]})
        if name == "Grading"
        else (name, options)
        for name, options in AssignmentAdmin.fieldsets
    ]

    @admin.display(description="grading")
    def grading(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return queue_link(obj.pk)


admin.site.unregister(Assignment)
admin.site.register(Assignment, GradingAssignmentAdmin)
