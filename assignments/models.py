"""Assignments: the work students hand in, and the deadlines that put them on the agenda."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from config.validators import LinkURLField
from courses import timeutils
from courses.models import Edition

DEFAULT_DUE_TIME = dt.time(23, 59)
FILE_KINDS = ("pdf", "notebook", "zip")


def default_accepted_kinds() -> list[str]:
    return ["pdf"]


class Assignment(models.Model):
    class Kind(models.TextChoices):
        HOMEWORK = "homework", "Homework"
        PROJECT_PROPOSAL = "project_proposal", "Project proposal"
        PROJECT = "project", "Project"
        READING_REPORT = "reading_report", "Reading report"
        OTHER = "other", "Other"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Homework 1 → 1")
    title = models.CharField(max_length=200, help_text='e.g. "Homework 1"')
    agenda_title = models.CharField(
        max_length=200,
        blank=True,
        help_text='Agenda wording after "Deadline for", e.g. "the project proposal". '
        "The title when blank.",
    )
    summary = models.CharField(
        max_length=500,
        blank=True,
        help_text='One line, e.g. "Tensor operations, `autograd` and `nn`." (Markdown)',
    )
    description = models.TextField(blank=True, help_text="Markdown, rendered sanitized")
    handout_url = LinkURLField(blank=True, help_text="http(s) or relative")
    handout_in_agenda = models.BooleanField(
        default=False,
        help_text='The agenda\'s deadline row links the handout: "Deadline for [Homework 1](…)"',
    )
    position = models.PositiveIntegerField(
        default=0, help_text="Order of appearance among the items of the agenda on its date"
    )
    # The deadline: local wall-clock date and time in the edition's zone. The aware instant
    # (``due_at``) is derived from them when read (docs/decisions/0008-derived-values.md).
    due_date = models.DateField(db_index=True)
    due_time = models.TimeField(default=DEFAULT_DUE_TIME)
    hard_deadline = models.BooleanField(default=False, help_text='Shown as "a hard deadline"')
    # Rules used by the submissions and grading issues.
    opens_at = models.DateTimeField(null=True, blank=True)
    grace_minutes = models.PositiveIntegerField(default=0)
    optional = models.BooleanField(default=False)
    min_group_size = models.PositiveSmallIntegerField(default=1)
    max_group_size = models.PositiveSmallIntegerField(default=3)
    max_score = models.DecimalField(max_digits=6, decimal_places=2, default=20)
    # What a hand-in must be (checked by content on the server, see submissions.filechecks).
    accepted_kinds = models.JSONField(
        default=default_accepted_kinds,
        help_text='Any of "pdf", "notebook", "zip", e.g. ["pdf"] or ["notebook", "zip"]',
    )
    max_file_mb = models.PositiveIntegerField(default=20, help_text="Size limit of one file")
    max_pages = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Page limit of a PDF (empty: none)"
    )
    pages_exclude_references = models.BooleanField(
        default=False,
        help_text="Pages from the References / Bibliography heading on do not count",
    )
    requires_approved_proposal = models.BooleanField(
        default=False,
        help_text="Refuse hand-ins from groups whose project proposal is not approved",
    )
    # Grading (docs/grading.md): names hidden from graders until release; regrade window.
    anonymous_grading = models.BooleanField(
        default=False,
        help_text='Graders see "Hand-in #k" instead of names until the grades are released',
    )
    regrade_window_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="Days after a grade's release during which students may ask for a regrade",
    )
    closed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set once every group's deadline passed"
    )
    sequence = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "due_time", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_group_size__lte=models.F("max_group_size")),
                name="assignments_group_sizes_ordered",
            ),
            models.CheckConstraint(
                condition=Q(min_group_size__gte=1), name="assignments_min_group_size_positive"
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        unknown = [k for k in self.accepted_kinds or [] if k not in FILE_KINDS]
        if not self.accepted_kinds or unknown:
            raise ValidationError(
                {
                    "accepted_kinds": f"Choose among {', '.join(FILE_KINDS)} "
                    f"(got {unknown or 'none'})."
                }
            )
        try:  # the local time must exist in the edition's zone
            timeutils.localize(self.due_date, self.due_time, self.edition.timezone)
        except timeutils.NonexistentLocalTime as exc:
            raise ValidationError({"due_time": str(exc)}) from exc

    @property
    def due_at(self) -> dt.datetime:
        """The deadline as an aware instant: the local date and time in the edition's zone
        (precondition: the edition is loaded, e.g. ``select_related("edition")``). Saves
        refuse a local time in a DST gap (``clean``); one stored anyway (a new time-zone
        database) is read by the rule of docs/decisions/0018-dst-gap-rule.md."""
        return timeutils.resolve(self.due_date, self.due_time, self.edition.timezone)

    @property
    def deadline_label(self) -> str:
        return f"Deadline for {self.agenda_title or self.title}"

    @property
    def accepted_kinds_display(self) -> str:
        names = {"pdf": "PDF", "notebook": "Jupyter notebook", "zip": "ZIP of code"}
        return ", ".join(names.get(k, k) for k in self.accepted_kinds)


class Paper(models.Model):
    """A paper students may choose for a reading report."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="papers")
    authors = models.CharField(max_length=300, help_text='e.g. "Rombach et al"')
    title = models.CharField(max_length=300)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    url = LinkURLField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f'{self.authors}, "{self.title}", {self.year}'
