"""Grades of submissions, rubrics, individual overrides, exam marks, the grading scheme as
data, the stored final grades, and the history of every mark change
(docs/decisions/0004-weighting.md).

The computation itself is ``grading.engine`` (pure); ``grading.selectors`` builds its inputs
from these rows and ``grading.services`` writes them. See docs/grading.md.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assignments.models import Assignment
from courses.models import Edition
from submissions.models import StudentGroup, Submission

ZERO = Decimal(0)


class Grade(models.Model):
    """The mark of one group's work on one assignment: the latest version handed in.

    A row with no score is a submission *assigned* to a grader and not graded yet. Grades
    stay private until released; a released grade may still be corrected (the change is
    recorded and the final grades recomputed).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RELEASED = "released", _("Released")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="grades")
    group = models.ForeignKey(StudentGroup, on_delete=models.CASCADE, related_name="grades")
    submission = models.ForeignKey(
        Submission,
        on_delete=models.PROTECT,
        related_name="grades",
        help_text="The version graded: the group's latest",
    )
    score = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text="Out of the assignment's maximum score; the rubric's sum when it has one",
    )
    feedback = models.TextField(blank=True, help_text="Shown to the students once released")
    grader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grades_to_give",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised by every save: a form posted with an older one is a conflict",
    )
    released_at = models.DateTimeField(null=True, blank=True, editable=False)
    released_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)
    released_email_claimed_by = models.CharField(
        max_length=64, blank=True, editable=False, help_text="Who is sending the e-mail"
    )
    released_email_claimed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a worker took the e-mail to send"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment", "group__name"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "group"], name="grading_grade_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0), name="grading_grade_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="released") | Q(score__isnull=False, released_at__isnull=False),
                name="grading_grade_released_has_score",
            ),
        ]

    def __str__(self):
        return f"{self.assignment} — {self.group}"

    @property
    def is_released(self) -> bool:
        return self.status == self.Status.RELEASED


class RegradeRequest(models.Model):
    """A group member's request to look at a released grade again, and the grader's answer.
    At most one open request per grade; the new score, if any, is saved by ``grade_save`` so
    the grade's history keeps both scores."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="regrade_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.TextField(help_text="What the group asks the grader to look at again")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    score_before = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    answer_emailed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grade"], condition=Q(status="open"), name="grading_one_open_regrade"
            ),
        ]

    def __str__(self):
        return f"Regrade of {self.grade} ({self.get_status_display()})"


class RubricCriterion(models.Model):
    """One line of an assignment's rubric. When an assignment has criteria, a grade's score is
    the sum of its criteria's points, and the criteria's maxima add up to its max score."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="rubric_criteria"
    )
    name = models.CharField(max_length=200, help_text='e.g. "quality and originality"')
    max_points = models.DecimalField(
        "maximum", max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "rubric criterion"
        verbose_name_plural = "rubric criteria"
        ordering = ["assignment", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "name"], name="grading_criterion_name"),
            models.CheckConstraint(
                condition=Q(max_points__gt=0), name="grading_criterion_max_positive"
            ),
        ]

    def __str__(self):
        return f"{self.name} (/{self.max_points.normalize():f})"


class RubricScore(models.Model):
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="rubric_scores")
    criterion = models.ForeignKey(RubricCriterion, on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "criterion"], name="grading_rubric_once"),
            models.CheckConstraint(condition=Q(points__gte=0), name="grading_points_positive"),
        ]

    def __str__(self):
        return f"{self.criterion.name}: {self.points}"


class GradeOverride(models.Model):
    """One member's own mark, replacing the group's (e.g. a member who did not contribute)."""

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="overrides")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grade_overrides"
    )
    score = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    reason = models.CharField(max_length=300, help_text="Why this member's mark differs")
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grade", "student"], name="grading_override_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="grading_override_positive"),
        ]

    def __str__(self):
        return f"{self.student} on {self.grade}: {self.score}"


class GradingScheme(models.Model):
    """How an edition's final grade is computed: components (below), scale and rounding.
    Validated by ``grading.engine.validate_scheme``."""

    edition = models.OneToOneField(Edition, on_delete=models.CASCADE, related_name="grading_scheme")
    scale = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal(20), help_text="20 in Belgium"
    )
    rounding_step = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.5"),
        help_text="The final is rounded to the nearest multiple (ties up)",
    )
    final_released_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When final grades and exam marks became visible to students",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(scale__gt=0), name="grading_scale_positive"),
            models.CheckConstraint(condition=Q(rounding_step__gt=0), name="grading_step_positive"),
        ]

    def __str__(self):
        return f"Grading scheme of {self.edition}"


