"""Reads for grading: the engine's inputs built from the database, students' released grades,
staff tables. Each runs a fixed number of queries, whatever the number of students.

How rows become engine inputs (docs/grading.md, "From the database to the engine"):

- The group's grade counts for the members recorded on the version graded (the group's
  latest version), so a student who joined later or left earlier is not credited wrongly.
- An assignment component is *handed in* when such a version exists. With none, it is *not
  handed in* once the student's effective deadline (the current group's extension and the
  grace period included) has passed, and *nothing recorded yet* before.
- Handed in, the mark is the member's override if any, else the group's score, out of the
  assignment's ``max_score`` — but only when the grade is **released**; a draft or a missing
  grade is "not graded yet".
- An exam component takes the student's ``ExamMark``: a score is graded, no score means not
  sat. Students see exam marks only once the edition's final grades are released.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from assignments.models import Assignment
from courses.models import Edition, Membership
from submissions import deadlines
from submissions.models import Extension, GroupMembership, Submission

from . import engine
from .models import (
    ExamMark,
    FinalGrade,
    Grade,
    GradeOverride,
    GradingScheme,
    RegradeRequest,
    RubricCriterion,
    RubricScore,
    SchemeComponent,
)


@dataclass
class LoadedScheme:
    """A scheme row, its components (assignments loaded) and the engine's view of it."""

    model: GradingScheme
    components: list[SchemeComponent]
    engine: engine.Scheme

    @property
    def edition(self) -> Edition:
        return self.model.edition


def _plain(value: Decimal) -> Decimal:
    """15.00 → 15, 14.50 → 14.5: marks read as written, in the breakdown and the exports."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


@dataclass(frozen=True)
class ComponentSpec:
    """One component of a scheme as plain data: a stored row (``component_specs``) or one
    given to ``services.scheme_set``. ``transfer_to`` is another component's key; ``pk`` is
    the stored component a spec edits (its exam marks stay when its key changes)."""

    key: str
    name: str
    weight: Decimal
    kind: str = SchemeComponent.Kind.ASSIGNMENT
    assignment: Assignment | None = None
    optional: bool = False
    transfer_to: str | None = None
    mandatory_for_admission: bool = False
    max_mark: Decimal = Decimal(20)
    pk: int | None = None

    def engine_max_mark(self) -> Decimal:
        """What the component is marked out of: an assignment's max score, else max_mark."""
        if self.kind == SchemeComponent.Kind.ASSIGNMENT and self.assignment is not None:
            return Decimal(self.assignment.max_score)
        return Decimal(self.max_mark)


def component_specs(components: Iterable[SchemeComponent]) -> list[ComponentSpec]:
    """The specs of stored components (precondition: their assignments are loaded)."""
    components = list(components)
    keys = {c.pk: c.key for c in components}
    return [
        ComponentSpec(
            key=c.key,
            name=c.name,
            weight=c.weight,
            kind=c.kind,
            assignment=c.assignment,
            optional=c.optional,
            transfer_to=keys.get(c.transfer_to_id) if c.transfer_to_id else None,
            mandatory_for_admission=c.mandatory_for_admission,
            max_mark=c.max_mark,
            pk=c.pk,
        )
        for c in components
    ]


def scheme_of_specs(
    *, specs: Iterable[ComponentSpec], scale: Decimal, rounding_step: Decimal
) -> engine.Scheme:
    """The engine's ``Scheme`` of these components: the one conversion from rows and specs
    to the engine's terms. The engine raises ``TypeError`` for what is not a number."""
    return engine.Scheme(
        components=tuple(
            engine.Component(
                key=s.key,
                name=s.name,
                weight=_plain(Decimal(s.weight)),
                kind=s.kind,  # type: ignore[arg-type]
                optional=s.optional,
                transfer_to=s.transfer_to or None,
                mandatory_for_admission=s.mandatory_for_admission,
                max_mark=_plain(s.engine_max_mark()),
            )
            for s in specs
        ),
        scale=_plain(Decimal(scale)),
        rounding_step=_plain(Decimal(rounding_step)),
    )


