"""A TA grades the demo's reading assignment in the admin's grading workspace: after one
click, three hand-ins in a row with the keyboard alone; each grade is stored and the
progress moves by three. At 1280 px no column of the queue or the workspace is cut off."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assignments.models import Assignment
from demo.services import DEMO_SLUG, demo_load
from grading.models import Grade
from tests.browser.journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "lectern-demo"


def _fits(page, selector: str) -> bool:
    """The element's content is not wider than the element, and it ends within the window."""
    return page.eval_on_selector(
        selector,
        "e => e.scrollWidth <= e.clientWidth + 1 && e.getBoundingClientRect().right <= "
        "window.innerWidth + 1",
    )


def test_a_ta_grades_three_hand_ins_in_a_row_with_the_keyboard(new_page):
    demo_load(today=timezone.localdate())
    reading = Assignment.objects.get(edition__slug=DEMO_SLUG, kind="reading_report")

    ta = new_page(viewport={"width": 1280, "height": 900})
    ta.goto(f"/admin/grading/queue/{reading.pk}/")
    sign_in(ta, "ta@demo.test", DEMO_PASSWORD)
    expect(ta.locator("#progress-text")).to_have_text("graded 0 of 3")
    assert _fits(ta, "#content")

    ta.get_by_role("link", name="Grade the next hand-in").click()  # the only click
    for expected in range(1, 4):
        expect(ta.locator("#grade-form")).to_be_visible()
        assert _fits(ta, ".ws-grade")
        ta.keyboard.press("1")  # Summary of the paper: 8
        ta.keyboard.press("3")  # Writing: 4
        expect(ta.locator("#total")).to_have_text("12")
        with ta.expect_navigation():
            ta.keyboard.press("s")
        assert Grade.objects.filter(assignment=reading, score__isnull=False).count() == expected

    expect(ta.locator("#progress-text")).to_have_text("graded 3 of 3")
    expect(ta.locator(".messagelist")).to_contain_text("Every hand-in of this assignment is graded")
    grades = Grade.objects.filter(assignment=reading).select_related("grader")
    assert [(g.score, g.grader.email, g.status) for g in grades] == [
        (Decimal(12), "ta@demo.test", "draft")
    ] * 3
    expect(ta.get_by_role("row", name=re.compile("Gradient Gang"))).to_contain_text("12 / 20")

    # The admin's own "to grade" list keeps its key columns in view at 1280 px.
    ta.goto("/admin/grading/submissiontograde/")
    expect(ta.locator("#result_list")).to_contain_text("draft")
    assert _fits(ta, "#changelist")
    assert ta.eval_on_selector(
        "#result_list", "e => e.getBoundingClientRect().right <= window.innerWidth + 1"
    )
