"""Every write on groups and submissions. One function per use case, each transactional.

The deadline rule lives in ``submission_create`` and nowhere else: the web form, the REST
API and the admin all call it (docs/decisions/0002-deadline-rule.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import services as account_services
from accounts.models import User
from assignments.models import Assignment, Paper
from config import generations, metrics, storage
from config.tasks import enqueue_on_commit
from courses.models import Edition, Membership

from . import (
    check_bounds,
    deadlines,
    filechecks,
    hand_in_metrics,
    idempotency,
    receipts,
    signals,
)
from .errors import DeadlinePassed, NotAllowed, SubmissionRefused
from .models import (
    CalendarFeedToken,
    Extension,
    GroupChange,
    GroupMembership,
    ProposalReview,
    StudentGroup,
    Submission,
)

logger = logging.getLogger(__name__)


# --- groups ---------------------------------------------------------------------------


def groups_locked(edition: Edition, now: dt.datetime | None = None) -> bool:
    """After the lock date only staff change groups."""
    return edition.groups_lock_at is not None and (now or timezone.now()) >= edition.groups_lock_at


def _require_student(user: User, edition: Edition) -> None:
    if not Membership.objects.filter(
        edition=edition, user=user, role=Membership.Role.STUDENT
    ).exists():
        raise ValidationError(_("You are not enrolled as a student in this edition."))


def _log(
    group: StudentGroup,
    *,
    member: User | None,
    actor: User | None,
    action: str,
    detail: str = "",
) -> None:
    GroupChange.objects.create(
        edition_id=group.edition_id,
        group=group,
        group_name=group.name,
        member=member,
        actor=actor,
        action=action,
        detail=detail,
    )


@transaction.atomic
def group_create(*, user: User, edition: Edition, name: str) -> StudentGroup:
    """A student creates a group and becomes its first member."""
    _require_student(user, edition)
    if groups_locked(edition):
        raise ValidationError(_("Groups are locked; ask the course staff to change them."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give your group a name.")})
    if GroupMembership.objects.filter(edition=edition, user=user).exists():
        raise ValidationError(_("You are already in a group in this edition; leave it first."))
    if StudentGroup.objects.filter(edition=edition, name__iexact=name).exists():
        raise ValidationError({"name": _("Another group already has this name.")})
    try:
        with transaction.atomic():
            group = StudentGroup.objects.create(edition=edition, name=name)
            GroupMembership.objects.create(group=group, user=user, edition=edition)
    except IntegrityError as exc:
        raise ValidationError(_("You are already in a group in this edition.")) from exc
    _log(group, member=user, actor=user, action=GroupChange.Action.CREATED)
    generations.invalidate(groups=[group.pk])
    return group


def _add_member(*, group: StudentGroup, user: User) -> GroupMembership:
    """Precondition: the caller holds the group's row lock."""
    edition = group.edition
    if GroupMembership.objects.filter(edition=edition, user=user).exists():
        raise ValidationError(_("Already in a group in this edition; leave it first."))
    if group.memberships.count() >= edition.group_max_size:
        raise ValidationError(
            _("This group is full (%(n)s members at most).") % {"n": edition.group_max_size}
        )
    try:
        with transaction.atomic():
            membership = GroupMembership.objects.create(group=group, user=user, edition=edition)
    except IntegrityError as exc:
        raise ValidationError(_("Already in a group in this edition.")) from exc
    generations.invalidate(groups=[group.pk])
    return membership


def _lock_group(group_id: int) -> StudentGroup:
    return (
        StudentGroup.objects.select_for_update(of=("self",))
        .select_related("edition")
        .get(pk=group_id)
    )


