"""Reads of the TA's grading workspace: the queue of an assignment (each group's latest
version with its grade, in one fixed order) and everything one hand-in's workspace shows.
Each runs a fixed number of queries, whatever the number of hand-ins (held by
``tests/grading/test_workspace_queries.py``).

Anonymous grading (``Assignment.anonymous_grading``): a row's group is shown as
"Hand-in #k" until its grade is released; ``k`` is the row's place in the group-id order,
which no later hand-in changes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from assignments.models import Assignment
from courses import permissions
from courses.models import Membership
from submissions.models import StudentGroup, Submission

from .models import Grade, MarkChange, RegradeRequest, RubricCriterion, RubricScore

# A row's status: a key (the row's CSS class) that the templates translate when they show it.
NOT_GRADED = gettext_noop("not graded")
DRAFT = gettext_noop("draft")
RELEASED = gettext_noop("released")
REGRADE = gettext_noop("regrade requested")

# What the queue and the workspace read of a hand-in (not its receipt bookkeeping).
QUEUE_SUBMISSION_FIELDS = (
    "id",
    "assignment_id",
    "group_id",
    "version",
    "file",
    "original_name",
    "size",
    "sha256",
    "content_kind",
    "pages",
    "submitted_at",
    "group__id",
    "group__name",
    "group__edition_id",
)

FILTERS = {
    "mine": gettext_noop("assigned to me"),
    "todo": NOT_GRADED,
    "regrade": REGRADE,
}


@dataclass
class QueueRow:
    number: int  # k of "Hand-in #k": the place in group-id order, from 1
    submission: Submission  # the group's latest version
    grade: Grade | None
    regrade_open: bool
    hidden: bool  # anonymous grading: the group's name is not shown

    @property
    def label(self) -> str:
        if self.hidden:
            return _("Hand-in #%(number)s") % {"number": self.number}
        return self.submission.group.name

    @property
    def status(self) -> str:
        if self.regrade_open:
            return REGRADE
        if self.grade is None or self.grade.score is None:
            return NOT_GRADED
        return RELEASED if self.grade.is_released else DRAFT

    @property
    def graded(self) -> bool:
        return self.grade is not None and self.grade.score is not None

    @property
    def grader(self) -> User | None:
        return self.grade.grader if self.grade is not None else None


@dataclass
class Queue:
    assignment: Assignment
    rows: list[QueueRow]  # in the queue's order
    tas: list[User]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def graded(self) -> int:
        return sum(1 for r in self.rows if r.graded)

    @property
    def percent(self) -> int:
        return round(100 * self.graded / self.total) if self.total else 100

    @property
    def split(self) -> list[tuple[str, int, int]]:
        """Each grader's share: (name, hand-ins assigned, of which graded)."""
        assigned: Counter[int] = Counter()
        done: Counter[int] = Counter()
        names = {u.pk: u.display_name for u in self.tas}
        for row in self.rows:
            if row.grade is not None and row.grade.grader_id:
                assigned[row.grade.grader_id] += 1
                names.setdefault(row.grade.grader_id, str(row.grade.grader))
                if row.graded:
                    done[row.grade.grader_id] += 1
        ordered = sorted(assigned, key=lambda pk: names[pk])
        return [(names[pk], assigned[pk], done[pk]) for pk in ordered]

    def filtered(self, key: str | None, *, user: User) -> list[QueueRow]:
        if key == "mine":
            return [r for r in self.rows if r.grade is not None and r.grade.grader_id == user.pk]
        if key == "todo":
            return [r for r in self.rows if not r.graded]
        if key == "regrade":
            return [r for r in self.rows if r.regrade_open]
        return self.rows

    def index_of(self, submission: Submission) -> int | None:
        for index, row in enumerate(self.rows):
            if row.submission.group_id == submission.group_id:
                return index
        return None

    def neighbours(self, index: int) -> tuple[QueueRow | None, QueueRow | None]:
        before = self.rows[index - 1] if index > 0 else None
        after = self.rows[index + 1] if index + 1 < len(self.rows) else None
        return before, after

    def next_to_grade(self, index: int | None) -> QueueRow | None:
        """The next hand-in not graded yet after ``index`` in the queue's order, wrapping."""
        start = -1 if index is None else index
        ordered = self.rows[start + 1 :] + self.rows[: max(start, 0)]
        return next((r for r in ordered if not r.graded), None)


def assignment_get_for_grading(*, assignment_id: int, user: User) -> Assignment:
    """An assignment of an edition ``user`` teaches; 404 for anyone else. One query (two for
    a staff member who is not a superuser)."""
    assignment = Assignment.objects.select_related("edition").filter(pk=assignment_id).first()
    if assignment is None or not permissions.is_edition_staff(
        user=user, edition=assignment.edition
    ):
        raise Http404("No such assignment.")
    return assignment