class SchemeComponent(models.Model):
    class Kind(models.TextChoices):
        ASSIGNMENT = "assignment", "Assignment"
        EXAM = "exam", "Exam"

    scheme = models.ForeignKey(GradingScheme, on_delete=models.CASCADE, related_name="components")
    key = models.SlugField(max_length=64, help_text='e.g. "project"')
    name = models.CharField(max_length=200, help_text='Shown to students, e.g. "Project"')
    weight = models.DecimalField(
        max_digits=8, decimal_places=4, help_text="Percent of the final grade"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ASSIGNMENT)
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="scheme_components",
        help_text="For an assignment component: the assignment whose grades it takes",
    )
    optional = models.BooleanField(default=False)
    transfer_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="An optional component not handed in gives its weight to this one",
    )
    mandatory_for_admission = models.BooleanField(
        default=False, help_text="Must be handed in to be admitted to the exam"
    )
    max_mark = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(20),
        help_text="Exam components: what the mark is out of. Assignment components use the "
        "assignment's max score.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="grading_component_key"),
            models.UniqueConstraint(fields=["scheme", "name"], name="grading_component_name"),
            models.CheckConstraint(
                condition=(Q(kind="assignment") & Q(assignment__isnull=False))
                | (Q(kind="exam") & Q(assignment__isnull=True)),
                name="grading_component_kind_assignment",
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="grading_weight_positive"),
        ]

    def __str__(self):
        return self.name

    def engine_max_mark(self) -> Decimal:
        """What the component is marked out of (precondition: ``assignment`` is loaded)."""
        if self.kind == self.Kind.ASSIGNMENT and self.assignment is not None:
            return self.assignment.max_score
        return self.max_mark


class ExamMark(models.Model):
    """A student's mark on an exam component. No score: the student did not sit the exam."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="exam_marks")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_marks"
    )
    component = models.ForeignKey(
        SchemeComponent, on_delete=models.CASCADE, related_name="exam_marks"
    )
    score = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text="Empty: absent (did not sit the exam)",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["component", "student__last_name", "student__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["component", "student"], name="grading_exam_once"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0), name="grading_exam_positive"
            ),
        ]

    def __str__(self):
        shown = "absent" if self.score is None else f"{self.score}"
        return f"{self.student} — {self.component}: {shown}"


class FinalGrade(models.Model):
    """The stored result of the engine for one student, for staff tables, exports and the
    staff API; rewritten by ``final_grades_recompute``. Students' own pages compute theirs
    from released marks only."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="final_grades")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="final_grades"
    )
    final = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    unrounded = models.DecimalField(max_digits=20, decimal_places=12, null=True, blank=True)
    provisional = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    admitted = models.BooleanField(default=False)
    breakdown = models.JSONField(default=dict, help_text="engine.result_as_dict")
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField(help_text="When this result was last written")
    released = models.BooleanField(default=False)
    inputs_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the scheme and marks it was computed from: unchanged, not rewritten",
    )

    class Meta:
        ordering = ["edition", "student__last_name", "student__first_name", "student__email"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "student"], name="grading_final_once"),
        ]

    def __str__(self):
        return f"{self.student} — {self.edition}: {self.final}"


class MarkChange(models.Model):
    """Every change of a mark, whatever the path (admin, API, CSV, …): written by the
    services, never by signals."""

    class Via(models.TextChoices):
        ADMIN = "admin", "Django admin"
        API = "api", "REST API"
        CSV = "csv", "CSV import"
        WEB = "web", "Web page"
        SYSTEM = "system", "System (commands, demo data)"

    class Kind(models.TextChoices):
        GRADE = "grade", "Grade"
        OVERRIDE = "override", "Individual mark"
        EXAM = "exam", "Exam mark"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="mark_changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    via = models.CharField(max_length=16, choices=Via.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(help_text="The id of the grade, override or mark")
    object_repr = models.CharField(max_length=300)
    before = models.JSONField(null=True, blank=True, help_text="Empty when created")
    after = models.JSONField(null=True, blank=True, help_text="Empty when deleted")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor}: {self.object_repr}"


class SubmissionToGrade(Submission):
    """The TA's "to grade" list in the admin: the latest version of each group's work."""

    class Meta:
        proxy = True
        verbose_name = "submission to grade"
        verbose_name_plural = "submissions to grade"
