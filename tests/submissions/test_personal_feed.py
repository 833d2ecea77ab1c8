"""The personal calendar feed, like the edition feed: validators and 304, DTSTAMP from the
data (the same bytes on every poll), a URL per event, the Deadline category, deadlines of
zero length, the term in titles for several editions, TEXT escaped; listed in /api/v1/me/."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from icalendar import Calendar
from rest_framework.test import APIClient

from assignments.models import Assignment
from courses.models import Membership
from submissions import services
from tests.factories import AssignmentFactory, EditionFactory, MembershipFactory, make_group
from tests.submissions.conftest import pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed_url(alice, group, homework):
    feed = services.calendar_token_rotate(user=alice)
    return f"/calendar/{feed.token}.ics"


def _events(response):
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_polling_twice_gives_the_same_bytes_and_then_a_304(client, feed_url):
    first = client.get(feed_url)
    with time_machine.travel(dt.datetime(2031, 1, 1, tzinfo=dt.UTC), tick=False):
        second = client.get(feed_url)

    assert first.content == second.content  # DTSTAMP comes from the data, not the clock
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(feed_url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    since = client.get(feed_url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    assert "private" in first["Cache-Control"]


def test_a_hand_in_changes_the_feed_and_its_etag(client, feed_url, alice, homework):
    Assignment.objects.filter(pk=homework.pk).update(
        updated_at=dt.datetime(2023, 1, 9, tzinfo=dt.UTC)
    )
    before = client.get(feed_url)
    with time_machine.travel(dt.datetime(2023, 3, 6, 12, tzinfo=dt.UTC), tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())

    after = client.get(feed_url, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    [event] = _events(after)
    assert event["DTSTAMP"].dt == dt.datetime(2023, 3, 6, 12, tzinfo=dt.UTC)
    assert str(event["SUMMARY"]).startswith("✓ ")


def test_a_deadline_is_an_event_of_zero_length_with_the_edition_feeds_category_and_a_url(
    client, feed_url, homework
):
    [event] = _events(client.get(feed_url))

    assert event["DTEND"].dt == event["DTSTART"].dt
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Deadline"]
    assert str(event["URL"]) == f"http://testserver/assignments/{homework.pk}/"
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_titles_name_the_term_when_the_student_has_several_editions(client, feed_url, alice):
    other = EditionFactory(slug="info8010-2024", term="Spring 2024")
    MembershipFactory(edition=other, user=alice, role=Membership.Role.STUDENT)
    make_group(other, alice, name="Solo")
    AssignmentFactory(edition=other, title="Homework 1", due_date=dt.date(2024, 3, 4))

    summaries = sorted(str(e["SUMMARY"]) for e in _events(client.get(feed_url)))

    assert len(summaries) == 2
    assert any("Spring 2024" in s for s in summaries)
    assert all(s.count("(") == 1 for s in summaries)


def test_text_values_are_escaped(client, feed_url, homework):
    homework.title = "Report; part 1, draft\\final"
    homework.save()

    response = client.get(feed_url)

    assert "Report\\; part 1\\, draft\\\\final" in response.content.decode()
    [event] = _events(response)
    assert "Report; part 1, draft\\final" in str(event["SUMMARY"])


def test_me_lists_the_feeds_absolute_address(alice, feed_url):
    api = APIClient()
    api.force_authenticate(alice)

    response = api.get("/api/v1/me/")

    assert response["Cache-Control"] == "private, no-store"
    assert response.json()["calendar_url"] == f"http://testserver{feed_url}"
    services.calendar_token_revoke(user=alice)
    assert api.get("/api/v1/me/").json()["calendar_url"] is None


@pytest.mark.parametrize("junk", ["x" * 80, "%C3%A9"])
def test_junk_in_the_feed_address_is_a_404(client, junk):
    assert client.get(f"/calendar/{junk}.ics").status_code == 404


@pytest.mark.parametrize("junk", ["%00", "a%00b"])
def test_a_nul_in_the_feed_address_is_a_400(client, junk):
    # The request guard (config/request_guard.py) answers before the view: never a 500.
    assert client.get(f"/calendar/{junk}.ics").status_code == 400


# --- Cached per user under the generations of their editions and groups ---------------------


def test_a_repeated_poll_costs_two_queries_whatever_the_editions(
    client, feed_url, alice, django_assert_num_queries
):
    for year in (2024, 2025):
        other = EditionFactory(slug=f"info8010-{year}")
        MembershipFactory(edition=other, user=alice, role=Membership.Role.STUDENT)
        make_group(other, alice, name=f"Solo {year}")
        AssignmentFactory(edition=other, due_date=dt.date(year, 3, 4))
    first = client.get(feed_url)
    with django_assert_num_queries(2):  # the address, the user's editions and groups
        second = client.get(feed_url)
    assert second.content == first.content
    with django_assert_num_queries(2):
        assert client.get(feed_url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_an_extension_shows_on_the_next_poll(client, feed_url, homework, group, ta):
    before = client.get(feed_url)
    services.extension_grant(actor=ta, assignment=homework, group=group, days=1)

    after = client.get(feed_url, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert "Extended for your group" in str(_events(after)[0]["DESCRIPTION"])


def test_an_edited_assignment_shows_on_the_next_poll(client, feed_url, homework):
    from assignments.services import assignment_save

    client.get(feed_url)
    homework.title = "Homework One"
    assignment_save(assignment=homework)

    assert "Homework One" in str(_events(client.get(feed_url))[0]["SUMMARY"])


def test_a_hand_in_and_a_new_edition_show_on_the_next_poll(client, feed_url, alice, homework):
    assert not str(_events(client.get(feed_url))[0]["SUMMARY"]).startswith("✓ ")
    with time_machine.travel(dt.datetime(2023, 3, 6, 12, tzinfo=dt.UTC), tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert str(_events(client.get(feed_url))[0]["SUMMARY"]).startswith("✓ ")
    other = EditionFactory(slug="info8010-2024", term="Spring 2024")
    MembershipFactory(edition=other, user=alice, role=Membership.Role.STUDENT)
    AssignmentFactory(edition=other, title="Homework 1", due_date=dt.date(2024, 3, 4))

    assert len(_events(client.get(feed_url))) == 2
