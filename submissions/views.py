"""Student pages: dashboard, enrolment, group, assignment with upload form, receipts,
downloads, profile (tokens, calendar feed), and the staff receipt check. No JavaScript."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as account_services
from config import storage
from config.errors import ApplicationError
from config.uploads import client_file_name
from courses import permissions
from courses import services as course_services

from . import (
    idempotency,
    invite_services,
    preview_services,
    receipts,
    sections,
    selectors,
    services,
)
from .forms import (
    EnrolmentForm,
    GroupCreateForm,
    GroupInviteForm,
    GroupJoinForm,
    ProfileForm,
    ReceiptVerifyForm,
    SubmissionForm,
)
from .models import CalendarFeedToken

ACCEPT = {"pdf": ".pdf,application/pdf", "notebook": ".ipynb", "zip": ".zip,application/zip"}


def _messages_from(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@login_required
def home(request):
    memberships = selectors.memberships_of(user=request.user)
    slugs = {m.edition.slug for m in memberships}
    if len(slugs) == 1:
        return redirect("submissions:dashboard", slug=slugs.pop())
    teaching = [m for m in memberships if m.role != "student"]
    taught = {m.edition_id for m in teaching}
    studying = [m for m in memberships if m.role == "student" and m.edition_id not in taught]
    return render(
        request,
        "submissions/home.html",
        {
            "teaching": teaching,
            "studying": studying,
            # Staff join editions through the admin, not with a student's enrolment code.
            "form": None if teaching else EnrolmentForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = course_services.enrolment_join(
                user=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            form.add_error("code", exc.message_dict.get("code", exc.messages))
        else:
            messages.success(
                request, _("You are enrolled in %(edition)s.") % {"edition": membership.edition}
            )
            return redirect("submissions:dashboard", slug=membership.edition.slug)
    return render(
        request, "submissions/enrol.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def dashboard(request, slug):
    board = selectors.dashboard_for_user(user=request.user, slug=slug)
    if board.role != "student":
        # Staff get their own home: work to do and the admin pages, never the group UI.
        overview = selectors.staff_overview(edition=board.edition)
        rows = [(row, overview.handed_in.get(row.assignment_id, 0)) for row in board.standing.rows]
        return render(
            request,
            "submissions/staff_dashboard.html",
            {
                "edition": board.edition,
                "role": board.role,
                "rows": rows,
                "overview": overview,
                "upcoming": board.upcoming,
            },
        )
    return render(
        request,
        "submissions/dashboard.html",
        {
            "edition": board.edition,
            "role": board.role,
            "standing": board.standing,
            "upcoming": board.upcoming,
            "viewer_tz": request.user.time_zone or None,
        },
    )


def _group_action(request, *, edition, action: str, forms_: dict) -> str | None:
    """Runs one group action; returns the success message, or None when a form is invalid."""
    if action == "create":
        forms_["create"] = form = GroupCreateForm(request.POST, prefix="create")
        if not form.is_valid():
            return None
        services.group_create(user=request.user, edition=edition, name=form.cleaned_data["name"])
        return _("Group created. Invite your classmates below.")
    if action == "join":
        forms_["join"] = join = GroupJoinForm(request.POST, prefix="join")
        if not join.is_valid():
            return None
        joined = services.group_join(
            user=request.user, edition=edition, code=join.cleaned_data["code"]
        )
        return _("You joined %(group)s.") % {"group": joined.name}
    if action == "invite":
        forms_["invite"] = invite_form = GroupInviteForm(request.POST, prefix="invite")
        if not invite_form.is_valid():
            return None
        invite = invite_services.group_invite(
            actor=request.user, edition=edition, who=invite_form.cleaned_data["who"]
        )
        return _("%(name)s is invited; they accept or decline on their group page.") % {
            "name": invite.invitee
        }
    if action in ("accept", "decline"):
        invite_id = int(request.POST.get("invite") or 0)
        if action == "accept":
            group = invite_services.group_invite_accept(user=request.user, invite_id=invite_id)
            return _("You joined %(group)s.") % {"group": group.name}
        invite_services.group_invite_decline(user=request.user, invite_id=invite_id)
        return _("Invitation declined.")
    if action == "leave":
        if request.POST.get("confirm") != "yes":
            raise ValidationError(_("Confirm that you want to leave the group."))
        services.group_leave(user=request.user, edition=edition)
        return _("You left the group.")
    raise ValidationError(_("Unknown action."))


@login_required
@require_http_methods(["GET", "POST"])
def group_page(request, slug):
    edition, role, _membership = permissions.edition_get_for_member(slug=slug, user=request.user)
    group = selectors.group_of(user=request.user, edition=edition)
    forms_ = {
        "create": GroupCreateForm(prefix="create"),
        "join": GroupJoinForm(prefix="join"),
        "invite": GroupInviteForm(prefix="invite"),
    }
    status = 200
    if request.method == "POST":
        try:
            done = _group_action(
                request, edition=edition, action=request.POST.get("action", ""), forms_=forms_
            )
        except ValidationError as exc:
            field_errors = getattr(exc, "error_dict", None)
            target = forms_.get(request.POST.get("action", ""))
            if field_errors and target is not None and target.is_bound:
                for name, errors in field_errors.items():
                    target.add_error(name if name in target.fields else None, errors)
            else:
                for message in _messages_from(exc):
                    messages.error(request, message)
        else:
            if done is not None:
                messages.success(request, done)
                return redirect("submissions:group", slug=slug)
        status = 400
    handed_in = 0
    if group is not None:
        group = selectors.group_with_members(group=group)
        handed_in = selectors.has_handed_in(group=group)
    assignments = list(edition.assignments.order_by("due_date", "pk"))
    return render(
        request,
        "submissions/group.html",
        {
            "edition": edition,
            "role": role,
            "group": group,
            "create_form": forms_["create"],
            "join_form": forms_["join"],
            "invite_form": forms_["invite"],
            "invites_received": list(
                selectors.invites_received(user=request.user, edition=edition)
            ),
            "invites_sent": list(selectors.invites_sent(group=group)) if group else [],
            "confirm_leave": group is not None and "leave" in request.GET,
            "handed_in": handed_in,
            "rules": [(a, selectors.group_rule_text(a)) for a in assignments],
            "locked": services.groups_locked(edition),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_page(request, pk):
    assignment = selectors.assignment_get_for_user(assignment_id=pk, user=request.user)
    edition = assignment.edition
    role = permissions.member_role_or_404(user=request.user, edition=edition)
    group = selectors.group_of(user=request.user, edition=edition)
    papers = list(assignment.papers.all())
    accept = ",".join(ACCEPT[k] for k in assignment.accepted_kinds if k in ACCEPT)
    form = SubmissionForm(
        papers=papers, accept=accept, initial={"handin_token": secrets.token_urlsafe(24)}
    )
    status = 200
    headers: dict[str, str] = {}
    receipt = None
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, papers=papers, accept=accept)
        if form.is_valid():
            token = form.cleaned_data.get("handin_token")
            try:
                submission = services.submission_create(
                    user=request.user,
                    assignment=assignment,
                    upload=form.cleaned_data["file"],
                    paper_id=form.cleaned_data.get("paper"),
                    client_name=client_file_name(request, form.cleaned_data["file"]),
                    idempotency_key=f"{idempotency.FORM_PREFIX}{token}" if token else "",
                )
            except ApplicationError as exc:  # refused, already used, storage unavailable
                form.add_error(None, exc.message)
                status = exc.status_code
                headers = exc.headers()
            else:
                if submission.replayed:
                    messages.info(
                        request,
                        f"This form was sent twice: it was handed in once, as version "
                        f"{submission.version}. Your receipt is below.",
                    )
                    url = reverse("submissions:assignment", kwargs={"pk": pk})
                    return redirect(f"{url}?receipt={submission.pk}#receipt")
                if submission.receipt_email_delayed:
                    emailed = _(
                        "The e-mail with your receipt is delayed and will follow; the receipt "
                        "below is valid now."
                    )
                else:
                    emailed = _("It is also e-mailed to your group.")
                messages.success(
                    request,
                    _("Handed in: version %(version)s. Your receipt is below.")
                    % {"version": submission.version}
                    + " "
                    + emailed,
                )
                url = reverse("submissions:assignment", kwargs={"pk": pk})
                return redirect(f"{url}?receipt={submission.pk}#receipt")
        else:
            status = 400
    statuses = {
        s.assignment.pk: s for s in selectors.assignment_statuses(edition=edition, group=group)
    }
    history = (
        list(selectors.submissions_of_group(group=group, assignment=assignment)) if group else []
    )
    receipt_id = request.GET.get("receipt")
    if receipt_id:
        shown = next((s for s in history if str(s.pk) == receipt_id), None)
        if shown is not None:
            receipt = services.submission_receipt(submission=shown)
    response = render(
        request,
        "submissions/assignment.html",
        {
            "edition": edition,
            "assignment": assignment,
            "group": group,
            "status": statuses[assignment.pk],
            "rule": services.deadline_rule_text(
                deadline=statuses[assignment.pk].deadline, edition=edition
            ),
            "form": form,
            "history": history,
            "receipt": receipt,
            "role": role,
            "group_rule": selectors.group_rule_text(assignment),
            "size_refusal": selectors.group_size_refusal(
                assignment=assignment, group_size=len(group.memberships.all())
            )
            if group
            else None,
            "viewer_tz": request.user.time_zone or None,
            "sections": sections.sections_for(
                assignment=assignment, user=request.user, group=group, history=history
            ),
        },
        status=status,
    )
    for name, value in headers.items():  # Retry-After of a refusal that says "later"
        response[name] = value
    return response


@login_required
def receipt_download(request, pk):
    submission = selectors.submission_get_for_user(submission_id=pk, user=request.user)
    receipt = services.submission_receipt(submission=submission)
    response = HttpResponse(receipt.to_json(), content_type="application/json; charset=utf-8")
    name = f"receipt-{submission.assignment_id}-v{submission.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_response(submission) -> FileResponse:
    """The file streamed from the store (disk or bucket) after the caller's permission check:
    never a redirect to the bucket (docs/decisions/0023-object-storage.md)."""
    store = submission.file.storage
    try:
        stream = storage.open_stream(store, submission.file.name)
    except storage.failures() as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise storage.StorageUnavailable(
            "The file store does not answer at the moment: try again in a few minutes."
        ) from exc
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=submission.original_name,
        content_type="application/octet-stream",
    )
    response["Content-Length"] = str(submission.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def file_download(request, pk):
    submission = selectors.submission_get_for_user(submission_id=pk, user=request.user)
    return file_response(submission)


@require_http_methods(["GET", "HEAD"])
def page_image(request, pk, number):
    """One page of a PDF hand-in as PNG, for the staff of its edition; everyone else, and a
    page that does not exist, get the same 404."""
    submission = selectors.submission_get_for_staff(submission_id=pk, user=request.user)
    png = preview_services.submission_page_png(submission=submission, number=number)
    if png is None:
        raise Http404("No such page.")
    response = HttpResponse(png, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "student_id": user.student_id,
            "time_zone": user.time_zone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            account_services.user_profile_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            for message in _messages_from(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("submissions:profile")
    token = user.api_tokens.first()
    feed = CalendarFeedToken.objects.filter(user=user).first()
    feed_url = (
        request.build_absolute_uri(
            reverse("submissions:personal-calendar", kwargs={"token": feed.token})
        )
        if feed
        else None
    )
    return render(
        request,
        "submissions/profile.html",
        {"form": form, "token": token, "feed_url": feed_url},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_action(request):
    action = request.POST.get("action")
    if action == "create-api-token":
        key = services.api_token_rotate(user=request.user)
        messages.success(request, _("New API token: %(key)s — copy it now.") % {"key": key})
    elif action == "revoke-api-token":
        services.api_token_revoke(user=request.user)
        messages.success(request, _("API token revoked."))
    elif action == "create-calendar":
        services.calendar_token_rotate(user=request.user)
        messages.success(request, _("New calendar address created; the old one no longer works."))
    elif action == "revoke-calendar":
        services.calendar_token_revoke(user=request.user)
        messages.success(request, _("Calendar address revoked."))
    else:
        return HttpResponse("Unknown action.", status=400)
    return redirect("submissions:profile")


@login_required
@require_http_methods(["GET", "POST"])
def receipt_verify(request):
    """Staff check a receipt a student shows them."""
    if not permissions.is_staff_somewhere(request.user):
        raise PermissionDenied
    form = ReceiptVerifyForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data.get("receipt")
            text = (
                upload.read(receipts.MAX_RECEIPT_CHARS + 1).decode("utf-8", "replace")
                if upload
                else form.cleaned_data["text"]
            )
            result = services.receipt_verify(text=text, user=request.user)
            # Checked (genuine or not): 200. Not a receipt at all: 400, "Invalid receipt: …".
            status = 400 if result[1].startswith("Invalid receipt") else 200
    return render(
        request, "submissions/verify.html", {"form": form, "result": result}, status=status
    )