def engine_scheme(*, scheme: GradingScheme, components: Iterable[SchemeComponent]) -> engine.Scheme:
    """The engine's ``Scheme`` for these rows (precondition: assignments are loaded)."""
    return scheme_of_specs(
        specs=component_specs(components), scale=scheme.scale, rounding_step=scheme.rounding_step
    )


def scheme_load(*, edition: Edition) -> LoadedScheme | None:
    """The edition's scheme with its components, or None (two queries)."""
    scheme = GradingScheme.objects.select_related("edition").filter(edition=edition).first()
    if scheme is None:
        return None
    components = list(
        SchemeComponent.objects.filter(scheme=scheme)
        .select_related("assignment__edition")
        .order_by("position", "id")
    )
    return LoadedScheme(
        model=scheme,
        components=components,
        engine=engine_scheme(scheme=scheme, components=components),
    )


def _deadline_passed(
    *,
    assignment: Assignment,
    tz_name: str,
    extension: tuple[int, int] | None,
    now: dt.datetime,
    base_cache: dict[int, dt.datetime],
) -> bool:
    if extension is None:
        if assignment.pk not in base_cache:
            base_cache[assignment.pk] = deadlines.effective_deadline(
                due_at=assignment.due_at, tz_name=tz_name, grace_minutes=assignment.grace_minutes
            )
        return now >= base_cache[assignment.pk]
    deadline = deadlines.effective_deadline(
        due_at=assignment.due_at,
        tz_name=tz_name,
        extension_days=extension[0],
        extension_hours=extension[1],
        grace_minutes=assignment.grace_minutes,
    )
    return now >= deadline


