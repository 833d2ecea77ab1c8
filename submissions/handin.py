"""Hand-in acceptance: one service decides whether a new version is accepted, and signs its
receipt. The web form, the REST API and the admin all call ``submission_create``
(docs/decisions/0002-deadline-rule.md); ``submissions.services`` re-exports what its callers
import from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from assignments.models import Assignment, Paper
from config import generations, metrics, storage
from config.tasks import enqueue_on_commit
from courses.models import Membership

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
from .locks import lock_group as _lock_group
from .models import Extension, GroupMembership, ProposalReview, StudentGroup, Submission


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
            # The stored bytes are read back and must hash to what the receipt signs.
            upload.seek(0)
            stored_name = storage.save_or_unavailable(
                Submission.file.field.storage,
                Submission.file.field.generate_filename(submission, checked.safe_name),
                upload,
                sha256=checked.sha256,
            )
            submission.file = stored_name
            if found := idempotency.save_once(submission, sha256=sha256):
                storage.delete_quietly(Submission.file.field.storage, stored_name)
                return found
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
            storage.delete_quietly(Submission.file.field.storage, stored_name)
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
