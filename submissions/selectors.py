"""Reads for students and staff about groups and submissions; each runs a fixed number of
queries, whatever the number of submissions."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, fields

from django.db.models import Count, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from assignments.models import Assignment
from courses import permissions
from courses.models import Edition, Membership

from . import cache, deadlines
from .models import (
    Extension,
    GroupInvite,
    GroupMembership,
    ProposalReview,
    StudentGroup,
    Submission,
)


def group_of(*, user: User, edition: Edition) -> StudentGroup | None:
    membership = (
        GroupMembership.objects.filter(edition=edition, user=user).select_related("group").first()
    )
    return membership.group if membership else None


def group_with_members(*, group: StudentGroup) -> StudentGroup:
    return StudentGroup.objects.prefetch_related(
        Prefetch("memberships", queryset=GroupMembership.objects.select_related("user"))
    ).get(pk=group.pk)


class _OnTheClock:
    """What depends on the clock, computed at each reading (so never cached)."""

    deadline: dt.datetime  # the group's effective deadline (or the base one without group)
    latest_version: int | None  # the version graded, None when nothing is handed in

    @property
    def is_open(self) -> bool:
        return timezone.now() < self.deadline

    @property
    def handed_in(self) -> bool:
        return self.latest_version is not None

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.deadline - timezone.now()).total_seconds()))


@dataclass
class AssignmentStatus(_OnTheClock):
    assignment: Assignment
    deadline: dt.datetime
    extended: bool
    latest_version: int | None
    versions: int
    review: ProposalReview | None


def assignment_statuses(*, edition: Edition, group: StudentGroup | None) -> list[AssignmentStatus]:
    """Every assignment of ``edition`` with the group's deadline and latest version.

    Four queries whatever the number of assignments and submissions.
    """
    assignments = list(
        Assignment.objects.filter(edition=edition).order_by("due_date", "due_time", "position")
    )
    versions: dict[int, tuple[int, int]] = {}
    extensions: dict[int, Extension] = {}
    reviews: dict[int, ProposalReview] = {}
    if group is not None:
        versions = {
            row["assignment"]: (row["latest"], row["n"])
            for row in Submission.objects.filter(group=group, assignment__edition=edition)
            .values("assignment")
            .annotate(latest=Max("version"), n=Count("id"))
            .order_by()
        }
        extensions = {
            e.assignment_id: e
            for e in Extension.objects.filter(group=group, assignment__edition=edition)
        }
        reviews = {
            r.assignment_id: r
            for r in ProposalReview.objects.filter(group=group, assignment__edition=edition)
        }
    statuses = []
    for assignment in assignments:
        assignment.edition = edition  # known already: no query when a page reads it
        ext = extensions.get(assignment.pk)
        latest_version, count = versions.get(assignment.pk, (None, 0))
        deadline = deadlines.for_group(assignment, ext)
        statuses.append(
            AssignmentStatus(
                assignment=assignment,
                deadline=deadline,
                extended=ext is not None,
                latest_version=latest_version,
                versions=count,
                review=reviews.get(assignment.pk),
            )
        )
    return statuses


@dataclass(frozen=True)
class StatusRow(_OnTheClock):
    """One assignment as a group stands on it: plain values, kept in the shared cache."""

    assignment_id: int
    url: str
    title: str
    optional: bool
    deadline: dt.datetime
    extended: bool
    latest_version: int | None
    versions: int
    review: str  # the proposal decision's label, "" when there is none


@dataclass(frozen=True)
class GroupStanding:
    group_name: str | None  # None: the viewer has no group
    member_names: tuple[str, ...]
    rows: tuple[StatusRow, ...]


@dataclass(frozen=True)
class Dashboard:
    edition: Edition
    role: str
    standing: GroupStanding

    @property
    def upcoming(self) -> list[StatusRow]:
        return [row for row in self.standing.rows if row.is_open]


# What a cached standing is made of (see cache.group_standing's ``shape``).
_STANDING_SHAPE = hashlib.sha256(
    repr(
        [(f.name, str(f.type)) for cls in (GroupStanding, StatusRow) for f in fields(cls)]
    ).encode()
).hexdigest()[:12]


def _group_standing(*, edition: Edition, group_id: int | None) -> GroupStanding:
    """Five queries: the group and its members, then ``assignment_statuses``."""
    group, members = None, []
    if group_id is not None:
        members = list(
            GroupMembership.objects.filter(group_id=group_id)
            .select_related("group", "user")
            .order_by("joined_at", "id")
        )
        group = members[0].group if members else None
    rows = tuple(
        StatusRow(
            assignment_id=s.assignment.pk,
            url=reverse("submissions:assignment", args=[s.assignment.pk]),
            title=s.assignment.title,
            optional=s.assignment.optional,
            deadline=s.deadline,
            extended=s.extended,
            latest_version=s.latest_version,
            versions=s.versions,
            review=s.review.get_decision_display() if s.review else "",
        )
        for s in assignment_statuses(edition=edition, group=group)
    )
    return GroupStanding(
        group_name=group.name if group else None,
        member_names=tuple(m.user.display_name for m in members),
        rows=rows,
    )


def dashboard_for_user(*, user: User, slug: str) -> Dashboard:
    """The dashboard of edition ``slug`` for one of its members; 404 for anyone else.

    One query for the membership, the edition and the viewer's group; the group's standing
    then comes from the shared cache while nothing it shows has changed (five more queries
    when it has: ``submissions/cache.py``).
    """
    viewer_group = GroupMembership.objects.filter(edition=OuterRef("edition"), user=user)
    edition, role, membership = permissions.edition_get_for_member(
        slug=slug,
        user=user,
        memberships=Membership.objects.annotate(
            viewer_group_id=Subquery(viewer_group.values("group_id")[:1])
        ),
    )
    # The annotation above: the viewer's group, loaded with the membership.
    group_id = getattr(membership, "viewer_group_id", None)
    standing = cache.group_standing(
        edition_id=edition.pk,
        edition_slug=edition.slug,
        group_id=group_id,
        shape=_STANDING_SHAPE,
        compute=lambda: _group_standing(edition=edition, group_id=group_id),
    )
    return Dashboard(edition=edition, role=role, standing=standing)


def assignment_get_for_user(*, assignment_id: int, user: User) -> Assignment:
    """The assignment if ``user`` is a member (student or staff) of its edition; else 404."""
    assignment = (
        Assignment.objects.select_related("edition__course")
        .prefetch_related("papers")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise Http404("No such assignment.")
    permissions.member_role_or_404(user=user, edition=assignment.edition)
    return assignment


def submissions_of_group(*, group: StudentGroup, assignment: Assignment) -> QuerySet[Submission]:
    return (
        Submission.objects.filter(group=group, assignment=assignment)
        .select_related("paper", "submitted_by")
        .order_by("-version")
    )


def submission_get_for_user(*, submission_id: int, user: User) -> Submission:
    """A submission visible to ``user`` (a member of its group, or staff of its edition); 404."""
    submission = (
        Submission.objects.visible_to(user)
        .select_related("assignment__edition", "group", "submitted_by", "paper")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        raise Http404("No such submission.")
    return submission


def submission_get_for_staff(*, submission_id: int, user: User) -> Submission:
    """A submission of an edition ``user`` teaches (superusers: any), with its assignment,
    edition, group and preview row; 404 for anyone else, the same as for a missing one. Two
    queries."""
    submission = (
        Submission.objects.select_related("assignment__edition", "group", "preview")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not permissions.is_edition_staff(
        user=user, edition=submission.assignment.edition
    ):
        raise Http404("No such submission.")
    return submission


def submissions_of_user(*, user: User) -> QuerySet[Submission]:
    """Every version handed in by the user's groups, newest first."""
    groups = GroupMembership.objects.filter(user=user).values("group_id")
    return (
        Submission.objects.filter(group_id__in=Subquery(groups))
        .select_related("assignment__edition", "group", "submitted_by", "paper")
        .order_by("-submitted_at", "-id")
    )


