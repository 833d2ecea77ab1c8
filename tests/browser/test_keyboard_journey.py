"""A student who uses only the keyboard signs in, reaches the reading report from the
dashboard and hands it in (issue 14): every control is reachable with Tab, visible when
focused, and works with Enter, Space and the arrow keys."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import Page, expect

from assignments.models import Assignment
from submissions.models import Submission
from tests.browser.journeys import PASSWORD
from tests.factories import (
    AssignmentFactory,
    EditionFactory,
    PaperFactory,
    make_group,
    make_student,
)
from tests.submissions import filegen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return (label || el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
}"""


def tab_to(page: Page, name: str | re.Pattern, limit: int = 80) -> None:
    """Presses Tab until the focused element's label or text is ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_NAME)
        if name.search(focused) if isinstance(name, re.Pattern) else focused == name:
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{name!r} shows no focus outline"
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def test_a_keyboard_only_student_hands_in_the_reading_report(new_page):
    edition = EditionFactory(slug="info8010-keys")
    reading = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading assignment",
        due_date=timezone.localdate() + dt.timedelta(days=7),
        min_group_size=2,
        max_group_size=3,
        accepted_kinds=["pdf"],
        max_pages=2,
        pages_exclude_references=True,
    )
    PaperFactory(assignment=reading, title="Attention Is All You Need", position=0)
    PaperFactory(assignment=reading, title="Denoising Diffusion", position=1)
    alice = make_student(edition, "alice@student.example.test")
    alice.set_password(PASSWORD)
    alice.save()
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    make_group(edition, alice, make_student(edition, "bob@student.example.test"))

    page = new_page()
    page.goto("/accounts/login/")
    tab_to(page, re.compile(r"^Email"))
    page.keyboard.type(alice.email)
    tab_to(page, re.compile(r"^Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/editions/{edition.slug}/dashboard/$"))

    # From the dashboard to the assignment, by its link.
    tab_to(page, "Reading assignment")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reading assignment")

    # The file: Space on the file input opens the chooser, as it would for a screen reader.
    report = filegen.report_pdf(2)
    tab_to(page, re.compile(r"^File"))
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(
        files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": report}]
    )
    # The paper: arrow keys in the select.
    tab_to(page, re.compile(r"^Paper"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    tab_to(page, "Hand in")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Handed in: version 1.")).to_be_visible()
    submission = Submission.objects.get()
    assert submission.paper.title == "Denoising Diffusion"
    assert submission.submitted_by == alice


def test_a_refused_hand_in_moves_the_focus_to_the_error(new_page):
    edition = EditionFactory(slug="info8010-keys-error")
    reading = AssignmentFactory(
        edition=edition,
        title="Reading assignment",
        due_date=timezone.localdate() + dt.timedelta(days=7),
        min_group_size=1,
        accepted_kinds=["pdf"],
    )
    alice = make_student(edition, "alice@student.example.test")
    alice.set_password(PASSWORD)
    alice.save()
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    make_group(edition, alice)
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"/assignments/{reading.pk}/")
    page.get_by_role("button", name="Hand in").click()  # no file
    file_input = page.get_by_label("File")
    expect(file_input).to_be_focused()
    expect(file_input).to_have_attribute("aria-invalid", "true")
    assert page.locator(".errorlist").count() == 1  # the error once, next to its field
