"""A TA grades a reading report with the rubric in the Django admin and releases it; the
student sees nothing before the release, then the mark, the rubric, the feedback and the
final-grade breakdown. The student's side runs without JavaScript."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from assignments.models import Assignment
from courses.models import Membership
from grading import services as grading_services
from grading.models import Grade, RubricCriterion
from grading.services import TEACHING_ASSISTANTS, staff_groups_ensure
from submissions import services as submission_services
from submissions.models import GroupMembership, StudentGroup
from tests.browser.journeys import PASSWORD, log_in, sign_in
from tests.factories import AssignmentFactory, EditionFactory, MembershipFactory, UserFactory
from tests.submissions import filegen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _account(email, **fields):
    user = UserFactory(email=email, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def term(db):
    """An edition graded on the syllabus' scheme (exam 50, reading 10, project 40), with a
    group that has handed in its reading report and a TA who may grade it."""
    edition = EditionFactory(slug="info8010-graded")
    reading = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading report",
        due_date=timezone.localdate() + dt.timedelta(days=7),
        accepted_kinds=["pdf"],
    )
    project = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.PROJECT,
        number=None,
        title="Project",
        due_date=timezone.localdate() + dt.timedelta(days=60),
    )
    RubricCriterion.objects.create(
        assignment=reading, name="Understanding of the paper", max_points=12, position=0
    )
    RubricCriterion.objects.create(assignment=reading, name="Writing", max_points=8, position=1)
    instructor = _account("prof@uliege.example.test", is_staff=True)
    MembershipFactory(edition=edition, user=instructor, role=Membership.Role.INSTRUCTOR)
    Spec = grading_services.ComponentSpec
    grading_services.scheme_set(
        actor=instructor,
        edition=edition,
        components=[
            Spec("oral_exam", "Oral exam", Decimal(50), kind="exam"),
            Spec(
                "reading",
                "Reading report",
                Decimal(10),
                assignment=reading,
                mandatory_for_admission=True,
            ),
            Spec(
                "project", "Project", Decimal(40), assignment=project, mandatory_for_admission=True
            ),
        ],
    )

    ta = _account("ta@uliege.example.test", is_staff=True)
    MembershipFactory(edition=edition, user=ta, role=Membership.Role.TA)
    ta.groups.add(staff_groups_ensure()[TEACHING_ASSISTANTS])

    alice = _account("alice@student.example.test", first_name="Alice")
    bob = _account("bob@student.example.test", first_name="Bob")
    group = StudentGroup.objects.create(edition=edition, name="Tensor Titans")
    for student in (alice, bob):
        MembershipFactory(edition=edition, user=student, role=Membership.Role.STUDENT)
        GroupMembership.objects.create(group=group, user=student, edition=edition)
    submission_services.submission_create(
        user=alice,
        assignment=reading,
        upload=SimpleUploadedFile("report.pdf", filegen.report_pdf(2), "application/pdf"),
    )
    return {"edition": edition, "reading": reading, "ta": ta, "alice": alice, "group": group}


def test_a_ta_grades_with_the_rubric_and_releases_then_the_student_sees_mark_and_breakdown(
    new_page, term
):
    edition, reading = term["edition"], term["reading"]
    grades_url = f"/editions/{edition.slug}/grades/"

    # The TA opens the list of work to grade from the admin, through allauth's login.
    ta = new_page()
    ta.goto("/admin/grading/submissiontograde/")
    sign_in(ta, term["ta"].email)
    row = ta.get_by_role("row", name=re.compile("Tensor Titans"))
    expect(row).to_contain_text("not graded yet")

    # Grades it with the rubric: the score is the rubric's sum.
    row.get_by_role("link", name="form").click()  # the admin form ("grade" opens the workspace)
    ta.get_by_label("Understanding of the paper (out of 12)").fill("9.5")
    ta.get_by_label("Writing (out of 8)").fill("6")
    ta.get_by_label("Feedback").fill("A clear summary; the critique of the baselines is thin.")
    ta.get_by_role("button", name="Save", exact=True).click()
    expect(ta.locator(".messagelist .success")).to_be_visible()
    grade = Grade.objects.get(assignment=reading, group=term["group"])
    assert (grade.score, grade.status) == (Decimal("15.5"), Grade.Status.DRAFT)

    # A draft stays private.
    student = new_page(java_script_enabled=False)
    log_in(student, term["alice"].email)
    student.goto(grades_url)
    expect(student.get_by_text("No grade has been released yet.")).to_be_visible()
    expect(student.get_by_text("15.5")).to_have_count(0)

    # The TA releases the assignment from the "to grade" list.
    ta.goto("/admin/grading/submissiontograde/")
    row = ta.get_by_role("row", name=re.compile("Tensor Titans"))
    expect(row).to_contain_text("draft")
    row.get_by_role("checkbox").check()
    ta.locator("select[name='action']").select_option(
        label="Release all graded work of the selected assignments"
    )
    ta.get_by_role("button", name="Go").click()
    expect(ta.locator(".messagelist")).to_contain_text("1 grades released")
    expect(ta.get_by_role("row", name=re.compile("Tensor Titans"))).to_contain_text("released")

    # The student sees the mark, the rubric, the feedback and the breakdown.
    student.reload()
    expect(student.get_by_role("heading", name="Reading report: 15.5 / 20")).to_be_visible()
    rubric = student.get_by_role("table", name="Rubric")
    expect(rubric.get_by_role("row", name="Understanding of the paper")).to_contain_text("9.5 / 12")
    expect(rubric.get_by_role("row", name="Writing")).to_contain_text("6 / 8")
    expect(student.get_by_text("the critique of the baselines is thin")).to_be_visible()

    breakdown = student.get_by_role("table", name="How your final grade is computed")
    reading_row = breakdown.get_by_role("row", name=re.compile("^Reading report"))
    expect(reading_row.get_by_role("cell")).to_have_text(
        ["10%", "10%", "15.5 / 20", "1.55", re.compile(".*")]
    )
    expect(breakdown.get_by_role("row", name=re.compile("^Project"))).to_contain_text(
        "nothing recorded yet"
    )
    expect(student.get_by_text("No final grade yet.")).to_be_visible()