@transaction.atomic
def group_join(*, user: User, code: str, edition: Edition | None = None) -> StudentGroup:
    """A student joins a classmate's group with its code.

    ``edition`` is the edition the student joins in (the group page's): a code of another
    edition's group is refused before anything is written.
    """
    found = StudentGroup.objects.filter(join_code=code.strip()).first()
    if found is None:
        raise ValidationError({"code": _("No group has this code.")})
    if edition is not None and found.edition_id != edition.pk:
        raise ValidationError({"code": _("This code belongs to another edition's group.")})
    group = _lock_group(found.pk)
    _require_student(user, group.edition)
    if groups_locked(group.edition):
        raise ValidationError(_("Groups are locked; ask the course staff to change them."))
    _add_member(group=group, user=user)
    _log(group, member=user, actor=user, action=GroupChange.Action.JOINED)
    return group


@transaction.atomic
def group_leave(*, user: User, edition: Edition) -> None:
    """A student leaves their group before the lock date; an empty group without
    submissions is removed."""
    membership = GroupMembership.objects.filter(edition=edition, user=user).first()
    if membership is None:
        raise ValidationError(_("You are not in a group."))
    if groups_locked(edition):
        raise ValidationError(_("Groups are locked; ask the course staff to change them."))
    group = _lock_group(membership.group_id)
    membership.delete()
    generations.invalidate(groups=[group.pk])
    _log(group, member=user, actor=user, action=GroupChange.Action.LEFT)
    _dissolve_if_empty(group, actor=user)


def _dissolve_if_empty(group: StudentGroup, *, actor: User) -> None:
    if group.memberships.exists() or group.submissions.exists():
        return
    _log(group, member=None, actor=actor, action=GroupChange.Action.DISSOLVED)
    generations.invalidate(groups=[group.pk])
    group.delete()


@transaction.atomic
def group_member_add(*, actor: User, group: StudentGroup, user: User, reason: str = "") -> None:
    """Staff put a student in a group, at any time (even after the lock date)."""
    group = _lock_group(group.pk)
    _require_student(user, group.edition)
    _add_member(group=group, user=user)
    _log(group, member=user, actor=actor, action=GroupChange.Action.ADDED, detail=reason)


@transaction.atomic
def group_member_remove(*, actor: User, group: StudentGroup, user: User, reason: str = "") -> None:
    """Staff take a student out of a group, at any time."""
    group = _lock_group(group.pk)
    deleted, _ = GroupMembership.objects.filter(group=group, user=user).delete()
    if not deleted:
        raise ValidationError(f"{user} is not in {group}.")
    generations.invalidate(groups=[group.pk])
    _log(group, member=user, actor=actor, action=GroupChange.Action.REMOVED, detail=reason)


@transaction.atomic
def group_save(*, actor: User, group: StudentGroup) -> StudentGroup:
    """Staff create a group or rename one (the admin). A group never moves to another
    edition: its members' one-group-per-edition rule is kept on their rows."""
    name = group.name.strip()
    if not name:
        raise ValidationError({"name": "Give the group a name."})
    if group.pk is not None:
        edition_id = (
            StudentGroup.objects.select_for_update()
            .filter(pk=group.pk)
            .values_list("edition_id", flat=True)
            .get()
        )
        if edition_id != group.edition_id:
            raise ValidationError(
                {"edition": "A group stays in its edition; create one in the other edition."}
            )
    taken = StudentGroup.objects.filter(edition_id=group.edition_id, name__iexact=name)
    if taken.exclude(pk=group.pk).exists():
        raise ValidationError({"name": "Another group already has this name."})
    created = group.pk is None
    group.name = name
    group.save()
    if created:
        _log(group, member=None, actor=actor, action=GroupChange.Action.CREATED, detail="staff")
    generations.invalidate(groups=[group.pk])
    return group


@transaction.atomic
def group_delete(*, actor: User, group: StudentGroup) -> None:
    """Staff delete a group that has handed nothing in (its versions keep it otherwise)."""
    group = _lock_group(group.pk)
    if group.submissions.exists():
        raise ValidationError(f"{group} has handed work in: it is kept with its versions.")
    _log(group, member=None, actor=actor, action=GroupChange.Action.DISSOLVED, detail="staff")
    generations.invalidate(groups=[group.pk])
    group.delete()


