"""Every student and staff page at a phone's width (390 px) and a laptop's (1280 px): the
document is no wider than the viewport and axe-core finds nothing at WCAG 2.1 AA, sign-in
pages included. Screenshots of each page at both widths are kept in
test-artifacts/screenshots/pages/ (docs/testing.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assignments.models import Assignment
from courses.models import Edition, Membership
from submissions import invite_services
from tests.browser.journeys import PASSWORD
from tests.browser.pages import axe_context_options, check_page, install_axe, signed_in
from tests.factories import (
    AssignmentFactory,
    MembershipFactory,
    PaperFactory,
    SubmissionFactory,
    UserFactory,
    build_full_edition,
    make_group,
    make_student,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    edition = build_full_edition(slug="info8010-live", term="Spring 2031")
    archived = build_full_edition(
        slug="info8010-2023", course=edition.course, status=Edition.Status.ARCHIVED
    )
    today = timezone.localdate()
    homework = AssignmentFactory(
        edition=edition,
        title="Homework 1",
        due_date=today - dt.timedelta(days=3),
        min_group_size=2,
        max_group_size=3,
    )
    reading = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading assignment with a rather long title to wrap on phones",
        due_date=today + dt.timedelta(days=14),
        min_group_size=2,
        max_group_size=3,
        accepted_kinds=["pdf"],
        max_pages=2,
    )
    PaperFactory(assignment=reading, title="Denoising Diffusion Probabilistic Models")
    alice = make_student(edition, "alice.with.a.long.address@student.example.test")
    bob = make_student(edition, "bob@student.example.test")
    carol = make_student(edition, "carol@student.example.test")
    MembershipFactory(edition=archived, user=alice, role=Membership.Role.STUDENT)
    group = make_group(edition, alice, bob, name="Tensor Titans")
    make_group(edition, carol, name="Solo")  # too small for the reading report
    for version in (1, 2):
        SubmissionFactory(
            assignment=homework,
            group=group,
            version=version,
            original_name="a-rather-long-file-name-for-homework-one-version.ipynb",
            sha256="ab" * 32,
        )
    submission = SubmissionFactory(assignment=reading, group=group, sha256="cd" * 32)
    dave = make_student(edition, "dave@student.example.test")
    invite_services.group_invite(actor=carol, edition=edition, who=dave.email)
    ta = UserFactory(email="ta@example.test", is_staff=True, password=PASSWORD)
    MembershipFactory(edition=edition, user=ta, role=Membership.Role.TA)
    MembershipFactory(edition=archived, user=ta, role=Membership.Role.TA)
    return {
        "edition": edition,
        "archived": archived,
        "homework": homework,
        "reading": reading,
        "submission": submission,
        "alice": alice,
        "carol": carol,
        "dave": dave,
        "ta": ta,
    }


def _pages(world):
    e, slug = world["edition"], world["edition"].slug
    reading = reverse("submissions:assignment", args=[world["reading"].pk])
    return {
        None: [
            ("courses", "/"),
            ("course-page", e.get_absolute_url()),
            ("archived-course-page", world["archived"].get_absolute_url()),
            ("archives", reverse("agenda:archives", args=[slug])),
            ("sign-in", reverse("account_login")),
            ("sign-up", reverse("account_signup")),
            ("password-reset", reverse("account_reset_password")),
        ],
        "alice": [
            ("student-courses", reverse("submissions:home")),
            ("student-dashboard", reverse("submissions:dashboard", args=[slug])),
            ("student-group", reverse("submissions:group", args=[slug])),
            ("student-leave-group", reverse("submissions:group", args=[slug]) + "?leave"),
            ("student-assignment", f"{reading}?receipt={world['submission'].pk}"),
            (
                "student-closed-assignment",
                reverse("submissions:assignment", args=[world["homework"].pk]),
            ),
            ("student-grades", reverse("grading:mine", args=[slug])),
            ("student-profile", reverse("submissions:profile")),
            ("sign-out", reverse("account_logout")),
            ("password-change", reverse("account_change_password")),
        ],
        "carol": [("student-too-small", reading)],
        "dave": [("student-invited", reverse("submissions:group", args=[slug]))],
        "ta": [
            ("staff-courses", reverse("submissions:home")),
            ("staff-home", reverse("submissions:dashboard", args=[slug])),
            ("staff-grade-table", reverse("grading:staff", args=[slug])),
            ("staff-assignment", reading),
            ("staff-verify-receipt", reverse("submissions:verify-receipt")),
        ],
    }


@pytest.mark.parametrize("width", [390, 1280])
def test_every_page_fits_the_screen_and_passes_axe(browser, live_server, world, width):
    problems = []
    for who, pages in _pages(world).items():
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": 844 if width == 390 else 800},
            **axe_context_options(),
        )
        context.set_default_timeout(10_000)
        install_axe(context)
        if who:
            signed_in(context, world[who], live_server.url)
        page = context.new_page()
        try:
            for name, url in pages:
                response = page.goto(url)
                assert response is not None and response.ok, f"{name}: {url} answered {response}"
                problems += check_page(page, name, width)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
