"""Issue 10, case 11: with the Content-Security-Policy on, the Django admin and the API docs
(Swagger UI) still work in a real browser, and nothing they load is refused.

Chromium reports every refused script, style, image or connection as a console error
("Refused to …", "… violates the following Content Security Policy directive …") and as a
``securitypolicyviolation`` event; the test collects both on every page it opens.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.browser.journeys import PASSWORD, log_in
from tests.factories import EditionFactory, LectureFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`);
});
"""


def _is_violation(text: str) -> bool:
    return "Content Security Policy" in text or text.startswith("Refused to")


@pytest.fixture
def open_watched(new_page):
    """A page whose console errors and CSP violation events are collected."""
    messages: list[str] = []

    def open_page():
        page = new_page()
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda m: _is_violation(m.text) and messages.append(m.text))
        page.on("pageerror", lambda e: messages.append(f"uncaught: {e}"))
        return page

    def violations(page):
        return messages + page.evaluate("window.__cspViolations || []")

    return open_page, violations


@pytest.fixture
def superuser(db):
    user = UserFactory(
        email="root@uliege.example.test", is_staff=True, is_superuser=True, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_the_admin_works_under_the_policy_without_a_violation(open_watched, superuser):
    edition = EditionFactory(slug="csp-2027")
    lecture = LectureFactory(edition=edition, number=1, title="Introduction")
    open_page, violations = open_watched
    page = open_page()
    log_in(page, superuser.email)
    seen = {}
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    seen["index"] = violations(page)
    page.goto("/admin/courses/lecture/")
    expect(page.get_by_text("Introduction")).to_be_visible()
    seen["changelist"] = violations(page)
    # A change form with the admin's scripts: autocomplete (select2), inlines, date widgets.
    page.goto(f"/admin/courses/lecture/{lecture.pk}/change/")
    page.locator(".field-edition .select2-selection").click()
    expect(page.locator(".select2-search__field")).to_be_visible()
    seen["change form"] = violations(page)
    page.goto("/admin/courses/lecture/add/")
    expect(page.locator("#lecture_form")).to_be_visible()
    seen["add form"] = violations(page)
    assert {where: v for where, v in seen.items() if v} == {}


def test_the_api_docs_load_swagger_ui_without_a_violation(open_watched):
    open_page, violations = open_watched
    page = open_page()
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI ran: it fetched the schema and lists the operations.
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("Lectern API").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert violations(page) == []
