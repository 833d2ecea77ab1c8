"""allauth's rate limits with the shared cache down (accounts/ratelimit.py): a short outage
fails open, logged; a long one is enforced by each process in memory. The cache points at
a port nothing listens on, so no Redis is needed."""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts import ratelimit
from config.settings.base import redis_cache
from tests.factories import UserFactory
from tests.faults.servers import free_port


@pytest.fixture
def cache_down(settings, monkeypatch):
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{free_port()}/0")}
    guard = ratelimit.RateLimitCache()  # a fresh outage clock
    monkeypatch.setattr("allauth.core.internal.ratelimit.cache", guard)
    return guard


@pytest.fixture
def student(db):
    user = UserFactory(email="student@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def log_in(client, password):
    return client.post(
        reverse("account_login"), {"login": "student@example.test", "password": password}
    )


@pytest.mark.django_db
def test_during_a_short_outage_logging_in_works_and_the_skipped_limit_is_logged(
    client, cache_down, student, caplog
):
    with caplog.at_level(logging.WARNING, logger="accounts.ratelimit"):
        for _ in range(8):  # more failures than the limit per address (5 in 5 minutes)
            assert log_in(client, "wrong").status_code == 200
        response = log_in(client, "lectern-test")
    assert response.status_code == 302
    assert "failing open" in caplog.text


@pytest.mark.django_db
def test_after_a_long_outage_each_process_enforces_the_limit_itself(
    client, cache_down, student, settings, caplog
):
    settings.LECTERN_RATELIMIT_FAIL_OPEN_SECONDS = 0  # the outage is "long" at once
    with caplog.at_level(logging.WARNING, logger="accounts.ratelimit"):
        statuses = [log_in(client, "wrong").status_code for _ in range(6)]
        refused = log_in(client, "lectern-test")
    assert statuses[:5] == [200] * 5
    assert "Too many failed login attempts" in refused.content.decode()
    assert "enforced by this process only" in caplog.text


@pytest.mark.django_db
def test_with_the_cache_up_the_limit_is_the_shared_one(client, student):
    for _ in range(5):
        log_in(client, "wrong")
    assert "Too many failed login attempts" in log_in(client, "lectern-test").content.decode()
