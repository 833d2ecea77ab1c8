"""A student's term, in a real browser: sign up, confirm the e-mail, log in, join the course,
form a group with a classmate, hand in the reading report, keep the receipt.

It runs twice, with JavaScript off and on: the student pages work without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from assignments.models import Assignment
from courses.models import Membership
from submissions.models import Submission
from tests.browser.journeys import PASSWORD, log_in
from tests.factories import (
    AssignmentFactory,
    EditionFactory,
    MembershipFactory,
    PaperFactory,
    UserFactory,
)
from tests.submissions import filegen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


@pytest.fixture
def edition(db):
    return EditionFactory(slug="info8010-live", group_min_size=1, group_max_size=3)


@pytest.fixture
def reading(edition):
    """The reading report, due in two weeks: groups of 2 or 3, 2 pages excluding references."""
    assignment = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading assignment",
        due_date=timezone.localdate() + dt.timedelta(days=14),
        hard_deadline=True,
        min_group_size=2,
        max_group_size=3,
        accepted_kinds=["pdf"],
        max_pages=2,
        pages_exclude_references=True,
    )
    for position, title in enumerate(["Attention Is All You Need", "Denoising Diffusion"]):
        PaperFactory(assignment=assignment, title=title, position=position)
    return assignment


@pytest.fixture
def classmate(edition):
    user = UserFactory(email="bob@student.example.test", first_name="Bob", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    MembershipFactory(edition=edition, user=user, role=Membership.Role.STUDENT)
    return user


@pytest.mark.parametrize("javascript", [False, True], ids=["without-js", "with-js"])
def test_a_student_signs_up_forms_a_group_and_hands_in_the_reading_report(
    new_page, edition, reading, classmate, javascript
):
    page = new_page(java_script_enabled=javascript)

    # Sign up; allauth asks to confirm the address before the account can be used.
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("alice@student.example.test")
    page.get_by_label("First name").fill("Alice")
    page.get_by_label("Last name").fill("Liddell")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    assert not EmailAddress.objects.get(email="alice@student.example.test").verified

    # Confirm from the link in the e-mail, then log in.
    [message] = mail.outbox
    assert message.to == ["alice@student.example.test"]
    link = CONFIRMATION_LINK.search(message.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    assert EmailAddress.objects.get(email="alice@student.example.test").verified
    log_in(page, "alice@student.example.test")

    # Join the course with its enrolment code; the dashboard says there is no group yet.
    page.goto("/join/")
    page.get_by_label("Enrolment code").fill(edition.enrolment_code)
    page.get_by_role("button", name="Join").click()
    expect(page).to_have_url(re.compile(rf"/editions/{edition.slug}/dashboard/$"))
    expect(page.get_by_text(f"You are enrolled in {edition}")).to_be_visible()
    expect(page.get_by_text("You are not in a group yet")).to_be_visible()

    # Create a group; its page shows the code classmates join with.
    page.get_by_role("link", name="Create or join a group").click()
    page.get_by_label("Group name").fill("Tensor Titans")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Tensor Titans")).to_be_visible()
    code = page.locator("main p", has_text="Classmates can also join with the code").locator("code")
    group_code = code.inner_text().strip()
    assert group_code

    # The classmate (an existing, verified account) joins with that code in their browser.
    bob = new_page(java_script_enabled=javascript)
    log_in(bob, classmate.email)
    bob.goto(f"/editions/{edition.slug}/group/")
    bob.get_by_label("Group code").fill(group_code)
    bob.get_by_role("button", name="Join", exact=True).click()
    expect(bob.get_by_text("You joined Tensor Titans.")).to_be_visible()
    expect(bob.get_by_text("alice@student.example.test")).to_be_visible()

    # Alice hands in a report of two pages plus a page of references, choosing a paper.
    report = filegen.report_pdf(2)
    page.goto(f"/assignments/{reading.pk}/")
    expect(page.get_by_text("Nothing handed in yet.")).to_be_visible()
    expect(page.get_by_text("PDF, up to 20 MB, 2 pages excluding references.")).to_be_visible()
    paper = reading.papers.get(title="Denoising Diffusion")
    page.get_by_label("Paper").select_option(label=str(paper))
    page.get_by_label("File").set_input_files(
        files=[{"name": "reading-report.pdf", "mimeType": "application/pdf", "buffer": report}]
    )
    page.get_by_role("button", name="Hand in").click()

    # The receipt is shown at once, and its SHA-256 is the file's.
    expect(page.get_by_text("Handed in: version 1.")).to_be_visible()
    receipt = page.locator("#receipt")
    expect(receipt).to_be_visible()
    shown_hash = receipt.locator("dt:text-is('SHA-256') + dd code").inner_text().strip()
    assert shown_hash == hashlib.sha256(report).hexdigest()
    expect(receipt.locator("dt:text-is('File') + dd")).to_contain_text(
        f"reading-report.pdf ({len(report)} bytes)"
    )
    expect(page.get_by_role("cell", name=re.compile("Paper: Denoising Diffusion"))).to_be_visible()

    submission = Submission.objects.get()
    assert submission.sha256 == shown_hash
    assert submission.paper.title == "Denoising Diffusion"
    assert submission.group.name == "Tensor Titans"
    assert submission.submitted_by.email == "alice@student.example.test"
