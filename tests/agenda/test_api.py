"""The read-only schedule API: visibility, shapes, filters, conditional GET, throttling and
query counts."""

import datetime as dt

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from assignments.models import Assignment
from assignments.services import assignment_delete, edition_update
from courses.models import Edition, Lecture, LectureLink, Membership
from courses.services import content_delete, content_save
from tests.factories import (
    AssignmentFactory,
    CourseFactory,
    EditionFactory,
    EventFactory,
    LectureFactory,
    LectureLinkFactory,
    MembershipFactory,
    PaperFactory,
    UserFactory,
    build_full_edition,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle histories and Last-Modified records live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def edition():
    """A slice of INFO8010 Spring 2023: syllabus + lectures 0 and 1 on one date, homework 1,
    a tutorial, the reading assignment after the DST change, an archived lecture."""
    edition = EditionFactory(slug="info8010-2023", timezone="Europe/Brussels")
    first = dt.date(2023, 2, 10)
    LectureFactory(
        edition=edition,
        date=first,
        position=0,
        kind=Lecture.Kind.SYLLABUS,
        number=None,
        title="Course syllabus",
    )
    lecture0 = LectureFactory(
        edition=edition, date=first, position=1, number=0, title="Introduction"
    )
    LectureLinkFactory(lecture=lecture0, kind=LectureLink.Kind.SLIDES, label="", position=0)
    LectureLinkFactory(lecture=lecture0, kind=LectureLink.Kind.PDF, label="PDF", position=1)
    LectureFactory(edition=edition, date=first, position=2, number=1, title="Fundamentals of ML")
    AssignmentFactory(
        edition=edition,
        number=1,
        title="Homework 1",
        due_date=dt.date(2023, 3, 6),
        optional=True,
        handout_url="https://example.test/homework1.ipynb",
        summary="Tensor operations, `autograd` and `nn`.",
    )
    EventFactory(edition=edition, date=dt.date(2023, 4, 28), label="Tutorial")
    reading = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading assignment",
        agenda_title="the reading assignment",
        due_date=dt.date(2023, 5, 19),
        hard_deadline=True,
    )
    PaperFactory(assignment=reading, position=0)
    PaperFactory(assignment=reading, title="Scaling laws", position=1)
    LectureFactory(edition=edition, date=None, archived=True, number=None, title="RNN")
    return edition


def schedule_url(edition, query=""):
    return f"/api/v1/editions/{edition.slug}/schedule/{query}"


# --- Editions ----------------------------------------------------------------------------


