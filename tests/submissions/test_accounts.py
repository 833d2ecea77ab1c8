"""Accounts (django-allauth): sign-up with e-mail, mandatory verification, allowed domains,
profile with student ID, personal API token and calendar feed."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from icalendar import Calendar
from rest_framework.test import APIClient

from accounts.models import User
from submissions import services
from submissions.models import CalendarFeedToken
from tests.submissions.conftest import pdf_upload

SIGNUP = {
    "email": "new.student@student.uliege.be",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
    "student_id": "s123456",
    "first_name": "Ada",
    "last_name": "Lovelace",
}


@pytest.mark.django_db
def test_sign_up_requires_confirming_the_email_before_logging_in(client, mailoutbox):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email=SIGNUP["email"])
    assert user.student_id == "s123456"
    # Not verified yet: logging in sends the user to the "verify your e-mail" page.
    login = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert login.status_code == 302
    assert "confirm-email" in login["Location"] or "verification" in login["Location"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    client.post(link)
    assert user.emailaddress_set.get().verified
    login = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert login["Location"] == reverse("submissions:home")


@pytest.mark.django_db
def test_sign_up_can_be_limited_to_university_domains(client, settings):
    settings.LECTERN_SIGNUP_DOMAINS = ["student.uliege.be"]
    refused = client.post(reverse("account_signup"), {**SIGNUP, "email": "x@gmail.com"})
    assert refused.status_code == 200
    assert "@student.uliege.be" in refused.content.decode()
    assert not User.objects.filter(email="x@gmail.com").exists()
    client.post(reverse("account_signup"), SIGNUP)
    assert User.objects.filter(email=SIGNUP["email"]).exists()


@pytest.mark.django_db
def test_admin_login_goes_through_the_rate_limited_allauth_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    login = client.get(response["Location"])
    assert login.status_code == 302 or login.status_code == 200
    assert reverse("account_login") in (response["Location"] + login.get("Location", ""))


@pytest.mark.django_db
def test_profile_creates_and_revokes_a_personal_api_token(client, alice):
    client.force_login(alice)
    response = client.post(reverse("submissions:tokens"), {"action": "create-api-token"})
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    key = message.split("New API token: ")[1].split(" ")[0]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("submissions-api:me")).status_code == 200
    client.post(reverse("submissions:tokens"), {"action": "revoke-api-token"})
    assert api.get(reverse("submissions-api:me")).status_code == 401


@pytest.mark.django_db
def test_profile_saves_student_id_and_rejects_an_unknown_time_zone(client, alice):
    client.force_login(alice)
    url = reverse("submissions:profile")
    bad = client.post(url, {"student_id": "s1", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    alice.refresh_from_db()
    assert alice.student_id == ""
    client.post(url, {"student_id": "s42", "time_zone": "America/New_York"})
    alice.refresh_from_db()
    assert (alice.student_id, alice.time_zone) == ("s42", "America/New_York")


@pytest.mark.django_db
def test_personal_calendar_has_the_groups_effective_deadlines_and_status(
    client, homework, group, alice, ta
):
    services.extension_grant(actor=ta, assignment=homework, group=group, days=1)
    with time_machine.travel(dt.datetime(2023, 3, 6, 12, tzinfo=dt.UTC), tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    feed = services.calendar_token_rotate(user=alice)
    url = reverse("submissions:personal-calendar", args=[feed.token])
    response = client.get(url)  # no session: calendar apps cannot log in
    assert response.status_code == 200
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert len(events) == 1
    assert "DTSTART;TZID=Europe/Brussels:20230307T235900" in response.content.decode()
    assert "handed in (version 1)" in str(events[0]["DESCRIPTION"])
    services.calendar_token_revoke(user=alice)
    assert client.get(url).status_code == 404
    assert not CalendarFeedToken.objects.exists()
