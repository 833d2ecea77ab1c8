"""Courses, their editions (terms), who teaches and follows them, and the agenda items
that belong to the course itself (lectures, events). Deadlines live in ``assignments``."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from config.validators import LinkURLField

from . import timeutils


class Course(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="e.g. INFO8010")
    title = models.CharField(max_length=200, help_text="e.g. Deep Learning")
    institution = models.CharField(max_length=200, blank=True, help_text="e.g. ULiège")

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} – {self.title}"


class EditionQuerySet(models.QuerySet):
    def staffed_by(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user, memberships__role__in=STAFF_ROLES).distinct()

    def visible_to(self, user):
        """Published and archived editions for everyone; drafts for their staff too."""
        if user.is_authenticated and user.is_superuser:
            return self
        visible = Q(status__in=[Edition.Status.PUBLISHED, Edition.Status.ARCHIVED])
        if user.is_authenticated:
            visible |= Q(memberships__user=user, memberships__role__in=STAFF_ROLES)
        return self.filter(visible).distinct()


def _enrolment_code() -> str:
    return secrets.token_urlsafe(6)


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="editions")
    slug = models.SlugField(max_length=64, unique=True, help_text="e.g. info8010-2023")
    term = models.CharField(max_length=64, help_text='e.g. "Spring 2023"')
    academic_year = models.CharField(max_length=16, blank=True, help_text='e.g. "2022-2023"')
    intro = models.TextField(
        blank=True,
        help_text="Markdown shown under the title, e.g. "
        '"Lectures for INFO8010 - Deep Learning, ULiège, Spring 2023."',
    )
    timezone = models.CharField(
        max_length=64, default="Europe/Brussels", help_text="IANA time zone of every local time"
    )
    meeting_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, null=True, blank=True
    )
    meeting_time = models.TimeField(null=True, blank=True, help_text="Local start of lectures")
    meeting_room = models.CharField(max_length=100, blank=True, help_text='e.g. "R3 / B28"')
    schedule_text = models.CharField(
        max_length=200,
        blank=True,
        help_text='The "When" line as written, e.g. "Spring 2023, Friday 8:30 AM". '
        "Derived from the term and meeting time when blank.",
    )
    lecture_minutes = models.PositiveSmallIntegerField(
        default=180, help_text="Duration of a lecture in calendar feeds"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    enrolment_code = models.CharField(
        max_length=32, unique=True, default=_enrolment_code, help_text="Students join with it"
    )
    # Group rules (docs/decisions/0003-groups.md), applied by the submissions services.
    group_min_size = models.PositiveSmallIntegerField(default=1)
    group_max_size = models.PositiveSmallIntegerField(default=3)
    groups_lock_at = models.DateTimeField(
        null=True, blank=True, help_text="After this, only staff change groups"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = EditionQuerySet.as_manager()

    class Meta:
        ordering = ["course__code", "-slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_min_size__lte=models.F("group_max_size")),
                name="courses_edition_group_sizes_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.course.code} {self.term}"

    def clean(self):
        if not timeutils.is_valid_zone(self.timezone):
            raise ValidationError({"timezone": f"Unknown time zone {self.timezone!r}."})

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.ARCHIVED)

    @property
    def when_text(self) -> str:
        if self.schedule_text:
            return self.schedule_text
        parts = [self.term]
        if self.meeting_weekday is not None and self.meeting_time is not None:
            hour = self.meeting_time.strftime("%I:%M %p").lstrip("0")
            parts.append(f"{self.get_meeting_weekday_display()} {hour}")
        return ", ".join(parts)

    def local_datetime(self, day: dt.date, at: dt.time) -> dt.datetime:
        return timeutils.localize(day, at, self.timezone)


class EditionInfo(models.Model):
    """An extra header line of the course page, e.g. "Discord: <link>"."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="infos")
    label = models.CharField(max_length=64)
    value = models.TextField(help_text="Markdown")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.label}: {self.value}"


class EditionSection(models.Model):
    """A prose section of the course page (Homeworks, Project, Reading assignment, …)."""

    class Kind(models.TextChoices):
        HOMEWORKS = "homeworks", "Homeworks"
        PROJECT = "project", "Project"
        READING = "reading", "Reading assignment"
        OTHER = "other", "Other"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.OTHER)
    heading = models.CharField(max_length=200)
    body = models.TextField(blank=True, help_text="Markdown")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.heading