def test_edition_list_shows_published_and_archived_editions_but_not_drafts(api):
    course = CourseFactory()
    EditionFactory(course=course, slug="info8010-2023")
    EditionFactory(course=course, slug="info8010-2022", status=Edition.Status.ARCHIVED)
    EditionFactory(course=course, slug="info8010-2024", status=Edition.Status.DRAFT)

    response = api.get("/api/v1/editions/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2  # paginated
    assert [e["slug"] for e in body["results"]] == ["info8010-2023", "info8010-2022"]
    first = body["results"][0]
    assert first["course_code"] == "INFO8010"
    assert first["title"] == "Deep Learning"
    assert first["term"] == "Spring 2023"
    assert first["timezone"] == "Europe/Brussels"
    assert first["status"] == "published"
    assert first["schedule_url"] == "http://testserver/api/v1/editions/info8010-2023/schedule/"
    assert first["calendar_url"] == "http://testserver/editions/info8010-2023/calendar.ics"


def test_edition_list_shows_a_draft_to_its_staff_only(api):
    draft = EditionFactory(status=Edition.Status.DRAFT)
    ta = MembershipFactory(edition=draft, role=Membership.Role.TA).user
    student = MembershipFactory(edition=draft, role=Membership.Role.STUDENT).user

    api.force_authenticate(student)
    assert api.get("/api/v1/editions/").json()["count"] == 0
    api.force_authenticate(ta)
    assert [e["slug"] for e in api.get("/api/v1/editions/").json()["results"]] == [draft.slug]


def test_edition_detail_is_404_for_a_draft_and_200_for_its_staff(api):
    draft = EditionFactory(status=Edition.Status.DRAFT)
    ta = MembershipFactory(edition=draft, role=Membership.Role.TA).user

    assert api.get(f"/api/v1/editions/{draft.slug}/").status_code == 404
    api.force_authenticate(ta)
    assert api.get(f"/api/v1/editions/{draft.slug}/").json()["slug"] == draft.slug


# --- Schedule ----------------------------------------------------------------------------


def test_schedule_lists_items_by_date_then_order_of_appearance(api, edition):
    body = api.get(schedule_url(edition)).json()

    assert body["edition"] == "info8010-2023"
    assert body["timezone"] == "Europe/Brussels"
    assert body["count"] == len(body["items"]) == 6
    assert [(i["date"], i["kind"], i["title"]) for i in body["items"]] == [
        ("2023-02-10", "syllabus", "Course syllabus"),
        ("2023-02-10", "lecture", "Introduction"),
        ("2023-02-10", "lecture", "Fundamentals of ML"),
        ("2023-03-06", "deadline", "Deadline for Homework 1"),
        ("2023-04-28", "event", "Weights & Biases"),
        ("2023-05-19", "deadline", "Deadline for the reading assignment"),
    ]


def test_schedule_writes_times_with_the_edition_offset(api, edition):
    items = api.get(schedule_url(edition)).json()["items"]
    by_title = {i["title"]: i for i in items}

    homework = by_title["Deadline for Homework 1"]
    assert homework["due_at"] == "2023-03-06T23:59:00+01:00"
    assert homework["starts_at"] is None
    assert homework["assignment"] == Assignment.objects.get(title="Homework 1").pk
    # After the change to summer time the offset is +02:00.
    assert by_title["Deadline for the reading assignment"]["due_at"] == (
        "2023-05-19T23:59:00+02:00"
    )
    lecture = by_title["Introduction"]
    assert lecture["starts_at"] == "2023-02-10T08:30:00+01:00"
    assert lecture["due_at"] is None
    assert lecture["number"] == 0
    assert lecture["assignment"] is None
    assert lecture["links"] == [
        {"kind": "slides", "label": "Slides", "url": lecture["links"][0]["url"]},
        {"kind": "pdf", "label": "PDF", "url": lecture["links"][1]["url"]},
    ]
    assert by_title["Weights & Biases"]["label"] == "Tutorial"
    assert by_title["Weights & Biases"]["starts_at"] == "2023-04-28T08:30:00+02:00"


def test_schedule_filters_by_date_range(api, edition):
    items = api.get(schedule_url(edition, "?from=2023-03-01&to=2023-04-28")).json()["items"]

    assert [i["date"] for i in items] == ["2023-03-06", "2023-04-28"]


@pytest.mark.parametrize("query", ["?kind=deadline&kind=event", "?kind=deadline,event"])
def test_schedule_filters_by_kind_repeated_or_comma_separated(api, edition, query):
    items = api.get(schedule_url(edition, query)).json()["items"]

    assert [i["kind"] for i in items] == ["deadline", "event", "deadline"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?from=06/03/2023", "from", "Date has wrong format"),
        ("?to=2023-02-30", "to", "Date has wrong format"),
        ("?from=2023-05-01&to=2023-04-01", "to", "Must be on or after from."),
        ("?kind=lecture,exam", "kind", 'Unknown kind "exam"; expected one or more of'),
        ("?kind=", "kind", "Give at least one kind."),
    ],
)
def test_schedule_rejects_a_bad_filter_with_a_clear_400(api, edition, query, field, message):
    response = api.get(schedule_url(edition, query))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid"
    assert message in body["errors"][field][0]


def test_schedule_of_a_draft_is_404_except_for_its_staff(api, edition):
    edition.status = Edition.Status.DRAFT
    edition.save()
    student = MembershipFactory(edition=edition, role=Membership.Role.STUDENT).user
    instructor = MembershipFactory(edition=edition, role=Membership.Role.INSTRUCTOR).user

    assert api.get(schedule_url(edition)).status_code == 404
    assert api.get(f"/api/v1/editions/{edition.slug}/lectures/").status_code == 404
    assert api.get(f"/api/v1/editions/{edition.slug}/assignments/").status_code == 404
    api.force_authenticate(student)
    assert api.get(schedule_url(edition)).status_code == 404
    api.force_authenticate(instructor)
    assert api.get(schedule_url(edition)).status_code == 200


