"""Redis killed or frozen under a running site: a redis-server of the test's own (on a free
port, never a shared one) is the cache, the throttles' store, allauth's rate limits and the
Celery broker. Students keep logging in, reading their pages and handing in; nothing waits
on the dead server for more than a fraction of a second, and nothing is lost."""

import datetime as dt
import time

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_create
from config import breaker
from config.settings.base import redis_cache
from submissions import notification_services
from submissions.models import Submission
from tests.celery_helpers import celery_on
from tests.factories import LectureFactory
from tests.faults.servers import RedisServer
from tests.submissions.conftest import pdf_upload

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# What the issue allows a request to wait for a dead or frozen Redis.
REDIS_WAIT_BOUND = 1.0


@pytest.fixture
def own_redis(tmp_path, settings):
    """The site's cache and broker on a redis-server of this test's own."""
    server = RedisServer(tmp_path)
    server.start()
    settings.CACHES = {"default": redis_cache(server.url)}
    with celery_on(server.url):
        yield server
    server.stop()


@pytest.fixture
def course(edition, homework, group, alice):
    homework.due_date = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
    homework.save()
    LectureFactory(edition=edition)
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    return edition


class Timed:
    """Every request's duration, to compare with what the issue allows."""

    def __init__(self):
        self.durations: list[tuple[str, float]] = []

    def __call__(self, label, call, *args, **kwargs):
        started = time.monotonic()
        response = call(*args, **kwargs)
        self.durations.append((label, time.monotonic() - started))
        return response

    def over(self, normal: "Timed", bound: float) -> list[str]:
        """The requests that took more than ``bound`` beyond the same request in ``normal``
        (a hand-in's own work — checking the file — is not waiting for Redis)."""
        usual = dict(normal.durations)
        return [
            f"{label} took {took:.2f} s (usually {usual.get(label, 0):.2f} s)"
            for label, took in self.durations
            if took - usual.get(label, 0) >= bound
        ]


def walk_the_site(course, homework, alice, timed: Timed, *, etag=None):
    """Log in, read the signed-in pages, hand in through the form and the API, read the
    public schedule and feed: the statuses each must answer."""
    browser = Client()
    login = timed(
        "login",
        browser.post,
        reverse("account_login"),
        {"login": alice.email, "password": "lectern-test"},
    )
    assert login.status_code == 302, login.content[:500]
    dashboard = timed(
        "dashboard", browser.get, reverse("submissions:dashboard", args=[course.slug])
    )
    assert dashboard.status_code == 200
    page = reverse("submissions:assignment", args=[homework.pk])
    assert timed("hand-in form", browser.get, page).status_code == 200
    handed = timed("web hand-in", browser.post, page, {"file": pdf_upload()})
    assert handed.status_code == 302, handed.content[:500]
    assert timed("receipt page", browser.get, handed["Location"]).status_code == 200

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=alice).key}")
    created = timed(
        "API hand-in",
        api.post,
        reverse("submissions-api:submission-create", args=[homework.pk]),
        {"file": pdf_upload(pages=2)},
        format="multipart",
    )
    assert created.status_code == 201, created.content[:500]

    anonymous = Client()
    schedule = timed("schedule", anonymous.get, reverse("api:edition-schedule", args=[course.slug]))
    assert schedule.status_code == 200
    if etag is not None:  # the ETag is computed from the data, not kept in the cache
        revalidated = timed(
            "schedule 304",
            anonymous.get,
            reverse("api:edition-schedule", args=[course.slug]),
            HTTP_IF_NONE_MATCH=etag,
        )
        assert revalidated.status_code == 304
    feed = timed("feed", anonymous.get, reverse("edition-calendar", args=[course.slug]))
    assert feed.status_code == 200
    assert timed("healthz", anonymous.get, reverse("healthz")).status_code == 200
    return schedule["ETag"], created.json()


def test_with_redis_killed_students_log_in_read_and_hand_in_and_nothing_is_lost(
    own_redis, course, homework, alice, mailoutbox
):
    normal = Timed()
    etag, _ = walk_the_site(course, homework, alice, normal)  # Redis up
    assert Submission.objects.count() == 2

    own_redis.kill()
    timed = Timed()
    etag_down, receipt = walk_the_site(course, homework, alice, timed, etag=etag)
    assert timed.over(normal, REDIS_WAIT_BOUND) == []
    assert etag_down == etag
    assert receipt["receipt_email"] == "delayed"  # the broker is down: e-mailed later
    versions = list(
        Submission.objects.order_by("version").values_list("version", "receipt_emailed_at")
    )
    assert [v for v, _ in versions] == [1, 2, 3, 4]
    assert all(Submission.objects.filter(version__gt=2).values_list("signature", flat=True))

    own_redis.start()  # back on the same port; the beat sweeper sends what was not queued
    time.sleep(breaker.RESET_SECONDS)  # the breakers let requests try it again
    sent = notification_services.pending_receipts_send(
        now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    )
    assert sent == 4  # no worker runs here: the two queued before the outage, and two delayed
    assert len(mailoutbox) == 4
    assert Submission.objects.filter(receipt_emailed_at__isnull=True).count() == 0
    # The dashboard cached before the outage is not shown after it: the hand-ins made while
    # Redis was down invalidated it once it came back.
    browser = Client()
    browser.force_login(alice)
    dashboard = browser.get(reverse("submissions:dashboard", args=[course.slug]))
    assert "Handed in — version 4 (of 4)" in dashboard.content.decode()
    walk_the_site(course, homework, alice, Timed())  # and the site uses Redis again
    assert Submission.objects.count() == 6


def test_with_redis_frozen_no_request_waits_for_it_more_than_a_second(
    own_redis, course, homework, alice, mailoutbox
):
    normal = Timed()
    etag, _ = walk_the_site(course, homework, alice, normal)  # Redis up

    own_redis.freeze()  # SIGSTOP: connections are accepted, nothing answers
    try:
        timed = Timed()
        etag_frozen, receipt = walk_the_site(course, homework, alice, timed, etag=etag)
        assert timed.over(normal, REDIS_WAIT_BOUND) == []
        assert etag_frozen == etag
        assert receipt["receipt_email"] == "delayed"
        assert Submission.objects.count() == 4
        assert sorted(Submission.objects.values_list("version", flat=True)) == [1, 2, 3, 4]
    finally:
        own_redis.thaw()
    time.sleep(breaker.RESET_SECONDS)
    sent = notification_services.pending_receipts_send(
        now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    )
    assert sent == 4  # no worker runs here: the two queued before the freeze, and two delayed
    assert len(mailoutbox) == 4