def marks_for_students(
    *,
    loaded: LoadedScheme,
    student_ids: list[int] | None = None,
    exam_marks_visible: bool = True,
    now: dt.datetime | None = None,
) -> dict[int, dict[str, engine.MarkInput]]:
    """Student id → component key → ``MarkInput``, from released grades only.

    ``student_ids=None`` means every student of the edition. Seven queries whatever the
    number of students, assignments and versions.
    """
    now = now or timezone.now()
    edition = loaded.edition
    if student_ids is None:
        student_ids = list(
            Membership.objects.filter(edition=edition, role=Membership.Role.STUDENT)
            .exclude(user=None)
            .values_list("user_id", flat=True)
        )
    wanted = set(student_ids)
    one_student = len(wanted) <= 1
    assignment_components = [
        c for c in loaded.components if c.kind == SchemeComponent.Kind.ASSIGNMENT
    ]
    assignment_ids = [c.assignment_id for c in assignment_components]

    # Every version of these assignments: the latest per (assignment, group) is graded.
    # No query below is ordered (every result goes into a dict by a unique key): the models'
    # default orderings would join the courses, groups and users only to sort.
    versions = Submission.objects.filter(assignment_id__in=assignment_ids).order_by()
    member_rows = Submission.members.through.objects.filter(
        submission__assignment_id__in=assignment_ids
    ).order_by()
    if one_student:
        groups = Submission.members.through.objects.filter(
            user_id__in=wanted, submission__assignment_id__in=assignment_ids
        ).values("submission__group_id")
        versions = versions.filter(group_id__in=groups)
        member_rows = member_rows.filter(user_id__in=wanted)
    latest: dict[tuple[int, int], tuple[int, int]] = {}  # (assignment, group) → (version, id)
    group_of_submission: dict[int, tuple[int, int]] = {}
    for pk, assignment_id, group_id, version in versions.values_list(
        "id", "assignment_id", "group_id", "version"
    ):
        group_of_submission[pk] = (assignment_id, group_id)
        current = latest.get((assignment_id, group_id))
        if current is None or version > current[0]:
            latest[(assignment_id, group_id)] = (version, pk)
    latest_ids = {pk for _, pk in latest.values()}

    # Student → assignment → group whose latest version lists them.
    handed: dict[int, dict[int, tuple[int, int]]] = {}
    for submission_id, user_id in member_rows.values_list("submission_id", "user_id"):
        if submission_id not in latest_ids or user_id not in wanted:
            continue
        assignment_id, group_id = group_of_submission[submission_id]
        previous = handed.setdefault(user_id, {}).get(assignment_id)
        if previous is None or submission_id > previous[1]:
            handed[user_id][assignment_id] = (group_id, submission_id)

    graded_groups = {g for (_, g) in latest}
    grades: dict[tuple[int, int], tuple[int, Decimal]] = {}
    grade_rows = Grade.objects.filter(
        assignment_id__in=assignment_ids, status=Grade.Status.RELEASED, score__isnull=False
    ).order_by()
    override_rows = GradeOverride.objects.filter(
        grade__assignment_id__in=assignment_ids, grade__status=Grade.Status.RELEASED
    ).order_by()
    if one_student:
        grade_rows = grade_rows.filter(group_id__in=graded_groups)
        override_rows = override_rows.filter(student_id__in=wanted)
    for pk, assignment_id, group_id, score in grade_rows.values_list(
        "id", "assignment_id", "group_id", "score"
    ):
        if score is not None:  # filtered on, and a released grade has one
            grades[(assignment_id, group_id)] = (pk, score)
    overrides = {
        (grade_id, student_id): score
        for grade_id, student_id, score in override_rows.values_list(
            "grade_id", "student_id", "score"
        )
    }

    # For work not handed in: is the student's deadline past? Extensions are per group.
    current_group = dict(
        GroupMembership.objects.filter(edition=edition, user_id__in=wanted).values_list(
            "user_id", "group_id"
        )
        if one_student
        else GroupMembership.objects.filter(edition=edition)
        .order_by()
        .values_list("user_id", "group_id")
    )
    extensions = {
        (group_id, assignment_id): (days, hours)
        for group_id, assignment_id, days, hours in Extension.objects.filter(
            assignment_id__in=assignment_ids
        )
        .order_by()
        .values_list("group_id", "assignment_id", "days", "hours")
    }

    exams: dict[tuple[int, int], Decimal | None] = {}
    if exam_marks_visible:
        exam_rows = ExamMark.objects.filter(component__scheme=loaded.model).order_by()
        if one_student:
            exam_rows = exam_rows.filter(student_id__in=wanted)
        exams = {
            (student_id, component_id): score
            for student_id, component_id, score in exam_rows.values_list(
                "student_id", "component_id", "score"
            )
        }

    base_cache: dict[int, dt.datetime] = {}
    # MarkInputs are immutable: one per distinct score, shared by every student who has it.
    not_handed_in = engine.MarkInput.not_handed_in()
    not_graded_yet = engine.MarkInput.not_graded_yet()
    graded: dict[Decimal, engine.MarkInput] = {}

    def graded_mark(score: Decimal) -> engine.MarkInput:
        mark = graded.get(score)
        if mark is None:
            mark = graded[score] = engine.MarkInput.graded(_plain(score))
        return mark

    exam_components = [
        (c.key, c.pk) for c in loaded.components if c.kind == SchemeComponent.Kind.EXAM
    ]
    work_components = [
        (c.key, c.assignment) for c in loaded.components if c.kind != SchemeComponent.Kind.EXAM
    ]
    order = [c.key for c in loaded.components]
    result: dict[int, dict[str, engine.MarkInput]] = {}
    for student_id in student_ids:
        found_marks: dict[str, engine.MarkInput] = {}
        for key, component_id in exam_components:
            if (student_id, component_id) in exams:
                score = exams[(student_id, component_id)]
                found_marks[key] = not_handed_in if score is None else graded_mark(score)
        mine = handed.get(student_id, {})
        for key, assignment in work_components:
            assert assignment is not None  # an assignment component has one (a constraint)
            found = mine.get(assignment.id)
            if found is not None:
                group_id, _ = found
                grade = grades.get((assignment.id, group_id))
                if grade is None:
                    found_marks[key] = not_graded_yet
                else:
                    grade_id, score = grade
                    found_marks[key] = graded_mark(overrides.get((grade_id, student_id), score))
                continue
            group_now = current_group.get(student_id)
            extension = extensions.get((group_now, assignment.id)) if group_now else None
            if _deadline_passed(
                assignment=assignment,
                tz_name=edition.timezone,
                extension=extension,
                now=now,
                base_cache=base_cache,
            ):
                found_marks[key] = not_handed_in
        # In the scheme's order, as the engine reads them.
        result[student_id] = {key: found_marks[key] for key in order if key in found_marks}
    return result


