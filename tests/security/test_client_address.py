"""Issue 10, case 2: behind the reverse proxy everyone shares its address.

The client address is the one the trusted proxies saw (``TRUSTED_PROXY_COUNT``), for the
login rate limits and the API throttles alike, and failed logins are limited per account:
a university NAT's deadline rush logs in, a password guesser does not.
"""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIRequestFactory

from accounts.models import User
from config.clientip import client_ip
from config.throttling import AnonFixedWindowThrottle

PROXY = "10.0.0.2"  # the reverse proxy, as Lectern sees it connect
NAT = "198.51.100.7"  # the university's one public address
PASSWORD = "a-long-enough-passphrase"
MIDNIGHT = dt.datetime(2027, 3, 1, 23, 59, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # allauth keeps its rate limits in the cache, which outlives the database
    yield
    cache.clear()


def _request(remote, forwarded=None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", PROXY),  # no proxy trusted: the header is the client's own claim
        (1, None, PROXY),
        (1, NAT, NAT),
        (1, f"6.6.6.6, {NAT}", NAT),  # what the client wrote before the proxy proves nothing
        (2, f"6.6.6.6, {NAT}, 10.0.0.9", NAT),
        (2, NAT, NAT),  # fewer hops than proxies: the leftmost the chain knows
        (1, "not-an-address", PROXY),
        (1, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_the_client_is_the_address_the_trusted_proxies_saw(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(PROXY, forwarded)) == expected


def _students(n):
    hashed = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(email=f"s{i}@student.uliege.be", password=hashed) for i in range(n)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    return users


def _log_in(email, password, client_address=NAT):
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address).post(
        reverse("account_login"), {"login": email, "password": password}
    )


def _logged_in(response):
    return response.status_code == 302 and response["Location"] == reverse("submissions:home")


@pytest.mark.django_db
def test_a_deadline_rush_of_300_logins_a_minute_from_one_nat_address_passes(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    users = _students(300)
    with time_machine.travel(MIDNIGHT, tick=False):
        # Typos happen in a rush: twenty students mistype their password once first.
        typos = [_log_in(u.email, "wrong-password") for u in users[:20]]
        assert all(r.status_code == 200 for r in typos)
        answers = [_log_in(u.email, PASSWORD) for u in users]
    refused = [u.email for u, r in zip(users, answers, strict=True) if not _logged_in(r)]
    assert refused == []


@pytest.mark.django_db
def test_guessing_one_accounts_password_is_stopped_whatever_address_it_comes_from(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    victim, classmate = _students(2)
    with time_machine.travel(MIDNIGHT, tick=False):
        for attempt in range(5):
            guess = _log_in(victim.email, f"guess-{attempt}", client_address=f"192.0.2.{attempt}")
            assert guess.status_code == 200 and not _logged_in(guess)
        # The sixth try is refused before the password is even looked at: the right one too.
        stopped = _log_in(victim.email, PASSWORD, client_address="192.0.2.99")
        assert not _logged_in(stopped)
        assert "Too many failed login attempts" in stopped.content.decode()
        # Only that account waits: the classmate behind the same NAT logs in.
        assert _logged_in(_log_in(classmate.email, PASSWORD))
    with time_machine.travel(MIDNIGHT + dt.timedelta(minutes=5, seconds=1), tick=False):
        assert _logged_in(_log_in(victim.email, PASSWORD))


def test_api_throttles_count_the_client_the_proxy_saw_not_the_header_it_sent(settings, monkeypatch):
    settings.TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(AnonFixedWindowThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    throttle = AnonFixedWindowThrottle()
    factory = APIRequestFactory()

    def allowed(forwarded):
        request = factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        request.user = None
        return throttle.allow_request(request, None)

    # A script that makes up a new address for each request is still one client.
    answers = [allowed(f"6.6.6.{i}, 203.0.113.9") for i in range(4)]
    assert answers == [True, True, True, False]
    assert allowed("203.0.113.10")  # another client behind the same proxy