class PreviousEdition(models.Model):
    """A link to an older edition, kept as an archive ("2021-2022")."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="previous_editions")
    label = models.CharField(max_length=64)
    url = LinkURLField(blank=True)
    linked_edition = models.ForeignKey(
        Edition, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label


class Membership(models.Model):
    """Who teaches or follows an edition. Staff listed on the page may have no account yet."""

    class Role(models.TextChoices):
        INSTRUCTOR = "instructor", "Instructor"
        TA = "ta", "Teaching assistant"
        STUDENT = "student", "Student"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    display_name = models.CharField(
        max_length=200, blank=True, help_text="Name shown on the course page"
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "user"],
                condition=Q(user__isnull=False),
                name="courses_membership_one_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(role="student") | Q(user__isnull=False),
                name="courses_membership_student_has_account",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(display_name=""),
                name="courses_membership_named",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()}, {self.edition.slug})"

    @property
    def name(self) -> str:
        if self.display_name:
            return self.display_name
        return self.user.display_name if self.user else ""


# The roles that make a member staff of an edition. The rules built on them are in
# courses/permissions.py (docs/decisions/0012-scoping.md).
STAFF_ROLES = (Membership.Role.INSTRUCTOR, Membership.Role.TA)


class Link(models.Model):
    """A resource attached to an agenda item: slides, PDF, video, code, a notebook, …"""

    class Kind(models.TextChoices):
        SLIDES = "slides", "Slides"
        PDF = "pdf", "PDF"
        VIDEO = "video", "Video"
        CODE = "code", "Code"
        NOTEBOOK = "notebook", "Notebook"
        TUTORIAL = "tutorial", "Tutorial"
        HANDOUT = "handout", "Handout"
        OTHER = "other", "Link"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    label = models.CharField(max_length=64, blank=True, help_text='e.g. "PDF", "Code 2a"')
    url = LinkURLField(help_text="http(s) or relative")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.label or self.get_kind_display()


class AgendaItemQuerySet(models.QuerySet):
    def dated(self):
        return self.filter(date__isnull=False)


class Lecture(models.Model):
    class Kind(models.TextChoices):
        SYLLABUS = "syllabus", "Course syllabus"
        LECTURE = "lecture", "Lecture"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="lectures")
    date = models.DateField(null=True, blank=True, help_text="Empty only for archived lectures")
    position = models.PositiveIntegerField(
        default=0, help_text="Order of appearance among the items of the agenda"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LECTURE)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    note = models.CharField(max_length=200, blank=True, help_text='e.g. "(Optional)"')
    archived = models.BooleanField(
        default=False, help_text="Listed under archived lectures, not in the agenda"
    )
    cancelled = models.BooleanField(
        default=False, help_text="Kept in the agenda, struck through; STATUS:CANCELLED in feeds"
    )
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="Bumped on every change (iCalendar SEQUENCE)"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["date", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(archived=True) | Q(date__isnull=False),
                name="courses_lecture_dated_unless_archived",
            ),
        ]

    def __str__(self):
        if self.number is not None:
            return f"Lecture {self.number}: {self.title}"
        return self.title


class LectureLink(Link):
    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="links")

    class Meta(Link.Meta):
        pass


class Event(models.Model):
    """A dated agenda item that is neither a lecture nor a deadline (tutorial, invited talk)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="events")
    date = models.DateField(null=True, blank=True, help_text="Empty for an undated agenda row")
    position = models.PositiveIntegerField(default=0)
    label = models.CharField(
        max_length=64, blank=True, help_text='Prefix as written, e.g. "Tutorial", "Invited talk"'
    )
    title = models.CharField(max_length=300)
    speaker = models.CharField(max_length=200, blank=True)
    cancelled = models.BooleanField(
        default=False, help_text="Kept in the agenda, struck through; STATUS:CANCELLED in feeds"
    )
    starts_at_time = models.TimeField(
        null=True, blank=True, help_text="Local start; the edition's meeting time when empty"
    )
    sequence = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["date", "position", "id"]

    def __str__(self):
        return f"{self.label}: {self.title}" if self.label else self.title


class EventLink(Link):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="links")

    class Meta(Link.Meta):
        pass
