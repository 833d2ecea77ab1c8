"""An assignment's grader bundle (tests, environment, limits, when students see results) and
the runs of it on hand-ins, one or more per submission version
(docs/decisions/0024-autograder.md)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from assignments.models import Assignment
from submissions.models import Submission


class GraderBundle(models.Model):
    """The autograder of one assignment. Every change raises ``version``; runs keep the
    version they ran, so older results stay as they were until re-run."""

    class Visibility(models.TextChoices):
        AT_ONCE = "at_once", "At once"
        AFTER_DEADLINE = "after_deadline", "After the deadline"

    assignment = models.OneToOneField(
        Assignment, on_delete=models.CASCADE, related_name="grader_bundle"
    )
    tests = models.TextField(
        help_text="Python run in the student's kernel after the notebook: each test_* "
        'function is a test; @points(2, "message for students") gives its points and message '
        "(1 point and its docstring otherwise). An assert that fails shows its message."
    )
    environment = models.CharField(
        max_length=64,
        help_text="Built with: manage.py autograder_env create NAME --requirements FILE",
    )
    wall_seconds = models.PositiveIntegerField(
        "wall time (s)", default=120, validators=[MinValueValidator(5), MaxValueValidator(3600)]
    )
    cpu_seconds = models.PositiveIntegerField(
        "CPU time (s)", default=60, validators=[MinValueValidator(1), MaxValueValidator(3600)]
    )
    memory_mb = models.PositiveIntegerField(
        "memory (MB)", default=1024, validators=[MinValueValidator(256), MaxValueValidator(16384)]
    )
    output_kb = models.PositiveIntegerField(
        "output kept (KB)", default=64, validators=[MinValueValidator(1), MaxValueValidator(4096)]
    )
    visibility = models.CharField(
        "students see results",
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.AT_ONCE,
    )
    prefill_grade = models.BooleanField(
        default=True,
        help_text="The autograder's score (scaled to the assignment's maximum) fills the draft "
        "grade until a TA changes it",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "autograder"
        constraints = [
            models.CheckConstraint(
                condition=Q(cpu_seconds__gte=1) & Q(wall_seconds__gte=5), name="autograder_limits"
            ),
        ]

    def __str__(self):
        return f"Autograder of {self.assignment} (v{self.version})"


class AutogradeRun(models.Model):
    """One run of a bundle version on one submission version, and its results."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        TIMEOUT = "timeout", "Timed out"

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="autograde_runs"
    )
    bundle = models.ForeignKey(GraderBundle, on_delete=models.CASCADE, related_name="runs")
    bundle_version = models.PositiveIntegerField()
    environment = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    tests = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    stdout_tail = models.TextField(blank=True)
    stderr_tail = models.TextField(blank=True)
    output_cut = models.PositiveBigIntegerField(default=0, help_text="Output bytes dropped")
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    prefilled_revision = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The grade revision the autograder's score was saved as (a TA's save "
        "raises it: the autograder then leaves the grade alone)",
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["submission", "-id"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(score__isnull=False, max_score__isnull=False),
                name="autograder_done_has_score",
            ),
        ]

    def __str__(self):
        return f"Autograde of {self.submission} (bundle v{self.bundle_version}): {self.status}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.TIMEOUT)
