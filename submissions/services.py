"""Every write on groups, extensions, proposal reviews and personal tokens, and receipt
verification. One function per use case, each transactional.

Hand-in acceptance (``submission_create``, where the deadline rule lives, and the receipt it
signs) is in ``handin.py``; it is re-exported here, where its callers import it from.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from assignments.models import Assignment
from config import generations
from courses.models import Edition, Membership

from . import deadlines, receipts

# Hand-in acceptance lives in handin.py; its callers import it from here.
from .handin import file_rules_for as file_rules_for
from .handin import group_effective_deadline as group_effective_deadline
from .handin import receipt_key as receipt_key
from .handin import receipt_keys as receipt_keys
from .handin import submission_create as submission_create
from .handin import submission_receipt as submission_receipt
from .locks import lock_group as _lock_group
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


# --- receipts (hand-in acceptance is in handin.py) --------------------------------------


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
