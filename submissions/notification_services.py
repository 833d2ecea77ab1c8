"""The services Celery runs after hand-ins and deadlines: receipt e-mails, reminders, the
closing bookkeeping (docs/decisions/0009-background-work.md).

Called by tasks (and so by beat on a crontab). Each is idempotent: a task that runs twice,
or after a lost message, does no harm. No e-mail is sent while a row lock or a transaction
is held: the rows to mail are claimed by a short write first (``config/claims.py``), the mail
is sent, and a failure releases the claim for the retry; a task redelivered after its worker
died takes its own claim over, and any claim older than the lease is taken over by the
sweeper (so a receipt is mailed at least once).

Receipts go through an outbox (``ReceiptOutbox``, one row per receipt, written with the
hand-in): each attempt is counted on the row before the mail leaves, and every attempt
carries the row's Message-ID. The one window left is between the SMTP server accepting the
message and the "sent" mark being written (one round trip and one UPDATE): a worker killed
there sends the receipt again when its task is redelivered (or, at the latest, when the
sweeper takes the claim over after ``claims.LEASE``), with the same Message-ID, which mail
clients and servers show as one message. See
docs/decisions/0015-idempotent-hand-ins-and-the-receipt-outbox.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from assignments.models import Assignment
from config import claims

from . import deadlines, receipts
from .models import (
    Extension,
    GroupMembership,
    ReceiptOutbox,
    ReminderSent,
    StudentGroup,
    Submission,
)

logger = logging.getLogger(__name__)

REMINDER_HOURS = (48, 2)


RECEIPT = "receipt_email"  # the claim's columns: receipt_email_claimed_by / _at


def receipt_outbox_row(*, submission: Submission) -> ReceiptOutbox:
    """The outbox row of ``submission``'s receipt e-mail, created if missing (written in the
    hand-in's transaction; rows of hand-ins older than the outbox are created when sent)."""
    outbox, _ = ReceiptOutbox.objects.get_or_create(
        submission=submission,
        defaults={
            "message_id": receipts.message_id(
                submission_id=submission.pk,
                sha256=submission.sha256,
                domain=urlsplit(settings.SITE_URL).hostname or "localhost",
            )
        },
    )
    return outbox


def receipt_email_send(*, submission_id: int, claimant: str | None = None) -> bool:
    """Send the receipt to every member recorded on the submission, once. ``claimant``
    names the caller's claim (the task's id: a redelivered task takes its claim over)."""
    from .services import submission_receipt

    claimant = claimant or claims.token()
    now = timezone.now()
    taken = (
        Submission.objects.filter(pk=submission_id, receipt_emailed_at__isnull=True)
        .filter(claims.claimable(RECEIPT, by=claimant, now=now))
        .update(**claims.claimed(RECEIPT, by=claimant, now=now))
    )
    if not taken:
        return False  # sent already, or being sent by another worker
    mine = Submission.objects.filter(pk=submission_id, receipt_email_claimed_by=claimant)
    try:
        submission = mine.select_related(
            "assignment__edition__course", "group", "submitted_by"
        ).get()
        receipt = submission_receipt(submission=submission)
        recipients = list(submission.members.values_list("email", flat=True))
        outbox = receipt_outbox_row(submission=submission)
        # Counted before the mail leaves (committed: no transaction is open here), so a
        # crash after the SMTP server took it shows as an attempt without a "sent" mark.
        ReceiptOutbox.objects.filter(pk=outbox.pk).update(
            attempts=F("attempts") + 1, last_attempt_at=timezone.now()
        )
        if outbox.attempts:
            logger.warning(
                "Receipt e-mail %s sent again (attempt %d): an earlier attempt may have been "
                "delivered; the same Message-ID marks it as the same message",
                outbox.message_id,
                outbox.attempts + 1,
            )
        message = EmailMessage(
            subject=f"[{submission.assignment.edition.course.code}] Receipt: "
            f"{submission.assignment.title}, version {submission.version}",
            body=(
                f"Your group {submission.group.name} handed in {submission.assignment.title} "
                f"(version {submission.version}).\n\n"
                f"Official time: {receipt.submitted_at_local} ({receipt.time_zone}), "
                f"{receipt.submitted_at_utc} UTC\n"
                f"File: {receipt.file_name}, {receipt.size} bytes\n"
                f"SHA-256: {receipt.sha256}\n\n"
                "The signed receipt is attached. Keep it: staff can verify it.\n"
            ),
            to=recipients,
            headers={"Message-ID": outbox.message_id},
        )
        message.attach(
            f"receipt-{submission.assignment_id}-v{submission.version}.json",
            receipt.to_json(),
            "application/json",
        )
        message.send()
    except BaseException:
        mine.update(**claims.released(RECEIPT))  # for the retry
        raise
    sent_at = timezone.now()
    with transaction.atomic():
        ReceiptOutbox.objects.filter(pk=outbox.pk).update(sent_at=sent_at)
        mine.update(receipt_emailed_at=sent_at)
    return True