def test_unknown_edition_is_404_with_a_json_detail(api):
    response = api.get("/api/v1/editions/nope/schedule/")

    assert response.status_code == 404
    assert "detail" in response.json()


# --- Lectures and assignments ------------------------------------------------------------


def test_lectures_are_paginated_with_links_and_archived_ones_last(api, edition):
    body = api.get(f"/api/v1/editions/{edition.slug}/lectures/").json()

    assert body["count"] == 4
    assert [(x["title"], x["archived"]) for x in body["results"]] == [
        ("Course syllabus", False),
        ("Introduction", False),
        ("Fundamentals of ML", False),
        ("RNN", True),
    ]
    intro = body["results"][1]
    assert intro["starts_at"] == "2023-02-10T08:30:00+01:00"
    assert [link["label"] for link in intro["links"]] == ["Slides", "PDF"]
    assert body["results"][3]["starts_at"] is None


def test_assignments_carry_the_deadline_in_local_terms_and_papers(api, edition):
    body = api.get(f"/api/v1/editions/{edition.slug}/assignments/").json()

    assert body["count"] == 2
    homework, reading = body["results"]
    assert homework == {
        "id": homework["id"],
        "kind": "homework",
        "title": "Homework 1",
        "number": 1,
        "due_date": "2023-03-06",
        "due_time": "23:59:00",
        "due_at": "2023-03-06T23:59:00+01:00",
        "hard_deadline": False,
        "optional": True,
        "handout_url": "https://example.test/homework1.ipynb",
        "summary": "Tensor operations, `autograd` and `nn`.",
        "papers": [],
        "accepted_kinds": ["pdf"],
        "max_file_mb": 20,
        "max_pages": None,
        "sequence": 0,
        "html_url": f"http://testserver/assignments/{homework['id']}/",
    }
    assert reading["hard_deadline"] is True
    assert reading["due_at"] == "2023-05-19T23:59:00+02:00"
    assert all(isinstance(p["id"], int) for p in reading["papers"])
    assert [p["title"] for p in reading["papers"]] == [
        "High-Resolution Image Synthesis with Latent Diffusion Models",
        "Scaling laws",
    ]


# --- Conditional GET ---------------------------------------------------------------------

