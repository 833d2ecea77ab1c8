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
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as account_services
from config.errors import ApplicationError
from config.uploads import client_file_name
from courses import permissions
from courses import services as course_services

from . import idempotency, preview_services, receipts, selectors, services
from .forms import (
    EnrolmentForm,
    GroupCreateForm,
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
    editions = list(selectors.student_editions(user=request.user))
    if len(editions) == 1:
        return redirect("submissions:dashboard", slug=editions[0].slug)
    return render(request, "submissions/home.html", {"editions": editions, "form": EnrolmentForm()})


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
            messages.success(request, f"You are enrolled in {membership.edition}.")
            return redirect("submissions:dashboard", slug=membership.edition.slug)
    return render(
        request, "submissions/enrol.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def dashboard(request, slug):
    board = selectors.dashboard_for_user(user=request.user, slug=slug)
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


@login_required
@require_http_methods(["GET", "POST"])
def group_page(request, slug):
    edition, _, _ = permissions.edition_get_for_member(slug=slug, user=request.user)
    group = selectors.group_of(user=request.user, edition=edition)
    create_form = GroupCreateForm(prefix="create")
    join_form = GroupJoinForm(prefix="join")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                create_form = GroupCreateForm(request.POST, prefix="create")
                if create_form.is_valid():
                    services.group_create(
                        user=request.user, edition=edition, name=create_form.cleaned_data["name"]
                    )
                    messages.success(request, "Group created. Share its code with your classmates.")
                    return redirect("submissions:group", slug=slug)
            elif action == "join":
                join_form = GroupJoinForm(request.POST, prefix="join")
                if join_form.is_valid():
                    joined = services.group_join(
                        user=request.user, edition=edition, code=join_form.cleaned_data["code"]
                    )
                    messages.success(request, f"You joined {joined.name}.")
                    return redirect("submissions:group", slug=slug)
            elif action == "leave":
                services.group_leave(user=request.user, edition=edition)
                messages.success(request, "You left the group.")
                return redirect("submissions:group", slug=slug)
        except ValidationError as exc:
            for message in _messages_from(exc):
                messages.error(request, message)
        status = 400
    if group is not None:
        group = selectors.group_with_members(group=group)
    return render(
        request,
        "submissions/group.html",
        {
            "edition": edition,
            "group": group,
            "create_form": create_form,
            "join_form": join_form,
            "locked": services.groups_locked(edition),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_page(request, pk):
    assignment = selectors.assignment_get_for_user(assignment_id=pk, user=request.user)
    edition = assignment.edition
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
                    emailed = (
                        "The e-mail with your receipt is delayed and will follow; the receipt "
                        "below is valid now."
                    )
                else:
                    emailed = "It is also e-mailed to your group."
                messages.success(
                    request,
                    f"Handed in: version {submission.version}. Your receipt is below. {emailed}",
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
            "viewer_tz": request.user.time_zone or None,
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
    response = FileResponse(
        submission.file.open("rb"),
        as_attachment=True,
        filename=submission.original_name,
        content_type="application/octet-stream",
    )
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
            messages.success(request, "Profile saved.")
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
        messages.success(request, f"New API token: {key} — copy it now.")
    elif action == "revoke-api-token":
        services.api_token_revoke(user=request.user)
        messages.success(request, "API token revoked.")
    elif action == "create-calendar":
        services.calendar_token_rotate(user=request.user)
        messages.success(request, "New calendar address created; the old one no longer works.")
    elif action == "revoke-calendar":
        services.calendar_token_revoke(user=request.user)
        messages.success(request, "Calendar address revoked.")
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