def student_editions(*, user: User) -> QuerySet[Edition]:
    return (
        Edition.objects.filter(memberships__user=user)
        .select_related("course")
        .distinct()
        .order_by("-slug")
    )


def feed_scope(*, user: User) -> list[tuple[str, int | None]]:
    """(edition slug, ``user``'s group there or None) for each edition ``user`` belongs to:
    what decides which cached copies the personal feed depends on. One query."""
    group = GroupMembership.objects.filter(edition=OuterRef("edition"), user=user).values(
        "group_id"
    )[:1]
    return list(
        Membership.objects.filter(user=user)
        .annotate(feed_group=Subquery(group))
        .values_list("edition__slug", "feed_group")
        .order_by("edition__slug")
        .distinct()
    )


def invites_received(*, user: User, edition: Edition) -> QuerySet[GroupInvite]:
    """Pending invitations to ``user`` in ``edition``, with the group and its members: two
    queries."""
    return (
        GroupInvite.objects.filter(edition=edition, invitee=user, status=GroupInvite.Status.PENDING)
        .select_related("group", "invited_by")
        .prefetch_related("group__memberships__user")
    )


def invites_sent(*, group: StudentGroup) -> QuerySet[GroupInvite]:
    """The group's invitations still waiting, and those declined: one query."""
    return GroupInvite.objects.filter(
        group=group, status__in=[GroupInvite.Status.PENDING, GroupInvite.Status.DECLINED]
    ).select_related("invitee")


