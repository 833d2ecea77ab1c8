"""An INFO8010 2023-like edition for grading tests: the 2023 scheme, a TA, an instructor,
students in groups, and helpers to hand in work (directly in the past) and grade it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from assignments.models import Assignment
from courses.models import Membership
from grading import services
from grading.models import MarkChange
from tests.factories import (  # noqa: F401 — make_group, make_student: for the tests here
    AssignmentFactory,
    EditionFactory,
    MembershipFactory,
    SubmissionFactory,
    UserFactory,
    make_group,
    make_student,
)

ADMIN = MarkChange.Via.ADMIN
SYSTEM = MarkChange.Via.SYSTEM


def hand_in(assignment, group, *, version=1, members=None):
    """A version recorded as the submission service would, without its clock check."""
    return SubmissionFactory(
        assignment=assignment,
        group=group,
        version=version,
        **({"members": list(members), "submitted_by": list(members)[0]} if members else {}),
    )


def grade(assignment, group, score, *, actor, release=False):
    g = services.grade_save(
        actor=actor, assignment=assignment, group=group, score=D(str(score)), via=SYSTEM
    )
    if release:
        services.grade_release(actor=actor, assignment=assignment, via=SYSTEM)
    return g


def grant_grading_permissions(user):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["grading", "submissions"])
    )


class Course2023:
    """The edition, its five assignments, the 2023 scheme and staff."""

    def __init__(self, slug="info8010-grading"):
        self.edition = EditionFactory(slug=slug, timezone="Europe/Brussels")
        e = self.edition
        self.instructor = UserFactory(email=f"prof@{slug}.test", is_staff=True)
        MembershipFactory(edition=e, user=self.instructor, role=Membership.Role.INSTRUCTOR)
        self.ta = UserFactory(email=f"ta@{slug}.test", is_staff=True)
        MembershipFactory(edition=e, user=self.ta, role=Membership.Role.TA)
        grant_grading_permissions(self.ta)
        grant_grading_permissions(self.instructor)
        self.hw1 = AssignmentFactory(
            edition=e, title="Homework 1", number=1, due_date=dt.date(2023, 3, 6), optional=True
        )
        self.hw2 = AssignmentFactory(
            edition=e, title="Homework 2", number=2, due_date=dt.date(2023, 3, 20), optional=True
        )
        self.reading = AssignmentFactory(
            edition=e,
            kind=Assignment.Kind.READING_REPORT,
            number=None,
            title="Reading report",
            due_date=dt.date(2023, 5, 19),
        )
        self.project = AssignmentFactory(
            edition=e,
            kind=Assignment.Kind.PROJECT,
            number=None,
            title="Project",
            due_date=dt.date(2023, 5, 19),
        )
        self.scheme = services.scheme_set(
            actor=self.instructor,
            edition=e,
            scale=D(20),
            rounding_step=D("0.5"),
            components=[
                services.ComponentSpec("oral_exam", "Oral exam", D(50), kind="exam"),
                services.ComponentSpec(
                    "reading_report",
                    "Reading report",
                    D(10),
                    assignment=self.reading,
                    mandatory_for_admission=True,
                ),
                services.ComponentSpec(
                    "homework_1",
                    "Homework 1",
                    D(5),
                    assignment=self.hw1,
                    optional=True,
                    transfer_to="project",
                ),
                services.ComponentSpec(
                    "homework_2",
                    "Homework 2",
                    D(5),
                    assignment=self.hw2,
                    optional=True,
                    transfer_to="project",
                ),
                services.ComponentSpec(
                    "project",
                    "Project",
                    D(30),
                    assignment=self.project,
                    mandatory_for_admission=True,
                ),
            ],
        )
        self.exam = self.scheme.components.get(key="oral_exam")

    def group_of(self, *emails, name, student_ids=()):
        students = [
            make_student(self.edition, email, sid)
            for email, sid in zip(emails, list(student_ids) + [""] * len(emails), strict=False)
        ]
        return make_group(self.edition, *students, name=name), students

    def complete(self, group, *, homeworks=(1, 2), reading=True, release=True, score=14):
        """Hand in and grade (released) what is asked; project always."""
        work = [self.project]
        if reading:
            work.append(self.reading)
        work += [self.hw1 if n == 1 else self.hw2 for n in homeworks]
        for assignment in work:
            hand_in(assignment, group)
            grade(assignment, group, score, actor=self.ta)
        if release:
            for assignment in work:
                services.grade_release(actor=self.ta, assignment=assignment, via=SYSTEM)


@pytest.fixture
def course(db):
    return Course2023()


@pytest.fixture
def after_term():
    """A time after every 2023 deadline."""
    return timezone.make_aware(dt.datetime(2023, 7, 1, 12, 0))
