"""The student's planner (``GET /api/v1/me/planner/``): for each assignment of a page of the
student's editions, the group's effective deadline, where the group stands, the latest
version and the released grade; and the next lectures.

It sits in ``grading`` because a status (``graded``, ``released``) and the grade come from
here. Nine queries for any page, whatever the number of editions on it, assignments,
versions or lectures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import User
from assignments.models import Assignment
from courses.models import Edition, Lecture
from submissions import deadlines
from submissions.models import Extension, GroupMembership, Submission

from .models import Grade, GradeOverride

UPCOMING_LECTURES = 5

OPEN, SUBMITTED, MISSED, GRADED, RELEASED = "open", "submitted", "missed", "graded", "released"
STATUSES = (OPEN, SUBMITTED, MISSED, GRADED, RELEASED)


@dataclass(frozen=True)
class LatestVersion:
    version: int
    submission_id: int  # the receipt's id
    submitted_at: dt.datetime


@dataclass(frozen=True)
class ReleasedMark:
    score: Decimal
    max: Decimal
    released_at: dt.datetime


@dataclass(frozen=True)
class PlannerItem:
    assignment: Assignment
    deadline: dt.datetime
    extended: bool
    status: str
    latest: LatestVersion | None
    grade: ReleasedMark | None


@dataclass(frozen=True)
class PlannerEdition:
    edition: Edition
    group_id: int | None
    items: list[PlannerItem]
    upcoming_lectures: list[Lecture]


def groups_of(*, user: User, editions: list[Edition]) -> dict[int, int]:
    """The group of ``user`` in each of ``editions`` that has one: edition id -> group id."""
    return dict(
        GroupMembership.objects.filter(
            user=user, edition_id__in=[e.pk for e in editions]
        ).values_list("edition_id", "group_id")
    )


def planner_for_student(
    *,
    user: User,
    editions: list[Edition],
    groups: dict[int, int],
    now: dt.datetime | None = None,
) -> list[PlannerEdition]:
    """The planner of ``user`` for ``editions`` (a page of theirs, loaded with ``course``);
    ``groups`` is ``groups_of(user, editions)``, which the caller reads to key its cache."""
    now = now or timezone.now()
    ids = [e.pk for e in editions]
    if not ids:
        return []
    group_ids = list(groups.values())
    assignments = list(
        Assignment.objects.filter(edition_id__in=ids).order_by("due_date", "due_time", "position")
    )
    # A group belongs to one edition: filtering by the user's groups is enough (no joins).
    extensions = {e.assignment_id: e for e in Extension.objects.filter(group_id__in=group_ids)}
    latest: dict[int, LatestVersion] = {}
    rows = (
        Submission.objects.filter(group_id__in=group_ids)
        .order_by("assignment_id", "-version")
        .values_list("assignment_id", "version", "id", "submitted_at")
    )
    for assignment_id, version, submission_id, submitted_at in rows:
        latest.setdefault(assignment_id, LatestVersion(version, submission_id, submitted_at))
    grades = {
        g.assignment_id: g
        for g in Grade.objects.filter(group_id__in=group_ids)
        .only("id", "assignment_id", "submission_id", "score", "status", "released_at")
        .prefetch_related(
            Prefetch(
                "overrides",
                queryset=GradeOverride.objects.filter(student=user).only("grade_id", "score"),
            )
        )
    }
    released = [g.submission_id for g in grades.values() if g.status == Grade.Status.RELEASED]
    member_of = set(
        Submission.members.through.objects.filter(
            user_id=user.pk, submission_id__in=released
        ).values_list("submission_id", flat=True)
    )
    by_edition: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_edition[assignment.edition_id].append(assignment)
    lectures: dict[int, list[Lecture]] = defaultdict(list)
    for lecture in Lecture.objects.filter(
        edition_id__in=ids, date__gte=(now - dt.timedelta(days=1)).date()
    ).order_by("date", "position"):
        lectures[lecture.edition_id].append(lecture)
    result = []
    for edition in editions:
        items = []
        for assignment in by_edition[edition.pk]:
            assignment.edition = edition  # known already: the deadline reads its zone
            extension = extensions.get(assignment.pk)
            deadline = deadlines.for_group(assignment, extension)
            items.append(
                _item(
                    assignment=assignment,
                    deadline=deadline,
                    extended=extension is not None,
                    latest=latest.get(assignment.pk),
                    grade=grades.get(assignment.pk),
                    member_of=member_of,
                    now=now,
                )
            )
        today = now.astimezone(ZoneInfo(edition.timezone)).date()
        upcoming = [lec for lec in lectures[edition.pk] if lec.date and lec.date >= today]
        result.append(
            PlannerEdition(
                edition=edition,
                group_id=groups.get(edition.pk),
                items=items,
                upcoming_lectures=upcoming[:UPCOMING_LECTURES],
            )
        )
    return result


def _item(
    *,
    assignment: Assignment,
    deadline: dt.datetime,
    extended: bool,
    latest: LatestVersion | None,
    grade: Grade | None,
    member_of: set[int],
    now: dt.datetime,
) -> PlannerItem:
    mark = None
    # A released mark is shown to the members of the graded version only (as on the grades
    # page); an unreleased one is only said to exist.
    if grade is not None and grade.status == Grade.Status.RELEASED:
        if grade.submission_id in member_of:
            assert grade.score is not None and grade.released_at is not None
            override = next(iter(grade.overrides.all()), None)
            mark = ReleasedMark(
                score=override.score if override else grade.score,
                max=assignment.max_score,
                released_at=grade.released_at,
            )
    if mark is not None:
        status = RELEASED
    elif grade is not None and grade.score is not None:
        status = GRADED
    elif latest is not None:
        status = SUBMITTED
    elif now >= deadline:
        status = MISSED
    else:
        status = OPEN
    return PlannerItem(
        assignment=assignment,
        deadline=deadline,
        extended=extended,
        status=status,
        latest=latest,
        grade=mark,
    )