PENDING_RECEIPT_GRACE = dt.timedelta(minutes=2)


def pending_receipts_send(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send the receipts not e-mailed yet, oldest first; the ones handed in during the last
    minutes are left to their own queued task."""
    now = now or timezone.now()
    pending = list(
        Submission.objects.filter(
            receipt_emailed_at__isnull=True, submitted_at__lte=now - PENDING_RECEIPT_GRACE
        )
        .filter(claims.claimable(RECEIPT, by="", now=now))
        .order_by("submitted_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in pending if receipt_email_send(submission_id=pk))


# A local date is at most a day ahead of the UTC date (zones span UTC-12 to UTC+14).
_ONE_DAY = dt.timedelta(days=1)


def _latest_deadline(assignment: Assignment) -> dt.datetime:
    """The last instant any group may hand in (the longest extension, the grace period)."""
    latest = deadlines.for_group(assignment)
    for ext in Extension.objects.filter(assignment=assignment):
        latest = max(latest, deadlines.for_group(assignment, ext))
    return latest


def assignments_close_due(*, now: dt.datetime | None = None) -> int:
    """Stamp ``closed_at`` on assignments whose last possible deadline (with the longest
    extension and the grace period) has passed, and clear it on closed ones whose deadline
    moved back into the future (an edit, a new time zone, an extension). Runs any number of
    times with one result; returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    candidates = Assignment.objects.filter(
        closed_at__isnull=True, due_date__lte=(now + _ONE_DAY).date()
    ).select_related("edition")
    for assignment in candidates:
        if _latest_deadline(assignment) <= now:
            closed += Assignment.objects.filter(pk=assignment.pk, closed_at__isnull=True).update(
                closed_at=now
            )
    recent = Assignment.objects.filter(
        closed_at__isnull=False, due_date__gte=(now - _ONE_DAY).date()
    ).select_related("edition")
    for assignment in recent:
        if _latest_deadline(assignment) > now:
            Assignment.objects.filter(pk=assignment.pk).update(closed_at=None)
    return closed


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """E-mail groups that have not handed in when their effective deadline is 48 h or 2 h
    away. Each (assignment, group, lead time) is sent at most once."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(hours=max(REMINDER_HOURS) + 24 * 14)  # longest extension
    sent = 0
    # A window of local dates around the instants (a local date is within a day of UTC's);
    # the exact deadline of each group is checked below.
    assignments = Assignment.objects.filter(
        due_date__lte=(horizon + _ONE_DAY).date(),
        due_date__gte=(now - dt.timedelta(days=14) - _ONE_DAY).date(),
    ).select_related("edition__course")
    for assignment in assignments:
        handed_in = set(
            Submission.objects.filter(assignment=assignment).values_list("group_id", flat=True)
        )
        extensions = {e.group_id: e for e in Extension.objects.filter(assignment=assignment)}
        already = set(
            ReminderSent.objects.filter(assignment=assignment).values_list(
                "group_id", "hours_before"
            )
        )
        members: dict[int, list[str]] = {}
        for group_id, email in GroupMembership.objects.filter(
            edition=assignment.edition
        ).values_list("group_id", "user__email"):
            members.setdefault(group_id, []).append(email)
        messages = []
        for group in StudentGroup.objects.filter(edition=assignment.edition):
            if group.pk in handed_in or not members.get(group.pk):
                continue
            deadline = deadlines.for_group(assignment, extensions.get(group.pk))
            if deadline <= now:
                continue
            # Only the nearest lead time that has been reached (no 48 h reminder at 1 h).
            due = [h for h in REMINDER_HOURS if deadline - now <= dt.timedelta(hours=h)]
            if not due:
                continue
            hours = min(due)
            if (group.pk, hours) in already:
                continue
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(
                        assignment=assignment, group=group, hours_before=hours
                    )
            except IntegrityError:
                continue  # another worker got there first
            rule = deadlines.describe(deadline=deadline, tz_name=assignment.edition.timezone)
            messages.append(
                (
                    f"[{assignment.edition.course.code}] {assignment.title} is due in less than "
                    f"{hours} hours",
                    f"Your group {group.name} has not handed in {assignment.title} yet.\n"
                    f"It is {rule}.\n",
                    settings.DEFAULT_FROM_EMAIL,
                    members[group.pk],
                )
            )
        if messages:
            sent += send_mass_mail(messages, fail_silently=False)
    return sent