def queue_for(*, assignment: Assignment) -> Queue:
    """The assignment's queue: every group's latest version with its grade. Three queries."""
    latest: dict[int, Submission] = {}
    for submission in (
        Submission.objects.filter(assignment=assignment)
        .select_related("group")
        .only(*QUEUE_SUBMISSION_FIELDS)
        .order_by("group_id", "-version")
    ):
        latest.setdefault(submission.group_id, submission)
    submissions = [latest[group_id] for group_id in sorted(latest)]
    open_request = RegradeRequest.objects.filter(
        grade=OuterRef("pk"), status=RegradeRequest.Status.OPEN
    )
    grades = {
        g.group_id: g
        for g in Grade.objects.filter(assignment=assignment)
        .select_related("grader")
        .annotate(regrade_open=Exists(open_request))
    }
    open_requests = {group_id for group_id, g in grades.items() if g.regrade_open}
    tas = list(
        User.objects.filter(
            memberships__edition_id=assignment.edition_id, memberships__role=Membership.Role.TA
        ).order_by("last_name", "first_name", "email")
    )
    rows = []
    for number, submission in enumerate(submissions, start=1):
        grade = grades.get(submission.group_id)
        hidden = assignment.anonymous_grading and not (grade is not None and grade.is_released)
        rows.append(
            QueueRow(
                number=number,
                submission=submission,
                grade=grade,
                regrade_open=submission.group_id in open_requests,
                hidden=hidden,
            )
        )
    if not assignment.anonymous_grading:
        rows.sort(key=lambda r: (r.submission.group.name.casefold(), r.submission.group_id))
    return Queue(assignment=assignment, rows=rows, tas=tas)


# --- one hand-in's workspace ----------------------------------------------------------------


@dataclass
class Panel:
    """One block of the workspace's left side: a template and its context."""

    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


# The workspace's panels, in order: callables (submission → Panel or None). An app above
# grading (e.g. an autograder) appends its own with ``workspace_panel``.
PANELS: list[Callable[[Submission], Panel | None]] = []


def workspace_panel(
    builder: Callable[[Submission], Panel | None],
) -> Callable[[Submission], Panel | None]:
    """Register a panel builder (usable as a decorator)."""
    PANELS.append(builder)
    return builder


@dataclass
class Workspace:
    queue: Queue
    row: QueueRow
    index: int
    submission: Submission  # the version shown (the latest unless asked otherwise)
    criteria: list[RubricCriterion]
    points: dict[int, Decimal]
    earlier_comments: list[str]
    regrades: list[RegradeRequest]
    history: list[MarkChange]
    panels: list[Panel]

    @property
    def grade(self) -> Grade | None:
        return self.row.grade

    @property
    def open_regrade(self) -> RegradeRequest | None:
        return next((r for r in self.regrades if r.status == RegradeRequest.Status.OPEN), None)

    @property
    def previous(self) -> QueueRow | None:
        return self.queue.neighbours(self.index)[0]

    @property
    def next(self) -> QueueRow | None:
        return self.queue.neighbours(self.index)[1]


def workspace_for(*, submission: Submission, user: User) -> Workspace:
    """Everything the workspace of ``submission`` shows. A fixed number of queries (the
    queue's three, the rubric, the points, earlier comments, regrades, history) plus what the
    panels read."""
    assignment = submission.assignment
    queue = queue_for(assignment=assignment)
    index = queue.index_of(submission)
    if index is None:  # cannot happen for a stored hand-in: its group has a latest version
        raise Http404("No such hand-in.")
    row = queue.rows[index]
    grade = row.grade
    criteria = list(
        RubricCriterion.objects.filter(assignment=assignment).order_by("position", "id")
    )
    points: dict[int, Decimal] = {}
    regrades: list[RegradeRequest] = []
    history: list[MarkChange] = []
    if grade is not None:
        points = dict(RubricScore.objects.filter(grade=grade).values_list("criterion_id", "points"))
        regrades = list(
            RegradeRequest.objects.filter(grade=grade).select_related("requested_by", "answered_by")
        )
        history = list(
            MarkChange.objects.filter(kind=MarkChange.Kind.GRADE, object_id=grade.pk)
            .select_related("actor")
            .order_by("-at", "-id")[:20]
        )
    earlier = (
        Grade.objects.filter(assignment=assignment, grader=user)
        .exclude(feedback="")
        .exclude(group_id=submission.group_id)
        .order_by("-updated_at")
        .values_list("feedback", flat=True)[:50]
    )
    comments = list(dict.fromkeys(c.strip() for c in earlier if c.strip()))[:10]
    panels = [p for p in (build(submission) for build in PANELS) if p is not None]
    return Workspace(
        queue=queue,
        row=row,
        index=index,
        submission=submission,
        criteria=criteria,
        points=points,
        earlier_comments=comments,
        regrades=regrades,
        history=history,
        panels=panels,
    )


def release_preview(*, assignment: Assignment) -> dict[str, Any]:
    """What releasing ``assignment`` would do: the grades it releases, the groups that have
    none, the distribution of the scores, and one group's grade as its students will see it.
    Five queries."""
    grades = list(
        Grade.objects.filter(assignment=assignment)
        .select_related("group")
        .order_by("group__name", "group_id")
    )
    to_release = [g for g in grades if not g.is_released and g.score is not None]
    graded_groups = {g.group_id for g in grades if g.score is not None}
    without = list(
        StudentGroup.objects.filter(edition_id=assignment.edition_id)
        .exclude(pk__in=graded_groups)
        .order_by("name")
    )
    handed_in = set(
        Submission.objects.filter(assignment=assignment).values_list("group_id", flat=True)
    )
    sample = to_release[0] if to_release else None
    sample_rubric = (
        list(RubricScore.objects.filter(grade=sample).select_related("criterion"))
        if sample is not None
        else []
    )
    return {
        "to_release": to_release,
        "already_released": sum(1 for g in grades if g.is_released),
        "without": [(g, g.pk in handed_in) for g in without],
        "scores": [g.score for g in grades if g.score is not None],
        "sample": sample,
        "sample_rubric": sample_rubric,
    }
