"""Staff tools for groups, extensions, proposal reviews and submissions.

Every save goes through ``services``: group changes are recorded, and a submission added
here passes the same deadline and file checks as the web form and the API.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from accounts.models import User
from config.uploads import client_file_name
from courses import permissions
from courses.admin import EditionScopedAdmin, ReadOnlyAdminMixin, ServiceErrorsAsMessages

from . import services
from .errors import SubmissionRefused
from .models import (
    Extension,
    GroupChange,
    GroupMembership,
    ProposalReview,
    StudentGroup,
    Submission,
)


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    fields = ["user", "joined_at"]
    readonly_fields = ["joined_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(StudentGroup)
class StudentGroupAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
    list_display = ["name", "edition", "member_count", "join_code"]
    list_filter = ["edition"]
    search_fields = ["name", "memberships__user__email"]
    list_select_related = ["edition__course"]
    inlines = [GroupMembershipInline]
    readonly_fields = ["join_code", "created_at"]

    @admin.display(description="members")
    def member_count(self, obj):
        return obj.memberships.count()

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(n_members=Count("memberships"))

    def save_model(self, request, obj, form, change):
        services.group_save(actor=request.user, group=obj)

    def delete_model(self, request, obj):
        services.group_delete(actor=request.user, group=obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            try:
                services.group_delete(actor=request.user, group=group)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)

    def save_formset(self, request, form, formset, change):
        # Membership changes are recorded through the services, whoever makes them.
        group = form.instance
        try:
            for inline_form in formset.forms:
                if not inline_form.has_changed() and not formset._should_delete_form(inline_form):
                    continue
                instance = inline_form.instance
                if formset._should_delete_form(inline_form):
                    if instance.pk:
                        services.group_member_remove(
                            actor=request.user, group=group, user=instance.user, reason="admin"
                        )
                elif instance.pk is None:
                    services.group_member_add(
                        actor=request.user,
                        group=group,
                        user=inline_form.cleaned_data["user"],
                        reason="admin",
                    )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))


@admin.register(GroupChange)
class GroupChangeAdmin(ReadOnlyAdminMixin, EditionScopedAdmin):
    list_display = ["at", "edition", "group_name", "member", "action", "actor", "detail"]
    list_filter = ["edition", "action"]
    list_select_related = ["edition", "member", "actor"]
    search_fields = ["group_name", "member__email", "actor__email"]


@admin.register(Extension)
class ExtensionAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
    edition_path = "assignment__edition"
    list_display = ["assignment", "group", "days", "hours", "reason", "granted_by", "granted_at"]
    list_filter = ["assignment__edition", "assignment"]
    list_select_related = ["assignment", "group", "granted_by"]
    autocomplete_fields = ["group"]
    readonly_fields = ["granted_by", "granted_at"]

    def save_model(self, request, obj, form, change):
        services.extension_grant(
            actor=request.user,
            assignment=obj.assignment,
            group=obj.group,
            days=obj.days,
            hours=obj.hours,
            reason=obj.reason,
        )

    def delete_model(self, request, obj):
        services.extension_revoke(extension=obj)

    def delete_queryset(self, request, queryset):
        for extension in queryset:
            services.extension_revoke(extension=extension)


@admin.register(ProposalReview)
class ProposalReviewAdmin(ServiceErrorsAsMessages, EditionScopedAdmin):
    edition_path = "assignment__edition"
    list_display = ["assignment", "group", "decision", "reviewer", "reviewed_at"]
    list_filter = ["assignment__edition", "decision"]
    list_select_related = ["assignment", "group", "reviewer"]
    autocomplete_fields = ["group"]
    readonly_fields = ["reviewer", "reviewed_at"]

    def save_model(self, request, obj, form, change):
        services.proposal_review(
            reviewer=request.user,
            assignment=obj.assignment,
            group=obj.group,
            approved=obj.decision == ProposalReview.Decision.APPROVED,
            comment=obj.comment,
        )

    def delete_model(self, request, obj):
        services.proposal_review_delete(review=obj)

    def delete_queryset(self, request, queryset):
        for review in queryset:
            services.proposal_review_delete(review=review)


class SubmissionAddForm(forms.ModelForm):
    """Staff hand in on a student's behalf; the same acceptance service decides."""

    student = forms.ModelChoiceField(queryset=User.objects.all(), help_text="A member of the group")
    upload = forms.FileField(label="File", allow_empty_file=True)  # the checks say "empty"

    class Meta:
        model = Submission
        fields = ["assignment", "paper"]


@admin.register(Submission)
class SubmissionAdmin(EditionScopedAdmin):
    edition_path = "assignment__edition"
    list_display = [
        "assignment",
        "group",
        "version",
        "submitted_at",
        "original_name",
        "size",
        "download",
    ]
    list_filter = ["assignment__edition", "assignment", "content_kind"]
    list_select_related = ["assignment", "group"]
    search_fields = ["group__name", "original_name", "sha256"]
    date_hierarchy = "submitted_at"
    readonly_fields = [
        "assignment",
        "group",
        "version",
        "original_name",
        "size",
        "sha256",
        "content_kind",
        "pages",
        "counted_pages",
        "paper",
        "submitted_by",
        "submitted_at",
        "deadline_at",
        "signature",
        "receipt_emailed_at",
        "download",
    ]
    exclude = ["file", "members"]

    @admin.display(description="file")
    def download(self, obj):
        from django.urls import reverse

        if not obj.pk:
            return "—"
        return format_html('<a href="{}">download</a>', reverse("submissions:file", args=[obj.pk]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = SubmissionAddForm
            kwargs["fields"] = ["assignment", "student", "upload", "paper"]
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None or request.user.is_superuser:
            return form
        # Only students of the editions this user teaches: not every account of the site.
        students = User.objects.filter(
            group_memberships__edition__in=permissions.editions_staffed_by(request.user)
        ).distinct()

        class ScopedSubmissionAddForm(form):  # type: ignore[valid-type, misc]
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["student"].queryset = students

        return ScopedSubmissionAddForm

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_exclude(self, request, obj=None):
        return self.exclude if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["assignment", "student", "upload", "paper"]
        return super().get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        return False  # versions are immutable; hand in a new one instead

    def has_delete_permission(self, request, obj=None):
        return False

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        try:
            return services.submission_create(
                user=form.cleaned_data["student"],
                assignment=form.cleaned_data["assignment"],
                upload=form.cleaned_data["upload"],
                paper_id=form.cleaned_data["paper"].pk if form.cleaned_data.get("paper") else None,
                # The name as sent: one Django would cut or strip is refused, as on the page.
                client_name=client_file_name(request, form.cleaned_data["upload"]),
            )
        except SubmissionRefused as exc:
            raise ValidationError(exc.message) from exc

    def save_model(self, request, obj, form, change):
        pass  # created by the service in save_form

    def save_related(self, request, form, formsets, change):
        pass

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            from django.shortcuts import redirect

            return redirect(request.get_full_path())
