"""Checks every journey can run on a page: no horizontal overflow, axe-core at WCAG 2.1 AA,
and a screenshot kept as an artifact (docs/testing.md lists them)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots" / "pages"

RUN_AXE = """async (tags) => {
  const result = await window.axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""


def axe_context_options() -> dict:
    # The tests inject axe-core themselves; a Content-Security-Policy must not stop them.
    return {"bypass_csp": True}


def install_axe(context) -> None:
    """axe-core (vendored from npm, see vendor/) in every document the context opens."""
    context.add_init_script(path=str(AXE))


def signed_in(context, user, base_url: str) -> None:
    """Gives the browser context a session of ``user`` without the sign-in form."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


def no_wider_than_the_viewport(page: Page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


def axe_violations(page: Page) -> list[dict]:
    return page.evaluate(RUN_AXE, AXE_TAGS)


def check_page(page: Page, name: str, width: int) -> list[str]:
    """The problems of the page now shown, as sentences; the screenshot is kept either way."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", name)
    page.screenshot(path=SCREENSHOTS / f"{stem}-{width}.png", full_page=True)
    problems = []
    scroll, inner = no_wider_than_the_viewport(page)
    if scroll > inner:
        problems.append(f"{name} at {width} px: the document is {scroll} px wide")
    for violation in axe_violations(page):
        problems.append(f"{name} at {width} px: axe {json.dumps(violation)}")
    return problems
