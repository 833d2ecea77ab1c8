"""The iCalendar feed of an edition, and the pure builder behind it."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from agenda.calendar import calendar_entries
from agenda.selectors import schedule_for_edition
from courses.ical import CalendarEntry, build_calendar
from courses.models import Edition, Lecture, Membership
from courses.services import content_delete, content_save
from tests.factories import (
    AssignmentFactory,
    EditionFactory,
    EventFactory,
    LectureFactory,
    LectureLinkFactory,
    MembershipFactory,
    build_full_edition,
)

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def edition(db):
    edition = EditionFactory(slug="info8010-2023", lecture_minutes=180, meeting_room="R3 / B28")
    lecture = LectureFactory(
        edition=edition, date=dt.date(2023, 2, 17), number=2, title="Neural networks"
    )
    LectureLinkFactory(lecture=lecture, url="https://example.test/lec2.pdf")
    AssignmentFactory(edition=edition, title="Homework 1", due_date=dt.date(2023, 3, 6))
    EventFactory(edition=edition, date=dt.date(2023, 4, 28), starts_at_time=dt.time(10, 45))
    LectureFactory(edition=edition, date=None, archived=True, number=None, title="GAN")
    return edition


def feed_url(edition):
    return f"/editions/{edition.slug}/calendar.ics"


def fetch(client, edition, **headers):
    response = client.get(feed_url(edition), **headers)
    assert response.status_code == 200, response.content
    return response, icalendar.Calendar.from_ical(response.content)


def vevents(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_feed_is_text_calendar_named_after_the_edition(client, edition):
    response, cal = fetch(client, edition)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert str(cal["X-WR-CALNAME"]) == "INFO8010 Deep Learning – Spring 2023"
    assert str(cal["VERSION"]) == "2.0"
    assert cal.get("PRODID")


def test_feed_has_the_edition_vtimezone_and_every_start_and_end_carries_its_tzid(client, edition):
    response, cal = fetch(client, edition)

    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Brussels"]
    events = cal.walk("VEVENT")
    assert len(events) == 3  # the archived lecture is not on the agenda
    for event in events:
        for name in ("DTSTART", "DTEND"):
            if name in event:
                assert event[name].params["TZID"] == "Europe/Brussels"
    raw = response.content.decode()
    lines = [line for line in raw.split("\r\n") if line.startswith(("DTSTART", "DTEND"))]
    assert lines
    assert not [line for line in lines if line.endswith("Z")]


def test_homework_deadline_starts_at_2359_brussels_time(client, edition):
    response, cal = fetch(client, edition)

    assert "DTSTART;TZID=Europe/Brussels:20230306T235900" in response.content.decode()
    homework = next(e for e in cal.walk("VEVENT") if "Homework 1" in str(e["SUMMARY"]))
    assert homework["DTSTART"].dt == dt.datetime(2023, 3, 6, 23, 59, tzinfo=BRUSSELS)
    # A deadline is an instant: an event of zero length (so calendar apps show it on its day
    # only), and it does not block the day.
    assert "DTEND;TZID=Europe/Brussels:20230306T235900" in response.content.decode()
    assert homework["DTEND"].dt == homework["DTSTART"].dt
    assert str(homework["TRANSP"]) == "TRANSPARENT"


def test_lecture_lasts_the_edition_lecture_minutes_from_the_meeting_time(client, edition):
    _, cal = fetch(client, edition)

    lecture = next(e for e in cal.walk("VEVENT") if "Lecture 2" in str(e["SUMMARY"]))
    assert str(lecture["SUMMARY"]) == "Lecture 2: Neural networks"
    assert lecture["DTSTART"].dt == dt.datetime(2023, 2, 17, 8, 30, tzinfo=BRUSSELS)
    assert lecture["DTEND"].dt == dt.datetime(2023, 2, 17, 11, 30, tzinfo=BRUSSELS)
    assert str(lecture["LOCATION"]) == "R3 / B28"
    assert "https://example.test/lec2.pdf" in str(lecture["DESCRIPTION"])


def test_event_starts_at_its_own_time_in_summer_time(client, edition):
    _, cal = fetch(client, edition)

    event = next(e for e in cal.walk("VEVENT") if "Tutorial" in str(e["SUMMARY"]))
    assert event["DTSTART"].dt == dt.datetime(2023, 4, 28, 10, 45, tzinfo=BRUSSELS)
    assert event["DTSTART"].dt.utcoffset() == dt.timedelta(hours=2)


def test_uids_are_stable_across_regenerations_and_reordering(client, edition):
    _, before = fetch(client, edition)
    # An earlier lecture shifts every position; UIDs must not follow positions.
    LectureFactory(edition=edition, date=dt.date(2023, 2, 10), position=0, number=1)
    cache.clear()
    _, after = fetch(client, edition)

    lecture = Lecture.objects.get(edition=edition, number=2)
    assert f"lecture-{lecture.pk}@info8010-2023.lectern" in vevents(before)
    assert set(vevents(before)) < set(vevents(after))
    assert len(vevents(after)) == len(set(vevents(after)))


def test_sequence_grows_when_a_lecture_is_edited(client, edition):
    lecture = Lecture.objects.get(edition=edition, number=2)
    uid = f"lecture-{lecture.pk}@info8010-2023.lectern"
    _, before = fetch(client, edition)

    lecture.title = "Multi-layer perceptron"
    content_save(instance=lecture)
    _, after = fetch(client, edition)

    assert int(vevents(after)[uid]["SEQUENCE"]) > int(vevents(before)[uid]["SEQUENCE"])
    assert str(vevents(after)[uid]["SUMMARY"]) == "Lecture 2: Multi-layer perceptron"


def test_dtstamp_is_utc(client, edition):
    response, _ = fetch(client, edition)

    stamps = [x for x in response.content.decode().split("\r\n") if x.startswith("DTSTAMP")]
    assert stamps
    assert all(stamp.endswith("Z") for stamp in stamps)


def test_draft_feed_is_404_except_for_its_staff(client, edition):
    edition.status = Edition.Status.DRAFT
    edition.save()
    ta = MembershipFactory(edition=edition, role=Membership.Role.TA).user

    assert client.get(feed_url(edition)).status_code == 404
    client.force_login(ta)
    response, _ = fetch(client, edition)
    assert "private" in response["Cache-Control"]


def test_feed_answers_conditional_get_and_sees_deletions(client, edition):
    first, _ = fetch(client, edition)
    assert client.get(feed_url(edition), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    not_modified = client.get(feed_url(edition), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert not_modified.status_code == 304

    content_delete(instance=edition.events.get())  # as the admin deletes it

    assert client.get(feed_url(edition), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    by_date = client.get(feed_url(edition), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 200


def test_feed_etag_differs_from_the_api_etag(client, edition):
    feed = client.get(feed_url(edition))
    api = client.get(f"/api/v1/editions/{edition.slug}/schedule/")

    assert feed["ETag"] != api["ETag"]


def test_feed_throttles_anonymous_clients(client, edition, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "1000/minute"}
    )

    statuses = [client.get(feed_url(edition)).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("size", ["small", "big"])
def test_feed_query_count_does_not_grow_with_the_edition(
    client, size, django_assert_max_num_queries, db
):
    if size == "small":
        edition = build_full_edition(lectures=1, links_per_lecture=0, events=0, homeworks=0)
    else:
        edition = build_full_edition(lectures=12, links_per_lecture=4, events=5, homeworks=4)

    # edition + fingerprint (3) + schedule (5)
    with django_assert_max_num_queries(9):
        response = client.get(feed_url(edition))
    assert response.status_code == 200


# --- The pure builder --------------------------------------------------------------------


def test_builder_writes_utc_input_as_local_time_with_tzid():
    entry = CalendarEntry(
        uid="assignment-1@x.lectern",
        summary="Deadline for Homework 1",
        start=dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC),
        last_modified=dt.datetime(2023, 2, 1, 12, 0, tzinfo=dt.UTC),
    )

    text = build_calendar(
        name="Test",
        tz_name="Europe/Brussels",
        entries=[entry],
        generated_at=dt.datetime(2023, 2, 1, tzinfo=dt.UTC),
    ).decode()

    assert "DTSTART;TZID=Europe/Brussels:20230306T235900" in text
    assert "DTSTAMP:20230201T120000Z" in text
    assert "BEGIN:VTIMEZONE" in text


def test_builder_is_deterministic_and_writes_all_day_entries_as_dates():
    entries = [
        CalendarEntry(uid="e@x", summary="Open day", start=dt.date(2023, 4, 1), end=None),
    ]
    kwargs = {
        "name": "Test",
        "tz_name": "Europe/Brussels",
        "entries": entries,
        "generated_at": dt.datetime(2023, 2, 1, tzinfo=dt.UTC),
    }

    assert build_calendar(**kwargs) == build_calendar(**kwargs)
    assert "DTSTART;VALUE=DATE:20230401" in build_calendar(**kwargs).decode()


def test_builder_refuses_naive_times():
    entry = CalendarEntry(uid="x", summary="x", start=dt.datetime(2023, 3, 6, 23, 59))  # noqa: DTZ001

    with pytest.raises(ValueError, match="aware"):
        build_calendar(
            name="x", tz_name="UTC", entries=[entry], generated_at=dt.datetime.now(dt.UTC)
        )


@pytest.mark.django_db
def test_edition_without_meeting_time_gets_all_day_lectures():
    edition = EditionFactory(meeting_time=None)
    LectureFactory(edition=edition, date=dt.date(2023, 2, 17))

    (entry,) = calendar_entries(edition=edition, items=schedule_for_edition(edition=edition))

    assert entry.start == dt.date(2023, 2, 17)
    assert entry.end == dt.date(2023, 2, 18)