def groups_of_user_changed(sender: object, *, user_id: int, **kwargs: object) -> None:
    """``accounts.signals.user_changed``: the user's name shows on their groups' pages."""
    generations.invalidate(
        groups=GroupMembership.objects.filter(user_id=user_id).values_list("group_id", flat=True)
    )


# --- extensions and proposal reviews -------------------------------------------------


@transaction.atomic
def extension_grant(
    *,
    actor: User,
    assignment: Assignment,
    group: StudentGroup,
    days: int = 0,
    hours: int = 0,
    reason: str = "",
) -> Extension:
    """Give one group more time, relative to the assignment's deadline in wall-clock terms."""
    if group.edition_id != assignment.edition_id:
        raise ValidationError("The group and the assignment belong to different editions.")
    if days < 0 or hours < 0 or (days == 0 and hours == 0):
        raise ValidationError("An extension is a positive number of days and/or hours.")
    # The group's end time must exist on the clock (not 02:59 on the night of the spring DST
    # change); rows that hold one anyway are read by the rule of decision 0013.
    problem = deadlines.extended_deadline_problem(
        due_at=assignment.due_at,
        tz_name=assignment.edition.timezone,
        extension_days=days,
        extension_hours=hours,
    )
    if problem:
        raise ValidationError({"hours": problem})
    extension, _ = Extension.objects.update_or_create(
        assignment=assignment,
        group=group,
        defaults={"days": days, "hours": hours, "reason": reason, "granted_by": actor},
    )
    # The assignment may have been closed for every group: this one's deadline is later now.
    Assignment.objects.filter(pk=assignment.pk).update(closed_at=None)
    generations.invalidate(groups=[group.pk])
    return extension


@transaction.atomic
def extension_revoke(*, extension: Extension) -> None:
    """Take a group's extension back: its deadline is the assignment's again."""
    group_id = extension.group_id
    extension.delete()
    generations.invalidate(groups=[group_id])


@transaction.atomic
def proposal_review(
    *,
    reviewer: User,
    assignment: Assignment,
    group: StudentGroup,
    approved: bool,
    comment: str = "",
) -> ProposalReview:
    """Staff approve or reject a group's project proposal, with a comment."""
    if assignment.kind != Assignment.Kind.PROJECT_PROPOSAL:
        raise ValidationError("Only project proposals are approved or rejected.")
    if not approved and not comment.strip():
        raise ValidationError({"comment": "Say why the proposal is rejected."})
    review, _ = ProposalReview.objects.update_or_create(
        assignment=assignment,
        group=group,
        defaults={
            "decision": ProposalReview.Decision.APPROVED
            if approved
            else ProposalReview.Decision.REJECTED,
            "comment": comment,
            "reviewer": reviewer,
        },
    )
    generations.invalidate(groups=[group.pk])
    return review


@transaction.atomic
def proposal_review_delete(*, review: ProposalReview) -> None:
    """Withdraw a decision on a proposal: the group is waiting for one again."""
    group_id = review.group_id
    review.delete()
    generations.invalidate(groups=[group_id])


# --- submissions ------------------------------------------------------------------------


