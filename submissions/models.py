"""Groups of students, their submissions (every version kept), extensions and proposal
reviews. Groups live here because they exist for handing in work together
(docs/decisions/0003-groups.md)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from assignments.models import Assignment, Paper
from courses.models import STAFF_ROLES, Edition


def _join_code() -> str:
    return secrets.token_urlsafe(8)


class StudentGroup(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    join_code = models.CharField(
        max_length=32, unique=True, default=_join_code, help_text="Classmates join with it"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members: models.ManyToManyField = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="GroupMembership", related_name="student_groups"
    )

    class Meta:
        verbose_name = "group"
        ordering = ["edition", "name"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "name"], name="submissions_group_name"),
        ]

    def __str__(self):
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(StudentGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    # Denormalised from group.edition so that the database itself enforces
    # "one group per student per edition"; services keep it equal to group.edition.
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "user"], name="submissions_one_group_per_student"
            ),
        ]

    def __str__(self):
        return f"{self.user} in {self.group}"


class GroupChange(models.Model):
    """Every change of a group: who did what, to whom, when (docs/decisions/0003-groups.md)."""

    class Action(models.TextChoices):
        CREATED = "created", "created the group"
        JOINED = "joined", "joined"
        LEFT = "left", "left"
        ADDED = "added", "added by staff"
        REMOVED = "removed", "removed by staff"
        DISSOLVED = "dissolved", "group dissolved"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        StudentGroup, on_delete=models.SET_NULL, null=True, related_name="changes"
    )
    group_name = models.CharField(max_length=100)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.member} {self.action} {self.group_name}"
        )


class GroupInvite(models.Model):
    """A member invites an enrolled classmate into their group; the classmate accepts or
    declines inside the app (no code to pass around)."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        ACCEPTED = "accepted", "accepted"
        DECLINED = "declined", "declined"
        WITHDRAWN = "withdrawn", "no longer valid"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(StudentGroup, on_delete=models.CASCADE, related_name="invites")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_invites"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "group invitation"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "invitee"],
                condition=Q(status="pending"),
                name="submissions_one_pending_invite",
            ),
        ]

    def __str__(self):
        return f"{self.invitee} invited to {self.group} ({self.status})"


class Extension(models.Model):
    """More time for one group, in wall-clock terms relative to the assignment's deadline."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    group = models.ForeignKey(StudentGroup, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField(default=0)
    hours = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "group"], name="submissions_one_extension_per_group"
            ),
        ]

    def __str__(self):
        return f"+{self.days} d {self.hours} h for {self.group} on {self.assignment}"


class ProposalReview(models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reviews")
    group = models.ForeignKey(StudentGroup, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    comment = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "group"], name="submissions_one_review_per_group"
            ),
        ]

    def __str__(self):
        return f"{self.group}: {self.get_decision_display()}"


def submission_upload_to(instance: Submission, filename: str) -> str:
    # A name no one can guess; the student's file name is kept in original_name only.
    return f"submissions/{instance.assignment.edition_id}/{secrets.token_urlsafe(32)}"


class SubmissionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Submissions of the user's groups, and all submissions of editions they staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            Q(group__memberships__user=user)
            | Q(
                assignment__edition__memberships__user=user,
                assignment__edition__memberships__role__in=STAFF_ROLES,
            )
        ).distinct()


class Submission(models.Model):
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="submissions")
    group = models.ForeignKey(StudentGroup, on_delete=models.PROTECT, related_name="submissions")
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=submission_upload_to, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_kind = models.CharField(max_length=16)
    pages = models.PositiveIntegerField(null=True, blank=True)
    counted_pages = models.PositiveIntegerField(null=True, blank=True)
    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", help_text="The group's members at that time"
    )
    submitted_at = models.DateTimeField(help_text="Official time: when the group lock was taken")
    deadline_at = models.DateTimeField(help_text="The group's effective deadline at that time")
    signature = models.CharField(max_length=64, help_text="HMAC-SHA256 of the receipt")
    receipt_emailed_at = models.DateTimeField(null=True, blank=True)
    receipt_email_claimed_by = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Who is sending the e-mail"
    )
    receipt_email_claimed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a worker took the e-mail to send"
    )
    idempotency_key = models.CharField(
        max_length=140,
        blank=True,
        editable=False,
        help_text="The key of the request that created it: a retry with it gets this version",
    )

    # Not stored: set by submission_create when the broker could not take the receipt e-mail
    # (the sweeper sends it later), so the page and the API can say so.
    receipt_email_delayed: bool = False
    # Not stored: set when a retried request (same idempotency key) gets this version back.
    replayed: bool = False

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["assignment", "group", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "group", "version"], name="submissions_version_unique"
            ),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="submissions_idempotency_key_once",
            ),
        ]
        indexes = [models.Index(fields=["group", "assignment", "-version"])]

    def __str__(self):
        return f"{self.assignment} — {self.group} v{self.version}"


class SubmissionPreview(models.Model):
    """The page images of a PDF hand-in, rendered once and kept in storage
    (``submissions/previews.py``): where they are, how many, or why there are none."""

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        FAILED = "failed", "No preview"

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="preview", primary_key=True
    )
    status = models.CharField(max_length=16, choices=Status.choices)
    page_count = models.PositiveIntegerField(default=0)
    folder = models.CharField(max_length=200, blank=True, help_text="Storage folder of the PNGs")
    error = models.CharField(max_length=300, blank=True)
    rendered_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"preview of {self.submission_id}: {self.status}"


class ReceiptOutbox(models.Model):
    """The outbox row of a submission's receipt e-mail, written in the hand-in's transaction
    (docs/decisions/0015-idempotent-hand-ins-and-the-receipt-outbox.md). Each sending
    attempt is counted here *before* the mail leaves, and every attempt carries the same
    ``message_id``: a resend after a crash is recognisable as the same message."""

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, primary_key=True, related_name="receipt_outbox"
    )
    message_id = models.CharField(max_length=255, unique=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Sending attempts begun (counted before each one)"
    )
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="The SMTP server took it")

    class Meta:
        verbose_name = "receipt e-mail"

    def __str__(self):
        return f"receipt e-mail {self.message_id}"


class CalendarFeedToken(models.Model):
    """The secret in a student's personal calendar URL; revoking it deletes the row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"calendar feed of {self.user}"


class ReminderSent(models.Model):
    """One reminder per (assignment, group, lead time): makes the beat job idempotent."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(StudentGroup, on_delete=models.CASCADE, related_name="+")
    hours_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "group", "hours_before"], name="submissions_reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.hours_before} h reminder for {self.group} on {self.assignment}"
