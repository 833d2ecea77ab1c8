"""Test-wide switches: services that a test needs, and whether their absence may skip it.

``LECTERN_REQUIRE_SERVICES=1`` (set by ``.ci/run``) turns every "service missing" skip into a
failure, so CI never passes by skipping the PostgreSQL or Redis tests.
"""

import os

import pytest
from django.conf import settings


def _require_services() -> bool:
    return os.environ.get("LECTERN_REQUIRE_SERVICES") == "1"


def _missing_services(item) -> list[str]:
    missing = []
    if item.get_closest_marker("postgres"):
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            missing.append("PostgreSQL (set DATABASE_URL=postgres://…)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL=redis://…)")
    return missing


def pytest_runtest_setup(item):
    missing = _missing_services(item)
    if not missing:
        return
    reason = "needs " + " and ".join(missing)
    if _require_services():
        pytest.fail(f"{reason}; LECTERN_REQUIRE_SERVICES=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _forget_process_local_caches():
    """Per-process copies (the schedule's local memo, throttle windows) start empty."""
    from agenda import cache as agenda_cache
    from config import throttling

    agenda_cache._local.clear()
    throttling._windows.clear()
    yield
    agenda_cache._local.clear()
    throttling._windows.clear()