ENDPOINTS = ["schedule/", "lectures/", "assignments/"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_if_none_match_with_the_current_etag_gives_304(api, edition, endpoint):
    url = f"/api/v1/editions/{edition.slug}/{endpoint}"
    first = api.get(url)
    assert first["ETag"].startswith('W/"')
    assert "Last-Modified" in first

    again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_if_modified_since_with_the_last_modified_gives_304(api, edition):
    first = api.get(schedule_url(edition))

    again = api.get(schedule_url(edition), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304


# Staff's writes, through the services the admin and the import call.


def _change_lecture(edition):
    lecture = Lecture.objects.get(edition=edition, number=1)
    lecture.title = "Fundamentals of machine learning"
    content_save(instance=lecture)


def _add_event(edition):
    content_save(
        instance=EventFactory.build(edition=edition, date=dt.date(2023, 3, 31), title="Talk")
    )


def _delete_event(edition):
    content_delete(instance=edition.events.get())


def _delete_deadline(edition):
    assignment_delete(assignment=edition.assignments.get(title="Homework 1"))


def _add_link(edition):
    content_save(instance=LectureLinkFactory.build(lecture=edition.lectures.get(number=1)))


def _delete_link(edition):
    content_delete(instance=LectureLink.objects.filter(lecture__edition=edition).last())


def _delete_paper(edition):
    content_delete(instance=edition.assignments.get(title="Reading assignment").papers.last())


def _change_edition(edition):
    edition.meeting_time = dt.time(9, 0)
    edition_update(edition=edition)


@pytest.mark.parametrize(
    "change",
    [
        _change_lecture,
        _add_event,
        _delete_event,
        _delete_deadline,
        _add_link,
        _delete_link,
        _delete_paper,
        _change_edition,
    ],
)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_validators_change_when_an_item_is_added_changed_or_deleted(api, edition, change, endpoint):
    url = f"/api/v1/editions/{edition.slug}/{endpoint}"
    first = api.get(url)

    change(edition)

    by_etag = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 200
    assert by_etag["ETag"] != first["ETag"]
    by_date = api.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 200


def test_schedule_etag_differs_between_filters(api, edition):
    everything = api.get(schedule_url(edition))
    deadlines = api.get(schedule_url(edition, "?kind=deadline"))

    assert everything["ETag"] != deadlines["ETag"]


def test_a_bad_filter_is_400_even_when_the_client_copy_is_current(api, edition):
    response = api.get(
        schedule_url(edition, "?kind=exam"), HTTP_IF_MODIFIED_SINCE="Fri, 01 Jan 2100 00:00:00 GMT"
    )

    assert response.status_code == 400


def test_edition_list_etag_changes_when_a_course_is_renamed_or_an_edition_deleted(api):
    course = CourseFactory()
    EditionFactory(course=course)
    gone = EditionFactory(course=course)
    first = api.get("/api/v1/editions/")
    assert api.get("/api/v1/editions/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    course.title = "Deep Learning II"
    course.save()
    renamed = api.get("/api/v1/editions/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert renamed.status_code == 200
    gone.delete()
    after_delete = api.get("/api/v1/editions/", HTTP_IF_NONE_MATCH=renamed["ETag"])
    assert after_delete.status_code == 200
    assert after_delete.json()["count"] == 1


def test_responses_to_signed_in_users_are_private(api, edition):
    anonymous = api.get(schedule_url(edition))
    # A real sign-in: the session cookie is what tells every path the user apart.
    api.force_login(UserFactory())
    signed_in = api.get(schedule_url(edition))

    assert "public" in anonymous["Cache-Control"]
    assert "private" in signed_in["Cache-Control"]
    assert "no-cache" in signed_in["Cache-Control"]


# --- Throttling --------------------------------------------------------------------------


@pytest.fixture
def low_anon_rate(monkeypatch):
    # DRF reads the rates once, into a class attribute; patch that, not the settings.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "1000/minute"}
    )


@pytest.mark.usefixtures("low_anon_rate")
def test_anonymous_clients_are_throttled_with_429(api, edition):
    statuses = [api.get(schedule_url(edition)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = api.get("/api/v1/editions/")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert "throttled" in response.json()["detail"]


@pytest.mark.usefixtures("low_anon_rate")
def test_signed_in_users_are_not_held_to_the_anonymous_rate(api, edition):
    api.force_authenticate(UserFactory())

    statuses = {api.get(schedule_url(edition)).status_code for _ in range(5)}

    assert statuses == {200}


# --- Query counts ------------------------------------------------------------------------


@pytest.fixture(params=["small", "big"])
def sized_edition(request):
    if request.param == "small":
        return build_full_edition(lectures=1, links_per_lecture=0, events=0, homeworks=0, papers=0)
    return build_full_edition(lectures=12, links_per_lecture=4, events=4, homeworks=4, papers=5)


# edition + fingerprint (3) + schedule (5); edition + fingerprint (3) + count + page +
# prefetch (links or papers); edition list: fingerprint + count + page.
@pytest.mark.parametrize(
    ("endpoint", "queries"),
    [("schedule/", 9), ("lectures/", 7), ("assignments/", 7), ("", 1)],
)
def test_query_count_does_not_grow_with_the_edition(
    api, sized_edition, endpoint, queries, django_assert_max_num_queries
):
    url = f"/api/v1/editions/{sized_edition.slug}/{endpoint}"
    with django_assert_max_num_queries(queries):
        response = api.get(url)
    assert response.status_code == 200
    # A 304 costs the edition and its fingerprint only.
    with django_assert_max_num_queries(4 if endpoint else 1):
        assert api.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize("editions", [1, 8])
def test_edition_list_query_count_does_not_grow(api, editions, django_assert_max_num_queries):
    EditionFactory.create_batch(editions)
    with django_assert_max_num_queries(3):
        assert api.get("/api/v1/editions/").status_code == 200


@pytest.mark.django_db
def test_token_clients_get_private_responses_too(api, edition):
    from accounts.services import api_token_create

    api.get(schedule_url(edition))  # cached for anonymous pollers
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=UserFactory()).key}")
    assert "private" in api.get(schedule_url(edition))["Cache-Control"]