def compute_safely(
    scheme: engine.Scheme, marks: dict[str, engine.MarkInput]
) -> engine.FinalResult | list[str]:
    """The engine's result, or the problems in words when the scheme or marks are invalid
    (a scheme edited into an invalid state, a max score lowered below a given mark)."""
    try:
        return engine.compute(scheme, marks)
    except (engine.InvalidScheme, engine.InvalidMarks) as exc:
        return list(exc.problems)


# --- students -------------------------------------------------------------------------------


@dataclass
class StudentGrade:
    """A released grade as its student sees it."""

    grade: Grade
    score: Decimal  # the member's own mark when overridden
    override_reason: str = ""
    rubric: list[RubricScore] = field(default_factory=list)
    regrade: RegradeRequest | None = None  # the latest request, with its answer
    regrade_until: dt.datetime | None = None  # requests close then
    regrade_possible: bool = False  # the window is open and no request is open


@dataclass
class StudentView:
    edition: Edition
    grades: list[StudentGrade]
    loaded: LoadedScheme | None
    marks: dict[str, engine.MarkInput]
    result: engine.FinalResult | None
    problems: list[str]
    final_released: bool


def student_view(*, edition: Edition, student: User, now: dt.datetime | None = None) -> StudentView:
    """What a student may see of their grades in ``edition``: released marks only."""
    member_of = Submission.members.through.objects.filter(
        user_id=student.pk, submission__assignment__edition=edition
    ).values("submission_id")
    released = list(
        Grade.objects.filter(
            assignment__edition=edition,
            status=Grade.Status.RELEASED,
            submission_id__in=member_of,
        )
        .select_related("assignment", "submission")
        .prefetch_related(
            Prefetch("rubric_scores", queryset=RubricScore.objects.select_related("criterion")),
            Prefetch("overrides", queryset=GradeOverride.objects.filter(student=student)),
            Prefetch(
                "regrade_requests",
                queryset=RegradeRequest.objects.order_by("-created_at", "-id"),
            ),
        )
        .order_by("assignment__due_date", "assignment__due_time", "assignment__position")
    )
    grades = []
    moment = now or timezone.now()
    for grade in released:
        override = next(iter(grade.overrides.all()), None)
        assert grade.score is not None  # a released grade has one (a database constraint)
        regrade = next(iter(grade.regrade_requests.all()), None)
        until = regrade_window_end(grade)
        grades.append(
            StudentGrade(
                grade=grade,
                score=override.score if override else grade.score,
                override_reason=override.reason if override else "",
                rubric=list(grade.rubric_scores.all()),
                regrade=regrade,
                regrade_until=until,
                regrade_possible=until is not None
                and moment < until
                and (regrade is None or regrade.status != RegradeRequest.Status.OPEN),
            )
        )
    loaded = scheme_load(edition=edition)
    marks: dict[str, engine.MarkInput] = {}
    result = None
    problems: list[str] = []
    final_released = bool(loaded and loaded.model.final_released_at)
    if loaded is not None:
        marks = marks_for_students(
            loaded=loaded, student_ids=[student.pk], exam_marks_visible=final_released, now=now
        )[student.pk]
        outcome = compute_safely(loaded.engine, marks)
        if isinstance(outcome, list):
            problems = outcome
        else:
            result = outcome
    return StudentView(
        edition=edition,
        grades=grades,
        loaded=loaded,
        marks=marks,
        result=result,
        problems=problems,
        final_released=final_released,
    )


def regrade_window_end(grade: Grade) -> dt.datetime | None:
    """When regrade requests close for a released grade (precondition: assignment loaded)."""
    if grade.released_at is None:
        return None
    return grade.released_at + dt.timedelta(days=grade.assignment.regrade_window_days)