def _derive_receipt_key(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hashlib.sha256(b"lectern-receipt:" + raw).digest()


def receipt_key() -> bytes:
    """The key receipts are signed with, derived from ``SECRET_KEY``."""
    return _derive_receipt_key(settings.SECRET_KEY)


def receipt_keys() -> list[bytes]:
    """The keys a receipt may be verified with: the current one, then one per
    ``SECRET_KEY_FALLBACKS`` entry, so a rotated secret keeps old receipts verifiable."""
    return [receipt_key(), *(_derive_receipt_key(k) for k in settings.SECRET_KEY_FALLBACKS)]


def group_effective_deadline(*, assignment: Assignment, group: StudentGroup) -> dt.datetime:
    extension = Extension.objects.filter(assignment=assignment, group=group).first()
    return deadlines.for_group(assignment, extension)


def file_rules_for(assignment: Assignment) -> filechecks.FileRules:
    return filechecks.FileRules(
        accepted=frozenset(filechecks.FileKind(k) for k in assignment.accepted_kinds),
        max_bytes=assignment.max_file_mb * 1024 * 1024,
        max_pages=assignment.max_pages,
        pages_exclude_references=assignment.pages_exclude_references,
    )


def _check_eligibility(
    *, user: User, assignment: Assignment, paper_id: int | str | None
) -> tuple[StudentGroup, Paper | None]:
    edition = assignment.edition
    membership = (
        GroupMembership.objects.filter(edition=edition, user=user).select_related("group").first()
    )
    if membership is None:
        if not Membership.objects.filter(edition=edition, user=user).exists():
            raise NotAllowed(_("You are not enrolled in this edition."))
        raise SubmissionRefused(
            _("You are not in a group yet: create or join one before handing in."), code="no_group"
        )
    group = membership.group
    size = group.memberships.count()
    if size < assignment.min_group_size:
        raise SubmissionRefused(
            ngettext(
                "%(title)s is done in groups of %(low)s to %(high)s; your group has %(n)s member.",
                "%(title)s is done in groups of %(low)s to %(high)s; your group has %(n)s members.",
                size,
            )
            % {
                "title": assignment.title,
                "low": assignment.min_group_size,
                "high": assignment.max_group_size,
                "n": size,
            },
            code="group_too_small",
        )
    if size > assignment.max_group_size:
        raise SubmissionRefused(
            _("%(title)s is done in groups of at most %(high)s; your group has %(n)s members.")
            % {"title": assignment.title, "high": assignment.max_group_size, "n": size},
            code="group_too_large",
        )
    if assignment.opens_at and timezone.now() < assignment.opens_at:
        raise SubmissionRefused(
            _("This assignment does not accept submissions yet."), code="not_open"
        )
    paper = None
    papers = list(assignment.papers.all())
    if papers:
        paper = next((p for p in papers if str(p.pk) == str(paper_id)), None)
        if paper is None:
            raise SubmissionRefused(_("Choose one of the proposed papers."), code="paper_required")
    if assignment.requires_approved_proposal:
        approved = ProposalReview.objects.filter(
            group=group,
            assignment__edition=edition,
            assignment__kind=Assignment.Kind.PROJECT_PROPOSAL,
            decision=ProposalReview.Decision.APPROVED,
        ).exists()
        if not approved:
            raise SubmissionRefused(
                _("Your group's project proposal must be approved before you hand in the project."),
                code="proposal_not_approved",
            )
    return group, paper


@hand_in_metrics.counted
def submission_create(
    *,
    user: User,
    assignment: Assignment,
    upload: UploadedFile,
    paper_id: int | str | None = None,
    client_name: str | None = None,
    idempotency_key: str = "",
) -> Submission:
    """Accept a new version of ``assignment`` from ``user``'s group, or refuse it.

    Accepted iff the time at which this transaction holds the group's lock is strictly before
    the group's effective deadline. A refusal stores nothing: no row, no file.
    ``client_name`` is the file name as the client sent it (``upload.name`` when omitted).
    A retry with the ``idempotency_key`` of an earlier request gets that request's version
    back (``replayed``), or ``IdempotencyKeyReused`` for other bytes (``idempotency.py``).
    """
    sha256 = idempotency.upload_sha256(upload) if idempotency_key else ""
    if idempotency_key and (
        found := idempotency.replay(
            user=user, assignment=assignment, key=idempotency_key, sha256=sha256
        )
    ):
        return found
    group, paper = _check_eligibility(user=user, assignment=assignment, paper_id=paper_id)
    # Not the guard (that is the check under the lock below): a hand-in that arrives after the
    # deadline is refused before its file is parsed, which costs a process. In a deadline rush,
    # late retries would otherwise cost the server as much as hand-ins.
    _refuse_if_late(assignment=assignment, group=group, now=timezone.now())
    rules = file_rules_for(assignment)
    if upload.size is not None and upload.size > rules.max_bytes:
        raise SubmissionRefused(
            _("The file is %(size).1f MB; the limit is %(limit)s MB.")
            % {"size": upload.size / 1048576, "limit": assignment.max_file_mb},
            code="too_large",
        )
    # Bounded (submissions/check_bounds.py): hand-ins per user and minute, checks per user
    # and per process at once (the API has taken this turn already, before reading the
    # upload). The file is in memory only while it holds its turn; it is stored from the
    # upload, which Django streamed to a temporary file.
    size = upload.size if upload.size is not None else rules.max_bytes + 1
    with check_bounds.hand_in_turn(user_id=user.pk, size=size):
        upload.seek(0)
        try:
            with metrics.file_check_timed(rejected=filechecks.FileRejected):
                checked = filechecks.check_file(
                    name=client_name if client_name is not None else (upload.name or ""),
                    data=upload.read(rules.max_bytes + 1),
                    rules=rules,
                )
        except filechecks.FileRejected as exc:
            raise SubmissionRefused(exc.message, code=exc.code) from exc

    stored_name = None
    try:
        with transaction.atomic():
            group = _lock_group(group.pk)
            if idempotency_key and (  # a concurrent retry: the lock made it wait for us
                found := idempotency.replay(
                    user=user, assignment=assignment, key=idempotency_key, sha256=sha256
                )
            ):
                return found
            official_time = timezone.now()  # taken while holding the group lock
            deadline = _refuse_if_late(assignment=assignment, group=group, now=official_time)
            last = Submission.objects.filter(assignment=assignment, group=group).aggregate(
                v=Max("version")
            )["v"]
            submission = Submission(
                assignment=assignment,
                group=group,
                version=(last or 0) + 1,
                original_name=checked.safe_name,
                size=checked.size,
                sha256=checked.sha256,
                content_kind=str(checked.kind),
                pages=checked.pages,
                counted_pages=checked.counted_pages,
                paper=paper,
                submitted_by=user,
                submitted_at=official_time,
                deadline_at=deadline,
                signature="",
                idempotency_key=idempotency_key,
            )
            # A full or unavailable store: 503, and no partial file left (config/storage.py).
            upload.seek(0)
            stored_name = storage.save_or_unavailable(
                Submission.file.field.storage,
                Submission.file.field.generate_filename(submission, checked.safe_name),
                upload,
            )
            submission.file = stored_name
            submission.save()
            submission.members.set(group.members.all())
            submission.signature = submission_receipt(submission=submission).signature
            submission.save(update_fields=["signature"])
            generations.invalidate(groups=[group.pk])
            _enqueue_receipt_email(submission)
            _enqueue_page_previews(submission)
            # The apps above (the autograder) queue their work on commit.
            signals.submission_created.send(sender=Submission, submission=submission)
    except BaseException:
        if stored_name:
            Submission.file.field.storage.delete(stored_name)
        raise
    return submission


def _refuse_if_late(
    *, assignment: Assignment, group: StudentGroup, now: dt.datetime
) -> dt.datetime:
    """The group's effective deadline, or DeadlinePassed if ``now`` is not strictly before it."""
    deadline = group_effective_deadline(assignment=assignment, group=group)
    if not deadlines.is_on_time(official_time=now, deadline=deadline):
        raise DeadlinePassed(
            _("The deadline has passed: %(title)s was %(when)s.")
            % {
                "title": assignment.title,
                "when": deadlines.describe(deadline=deadline, tz_name=assignment.edition.timezone),
            },
            deadline=deadline,
            official_time=now,
        )
    return deadline


def _enqueue_page_previews(submission: Submission) -> None:
    """Render a PDF's pages for the grading workspace after commit (on demand if lost)."""
    from .tasks import render_submission_pages  # tasks import services

    if submission.content_kind == "pdf":
        enqueue_on_commit(render_submission_pages, submission.pk)


def _enqueue_receipt_email(submission: Submission) -> None:
    """Write the receipt e-mail's outbox row and queue the e-mail after commit. If the broker
    is down the hand-in stands: the e-mail is flagged as delayed and the periodic sweeper
    (``send_pending_receipts``) sends it."""
    from .notification_services import receipt_outbox_row
    from .tasks import send_receipt_email  # tasks import services; import here to avoid a cycle

    receipt_outbox_row(submission=submission)
    submission.receipt_email_delayed = False

    def delayed() -> None:
        submission.receipt_email_delayed = True

    enqueue_on_commit(send_receipt_email, submission.pk, delayed=delayed)


def submission_receipt(*, submission: Submission) -> receipts.Receipt:
    assignment = submission.assignment
    edition = assignment.edition
    return receipts.build(
        key=receipt_key(),
        submission_id=submission.pk,
        edition=edition.slug,
        assignment_id=assignment.pk,
        assignment=assignment.title,
        group=submission.group.name,
        version=submission.version,
        file_name=submission.original_name,
        size=submission.size,
        sha256=submission.sha256,
        submitted_at=submission.submitted_at,
        time_zone=edition.timezone,
        submitted_by=submission.submitted_by.email,
    )


def receipt_verify(*, text: str, user: User | None = None) -> tuple[bool, str]:
    """Check a receipt's signature and that it matches a stored submission.

    With ``user``, only submissions that user may read count as stored: staff verify the
    receipts of the editions they teach, and learn nothing about the others'.
    """
    try:
        receipt = receipts.parse(text)
    except receipts.InvalidReceipt as exc:
        return False, str(exc)
    if not receipts.signature_valid(receipt, receipt_keys()):
        return False, (
            "The signature does not match: this receipt was not issued by this server "
            "or was edited."
        )
    submissions = Submission.objects.all() if user is None else Submission.objects.visible_to(user)
    submission = (
        submissions.select_related("assignment__edition", "group", "submitted_by")
        .filter(pk=receipt.submission_id)
        .first()
    )
    if submission is None:
        return False, "The signature is valid but no such submission is stored."
    # Fields only: a receipt signed under a fallback key has another signature.
    if submission_receipt(submission=submission).payload() != receipt.payload():
        return False, "The signature is valid but the stored submission differs from the receipt."
    return True, (
        f"Valid receipt: {receipt.assignment}, group {receipt.group}, version {receipt.version}, "
        f"handed in at {receipt.submitted_at_local} ({receipt.time_zone}), "
        f"SHA-256 {receipt.sha256}."
    )


def deadline_rule_text(*, deadline: dt.datetime, edition: Edition) -> str:
    return deadlines.describe(deadline=deadline, tz_name=edition.timezone)


# --- personal tokens ----------------------------------------------------------


@transaction.atomic
def api_token_rotate(*, user: User) -> str:
    """A new personal API token (returned once, stored hashed); the older ones stop working."""
    account_services.api_tokens_revoke_all(user=user)
    return account_services.api_token_create(user=user, name="profile page").key


@transaction.atomic
def api_token_revoke(*, user: User) -> None:
    account_services.api_tokens_revoke_all(user=user)


@transaction.atomic
def calendar_token_rotate(*, user: User) -> CalendarFeedToken:
    """A new secret address for the personal calendar; the old one stops working."""
    CalendarFeedToken.objects.filter(user=user).delete()
    return CalendarFeedToken.objects.create(user=user, token=secrets.token_urlsafe(32))


@transaction.atomic
def calendar_token_revoke(*, user: User) -> None:
    CalendarFeedToken.objects.filter(user=user).delete()
