"""Fixtures for hand-in tests: an edition in Brussels with a group of two and assignments."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses.models import Membership
from tests.factories import (  # noqa: F401 — make_group, make_student: for the tests here
    AssignmentFactory,
    EditionFactory,
    MembershipFactory,
    UserFactory,
    make_group,
    make_student,
)
from tests.submissions import filegen

BRUSSELS = "Europe/Brussels"


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
