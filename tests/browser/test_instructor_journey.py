"""The instructor prepares a new term in the Django admin — adds a lecture with its slides,
then publishes the edition — and REST and calendar clients see it, and not before."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.account.models import EmailAddress
from icalendar import Calendar
from playwright.sync_api import expect

from courses.models import Edition, Lecture, Membership
from grading.services import staff_groups_ensure
from tests.browser.journeys import PASSWORD, sign_in
from tests.factories import EditionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLIDES = "https://example.test/info8010-2027/lec3.pdf"


@pytest.fixture
def draft(db):
    return EditionFactory(slug="info8010-2027", term="Spring 2027", status=Edition.Status.DRAFT)


@pytest.fixture
def instructor(draft):
    user = UserFactory(
        email="gilles@uliege.example.test", first_name="Gilles", is_staff=True, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    user.groups.add(staff_groups_ensure()["Instructors"])
    Membership.objects.create(edition=draft, user=user, role=Membership.Role.INSTRUCTOR)
    return user


def test_an_instructor_adds_a_lecture_and_publishes_the_term_for_api_and_calendar_clients(
    new_page, anonymous_client, live_server, draft, instructor
):
    # Clients with no account: the draft does not exist for them yet.
    schedule_url = f"/api/v1/editions/{draft.slug}/schedule/"
    calendar_url = f"/editions/{draft.slug}/calendar.ics"
    assert anonymous_client.get(schedule_url).status == 404
    assert anonymous_client.get(calendar_url).status == 404

    # The admin's login is allauth's.
    page = new_page()
    page.goto("/admin/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=%2Fadmin%2F")
    sign_in(page, instructor.email)
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    # Add lecture 3 with its slides; the edition is picked with the admin's autocomplete.
    page.goto("/admin/courses/lecture/add/")
    page.locator(".field-edition .select2-selection").click()
    page.locator(".select2-search__field").fill("2027")
    page.locator(".select2-results__option", has_text=str(draft)).click()
    page.get_by_label("Date").fill("2027-02-26")
    page.get_by_label("Kind").select_option(label="Lecture")
    page.get_by_label("Number").fill("3")
    page.get_by_label("Title").fill("Automatic differentiation")
    page.locator("select[name='links-0-kind']").select_option(label="Slides")
    page.locator("input[name='links-0-url']").fill(SLIDES)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    lecture = Lecture.objects.get(edition=draft)
    assert (lecture.number, lecture.date) == (3, dt.date(2027, 2, 26))

    # Still a draft: nothing public yet.
    assert anonymous_client.get(schedule_url).status == 404

    # Publish it with the edition list's action.
    page.goto("/admin/courses/edition/")
    page.get_by_role("row", name=draft.slug).get_by_role("checkbox").check()
    page.locator("select[name='action']").select_option(label="Publish the selected editions")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .success")).to_have_text("1 edition published.")
    draft.refresh_from_db()
    assert draft.status == Edition.Status.PUBLISHED

    # The REST schedule and the calendar feed both list the lecture, with its slides.
    response = anonymous_client.get(schedule_url)
    assert response.status == 200
    [item] = response.json()["items"]
    assert (item["date"], item["kind"], item["number"], item["title"]) == (
        "2027-02-26",
        "lecture",
        3,
        "Automatic differentiation",
    )
    assert [link["url"] for link in item["links"]] == [SLIDES]

    response = anonymous_client.get(calendar_url)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.body()).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Lecture 3: Automatic differentiation"
    start = event.decoded("DTSTART")
    assert (start.date(), start.time(), str(start.tzinfo)) == (
        dt.date(2027, 2, 26),
        dt.time(8, 30),
        "Europe/Brussels",
    )
