"""Reads for students and staff about groups and submissions; each runs a fixed number of
queries, whatever the number of submissions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from assignments.models import Assignment
from courses.models import Edition, Membership

from . import deadlines
from .models import Extension, GroupMembership, ProposalReview, StudentGroup, Submission


def group_of(*, user: User, edition: Edition) -> StudentGroup | None:
    membership = (
        GroupMembership.objects.filter(edition=edition, user=user).select_related("group").first()
    )
    return membership.group if membership else None


def group_and_members(*, user: User, edition: Edition) -> tuple[StudentGroup | None, list]:
    """The user's group in ``edition`` and its memberships with their users: one query."""
    memberships = list(
        GroupMembership.objects.filter(
            edition=edition,
            group__in=GroupMembership.objects.filter(edition=edition, user=user).values("group"),
        )
        .select_related("group", "user")
        .order_by("joined_at", "id")
    )
    return (memberships[0].group if memberships else None), memberships


def membership_of(*, user: User, slug: str) -> Membership | None:
    """The user's membership of edition ``slug``, with the edition and its course."""
    return (
        Membership.objects.select_related("edition__course")
        .filter(edition__slug=slug, user=user)
        .first()
    )


def group_with_members(*, group: StudentGroup) -> StudentGroup:
    return StudentGroup.objects.prefetch_related(
        Prefetch("memberships", queryset=GroupMembership.objects.select_related("user"))
    ).get(pk=group.pk)


@dataclass
class AssignmentStatus:
    assignment: Assignment
    deadline: dt.datetime  # the group's effective deadline (or the base one without group)
    extended: bool
    latest_version: int | None  # the version graded, None when nothing is handed in
    versions: int
    review: ProposalReview | None

    @property
    def is_open(self) -> bool:
        return timezone.now() < self.deadline

    @property
    def handed_in(self) -> bool:
        return self.latest_version is not None

    @property
    def seconds_left(self) -> int:
        return max(0, int((self.deadline - timezone.now()).total_seconds()))


def assignment_statuses(*, edition: Edition, group: StudentGroup | None) -> list[AssignmentStatus]:
    """Every assignment of ``edition`` with the group's deadline and latest version.

    Four queries whatever the number of assignments and submissions.
    """
    assignments = list(Assignment.objects.filter(edition=edition).order_by("due_at", "position"))
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


def assignment_get_for_user(*, assignment_id: int, user: User) -> Assignment:
    """The assignment if ``user`` is a member (student or staff) of its edition; else 404."""
    assignment = (
        Assignment.objects.select_related("edition__course")
        .prefetch_related("papers")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or not user.is_authenticated:
        raise Http404("No such assignment.")
    if not (
        user.is_superuser
        or Membership.objects.filter(edition=assignment.edition, user=user).exists()
    ):
        raise Http404("No such assignment.")
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
