"""A French-speaking browser gets the interface in French; the switcher in the footer
changes the language and keeps it (issue 14)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import build_full_edition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_browsers_language_then_the_switcher(new_page):
    edition = build_full_edition(slug="info8010-fr")
    page = new_page(locale="fr-BE")
    page.goto(edition.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Programme")).to_be_visible()
    expect(page.get_by_role("link", name="S’abonner au calendrier")).to_be_visible()

    page.get_by_role("button", name="British English").click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    page.goto("/")  # the choice is kept over the browser's language
    expect(page.get_by_role("heading", name="Courses")).to_be_visible()

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Cours")).to_be_visible()
