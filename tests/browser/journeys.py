"""Steps several journeys take, written as a user would do them in the browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "correct-horse-battery-staple"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Fills allauth's sign-in form, which the page shows, and checks the user is in."""
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name=re.compile(r"^Log out"))).to_be_visible()


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    sign_in(page, email, password)
