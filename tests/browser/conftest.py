"""Browser journeys: Playwright drives the system's Chromium against pytest-django's live server.

Chromium is Debian's (``apt-get install chromium``), never a browser that Playwright would
download. Without it the journeys skip, saying so, unless ``LECTERN_REQUIRE_SERVICES=1``
(CI), where they fail.

Playwright's sync API keeps an asyncio loop marked as running in the main thread for as long
as it is started, which trips Django's "async-unsafe" guard on every ORM call a test makes
(the live server itself runs in its own thread and is not affected). The calls are plain
synchronous ones, made while that loop is parked, so the guard is lifted for exactly the
lifetime of Playwright here, and restored before any other package's tests run.

A failing journey leaves ``test-artifacts/screenshots/<test>.png`` and ``<test>.html``: the
page as it was when the test failed.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator

import pytest

# LECTERN_CHROMIUM names another Chromium binary; without it, Debian's or the one on PATH.
CHROMIUM = os.environ.get("LECTERN_CHROMIUM", "")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A journey's single step never legitimately takes this long; fail fast with a screenshot.
STEP_TIMEOUT_MS = 10_000


def _chromium_path() -> str | None:
    candidates = [CHROMIUM] if CHROMIUM else ["/usr/bin/chromium", shutil.which("chromium")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def pytest_runtest_setup(item):
    if not item.get_closest_marker("browser") or _chromium_path():
        return
    where = CHROMIUM or "/usr/bin/chromium"
    reason = f"needs Chromium at {where} (apt-get install chromium)"
    if os.environ.get("LECTERN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason}; LECTERN_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, for the page fixture's teardown to read.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def playwright_instance() -> Iterator:
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            yield playwright


@pytest.fixture(scope="package")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=_chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps its rate limits in the cache (one confirmation e-mail per address every
    3 minutes, …), and the cache outlives the database between tests: start each journey with
    none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def new_page(request, browser, live_server):
    """Opens a page in a fresh browser context (its own cookies) on the live server.

    ``new_page(java_script_enabled=False)``; every page opened is screenshotted if the test
    fails.
    """
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server.url, **context_options)
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page

    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed:
        _keep_artifacts(request, [page for context in contexts for page in context.pages])
    for context in contexts:
        context.close()


@pytest.fixture
def anonymous_client(playwright_instance, live_server):
    """An HTTP client with no session, as REST and calendar clients are."""
    client = playwright_instance.request.new_context(base_url=live_server.url)
    yield client
    client.dispose()


def _keep_artifacts(request, pages) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    for index, page in enumerate(pages):
        stem = name if index == 0 else f"{name}-{index + 1}"
        try:
            page.screenshot(path=folder / f"{stem}.png", full_page=True)
            (folder / f"{stem}.html").write_text(page.content(), encoding="utf-8")
        except Exception as exc:  # a crashed page must not hide the test's own failure
            print(f"could not keep the artifacts of {stem}: {exc}")
