"""Group invitations: a member invites an enrolled classmate by name or e-mail, who accepts
or declines inside the app. Accepting goes through ``services.group_join``, so every rule of
joining (enrolment, lock date, group size, one group per student) holds here too."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from courses.models import Edition, Membership

from . import services
from .models import GroupInvite, GroupMembership, StudentGroup


def _classmate_find(*, edition: Edition, who: str) -> User:
    """The one student of ``edition`` whose e-mail or full name is ``who``."""
    who = " ".join(who.split())
    if not who:
        raise ValidationError({"who": _("Give a classmate's name or e-mail address.")})
    students = (
        User.objects.filter(memberships__edition=edition, memberships__role=Membership.Role.STUDENT)
        .annotate(full_name=Concat("first_name", Value(" "), "last_name"))
        .filter(Q(email__iexact=who) | Q(full_name__iexact=who))
        .distinct()
    )
    found = list(students[:2])
    if not found:
        raise ValidationError(
            {"who": _("No student of this course has this name or e-mail address.")}
        )
    if len(found) > 1:
        raise ValidationError(
            {"who": _("Several students have this name: use their e-mail address.")}
        )
    return found[0]


@transaction.atomic
def group_invite(*, actor: User, edition: Edition, who: str) -> GroupInvite:
    """A member of a group invites an enrolled classmate (by name or e-mail) into it."""
    membership = (
        GroupMembership.objects.filter(edition=edition, user=actor).select_related("group").first()
    )
    if membership is None:
        raise ValidationError(_("Create a group before inviting classmates."))
    if services.groups_locked(edition):
        raise ValidationError(_("Groups are locked; ask the course staff to change them."))
    group = membership.group
    invitee = _classmate_find(edition=edition, who=who)
    if invitee.pk == actor.pk:
        raise ValidationError({"who": _("You are already in your group.")})
    if GroupMembership.objects.filter(edition=edition, user=invitee).exists():
        raise ValidationError({"who": _("%(name)s is already in a group.") % {"name": invitee}})
    if group.memberships.count() >= edition.group_max_size:
        raise ValidationError(
            _("Your group is full (%(n)s members at most).") % {"n": edition.group_max_size}
        )
    invite, created = GroupInvite.objects.get_or_create(
        group=group,
        invitee=invitee,
        status=GroupInvite.Status.PENDING,
        defaults={"edition": edition, "invited_by": actor},
    )
    if not created:
        raise ValidationError({"who": _("%(name)s is already invited.") % {"name": invitee}})
    return invite


def _pending_for(*, user: User, invite_id: int) -> GroupInvite:
    invite = (
        GroupInvite.objects.select_related("group__edition")
        .filter(pk=invite_id, invitee=user, status=GroupInvite.Status.PENDING)
        .first()
    )
    if invite is None:
        raise ValidationError(_("This invitation is no longer valid."))
    return invite


@transaction.atomic
def group_invite_accept(*, user: User, invite_id: int) -> StudentGroup:
    """The invited student joins the group; their other pending invitations lapse."""
    invite = _pending_for(user=user, invite_id=invite_id)
    group = services.group_join(user=user, code=invite.group.join_code)
    now = timezone.now()
    GroupInvite.objects.filter(pk=invite.pk).update(
        status=GroupInvite.Status.ACCEPTED, answered_at=now
    )
    GroupInvite.objects.filter(
        edition_id=invite.edition_id, invitee=user, status=GroupInvite.Status.PENDING
    ).update(status=GroupInvite.Status.WITHDRAWN, answered_at=now)
    return group


@transaction.atomic
def group_invite_decline(*, user: User, invite_id: int) -> None:
    """The invited student says no; the group sees it."""
    invite = _pending_for(user=user, invite_id=invite_id)
    GroupInvite.objects.filter(pk=invite.pk).update(
        status=GroupInvite.Status.DECLINED, answered_at=timezone.now()
    )