def grade_get_for_member(*, grade_id: int, user: User) -> Grade:
    """A released grade of work ``user`` handed in with their group (a member of the version
    graded); 404 for anyone else, the same as for a missing grade."""
    grade = (
        Grade.objects.filter(
            pk=grade_id,
            status=Grade.Status.RELEASED,
            submission__members=user.pk if user.is_authenticated else None,
        )
        .select_related("assignment__edition")
        .first()
    )
    if grade is None:
        raise Http404("No such grade.")
    return grade


def student_editions(*, user: User, slug: str | None = None) -> QuerySet[Edition]:
    """The editions ``user`` studies in (only ``slug`` if given), newest slug first, with
    their course: the pages of the student's grades and planner APIs."""
    editions = Edition.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.STUDENT
    )
    if slug:
        editions = editions.filter(slug=slug)
    return editions.select_related("course").order_by("-slug")


# --- staff ----------------------------------------------------------------------------------


def final_grades_of_edition(*, edition: Edition) -> QuerySet[FinalGrade]:
    return (
        FinalGrade.objects.filter(edition=edition)
        .select_related("student")
        .order_by("student__last_name", "student__first_name", "student__email")
    )


def grades_of_edition(*, edition: Edition) -> QuerySet[Grade]:
    """Every group grade of the edition, drafts included (staff only)."""
    return (
        Grade.objects.filter(assignment__edition=edition)
        .select_related("assignment", "group", "grader")
        .order_by(
            "assignment__due_date", "assignment__due_time", "assignment__position", "group__name"
        )
    )


def rubric_of(*, assignment: Assignment) -> list[RubricCriterion]:
    return list(RubricCriterion.objects.filter(assignment=assignment).order_by("position", "id"))


def rubric_in_use(assignment_id: int) -> bool:
    """Whether grades of this assignment have rubric points (its rubric is then frozen)."""
    return Grade.objects.filter(assignment_id=assignment_id, rubric_scores__isnull=False).exists()


def rubric_shortfall(*, assignment: Assignment) -> Decimal:
    """How far the rubric's maxima are below the max score (0 when complete or absent)."""
    maxima = RubricCriterion.objects.filter(assignment=assignment).values_list(
        "max_points", flat=True
    )
    total = sum(maxima, Decimal(0))
    return assignment.max_score - total if total else Decimal(0)


def histogram(values: Iterable[Decimal], *, maximum: Decimal, bins: int = 10) -> list[dict]:
    """Counts of ``values`` in ``bins`` equal bins over [0, maximum]; the last bin is closed."""
    maximum = Decimal(maximum)
    width = maximum / bins
    counts = [0] * bins
    for value in values:
        index = int(Decimal(value) / width) if width > 0 else 0
        counts[min(max(index, 0), bins - 1)] += 1
    return [
        {
            "low": (width * i).normalize(),
            "high": (width * (i + 1)).normalize(),
            "count": count,
            "last": i == bins - 1,
        }
        for i, count in enumerate(counts)
    ]


def exam_component_get(*, edition: Edition, key: str) -> SchemeComponent:
    """The exam component ``key`` of the edition's scheme; a ValidationError otherwise."""
    component = (
        SchemeComponent.objects.select_related("scheme")
        .filter(scheme__edition=edition, key=key, kind=SchemeComponent.Kind.EXAM)
        .first()
    )
    if component is None:
        raise ValidationError(f"The grading scheme has no exam component {key!r}.")
    return component


def student_find(*, edition: Edition, identifier: str) -> User:
    """The student of ``edition`` with this student ID or e-mail; a ValidationError otherwise."""
    who = identifier.strip()
    student = None
    if who:  # a blank identifier would match every student without an ID
        student = (
            User.objects.filter(
                memberships__edition=edition, memberships__role=Membership.Role.STUDENT
            )
            .filter(Q(email__iexact=who) | Q(student_id__iexact=who))
            .first()
        )
    if student is None:
        raise ValidationError(f"No student of this edition has the ID or e-mail {who!r}.")
    return student
