"""Fixtures for hand-in tests: an edition in Brussels with a group of two and assignments."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import Membership
from submissions.models import GroupMembership, StudentGroup
from tests.factories import AssignmentFactory, EditionFactory, MembershipFactory, UserFactory
from tests.submissions import filegen

BRUSSELS = "Europe/Brussels"


def make_student(edition, email):
    user = UserFactory(email=email)
    MembershipFactory(edition=edition, user=user, role=Membership.Role.STUDENT)
    return user


def make_group(edition, *users, name=None):
    group = StudentGroup.objects.create(edition=edition, name=name or f"Group {users[0].pk}")
    for user in users:
        GroupMembership.objects.create(group=group, user=user, edition=edition)
    return group


def pdf_upload(pages=1, name="report.pdf"):
    return SimpleUploadedFile(name, filegen.pdf(filegen.text_pages(pages)), "application/pdf")


@pytest.fixture
def edition(db):
    return EditionFactory(slug="info8010-test", timezone=BRUSSELS)


@pytest.fixture
def alice(edition):
    return make_student(edition, "alice@example.test")


@pytest.fixture
def bob(edition):
    return make_student(edition, "bob@example.test")


@pytest.fixture
def carol(edition):
    return make_student(edition, "carol@example.test")


@pytest.fixture
def group(edition, alice, bob):
    return make_group(edition, alice, bob, name="Tensor Titans")


@pytest.fixture
def other_group(edition, carol):
    dave = make_student(edition, "dave@example.test")
    return make_group(edition, carol, dave, name="Gradient Gang")


@pytest.fixture
def homework(edition):
    """Homework 1: due Mon 6 March 2023 23:59 Brussels (CET) = 22:59 UTC."""
    return AssignmentFactory(
        edition=edition,
        title="Homework 1",
        due_date=dt.date(2023, 3, 6),
        min_group_size=2,
        max_group_size=3,
        accepted_kinds=["pdf", "notebook"],
    )


@pytest.fixture
def ta(edition):
    user = UserFactory(email="ta@example.test", is_staff=True)
    MembershipFactory(edition=edition, user=user, role=Membership.Role.TA)
    return user