def group_size_refusal(*, assignment: Assignment, group_size: int) -> str | None:
    """Why a group of ``group_size`` cannot hand ``assignment`` in, or None when it can: the
    same rule the acceptance service applies, said before the student uploads anything."""
    from django.utils.translation import ngettext

    low, high = assignment.min_group_size, assignment.max_group_size
    if low <= group_size <= high:
        return None
    members = ngettext("%(n)s member", "%(n)s members", group_size) % {"n": group_size}
    return _group_rule(low, high) + " " + _("Your group has %(members)s.") % {"members": members}


def _group_rule(low: int, high: int) -> str:
    if low == high:
        return _("Handed in by groups of exactly %(n)s.") % {"n": low}
    return _("Handed in by groups of %(low)s to %(high)s.") % {"low": low, "high": high}


def group_rule_text(assignment: Assignment) -> str:
    """ "Handed in by groups of 2 to 3." """
    return _group_rule(assignment.min_group_size, assignment.max_group_size)


def has_handed_in(*, group: StudentGroup) -> int:
    """How many versions the group has handed in, all assignments together: one query."""
    return Submission.objects.filter(group=group).count()


@dataclass(frozen=True)
class StaffOverview:
    """What the course staff see on an edition's home: hand-ins per assignment, groups."""

    handed_in: dict[int, int]  # assignment id → groups that handed it in
    groups: int
    students: int
    students_without_group: int


def staff_overview(*, edition: Edition) -> StaffOverview:
    """Three queries whatever the number of groups and hand-ins."""
    handed_in = {
        row["assignment"]: row["groups"]
        for row in Submission.objects.filter(assignment__edition=edition)
        .values("assignment")
        .annotate(groups=Count("group", distinct=True))
        .order_by()
    }
    students = Membership.objects.filter(edition=edition, role=Membership.Role.STUDENT).count()
    in_groups = GroupMembership.objects.filter(edition=edition).aggregate(
        n=Count("id"), groups=Count("group", distinct=True)
    )
    return StaffOverview(
        handed_in=handed_in,
        groups=in_groups["groups"],
        students=students,
        students_without_group=max(0, students - in_groups["n"]),
    )


def memberships_of(*, user: User) -> list[Membership]:
    """The user's memberships with their edition and course, newest edition first: one query."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("edition__course")
        .order_by("-edition__slug", "role")
    )
