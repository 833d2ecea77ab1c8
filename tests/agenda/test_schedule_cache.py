"""The public schedule is served from the cache until something on the agenda changes."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from config import generations, throttling
from courses.services import content_delete, content_save, edition_unpublish
from tests.factories import EditionFactory, LectureFactory, LectureLinkFactory

URL = "/api/v1/editions/{}/schedule/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_a_repeated_request_costs_no_query_and_an_edit_is_seen_at_once(
    django_assert_num_queries,
):
    edition = EditionFactory()
    lecture = LectureFactory(edition=edition, title="Old title")
    api = APIClient()
    first = api.get(URL.format(edition.slug))
    with django_assert_num_queries(0):
        second = api.get(URL.format(edition.slug))
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]

    lecture.title = "New title"
    content_save(instance=lecture)
    third = api.get(URL.format(edition.slug))
    assert third.json()["items"][0]["title"] == "New title"
    assert third["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_added_and_deleted_links_show_in_the_cached_schedule():
    edition = EditionFactory()
    lecture = LectureFactory(edition=edition)
    api = APIClient()
    assert api.get(URL.format(edition.slug)).json()["items"][0]["links"] == []
    link = content_save(instance=LectureLinkFactory.build(lecture=lecture))
    assert len(api.get(URL.format(edition.slug)).json()["items"][0]["links"]) == 1
    content_delete(instance=link)
    assert api.get(URL.format(edition.slug)).json()["items"][0]["links"] == []


@pytest.mark.django_db
def test_unpublishing_stops_serving_the_cached_schedule():
    edition = EditionFactory()
    LectureFactory(edition=edition)
    api = APIClient()
    assert api.get(URL.format(edition.slug)).status_code == 200
    edition_unpublish(edition=edition)
    assert api.get(URL.format(edition.slug)).status_code == 404


@pytest.mark.django_db
def test_each_query_string_has_its_own_cached_body_and_bad_filters_stay_400():
    edition = EditionFactory()
    LectureFactory(edition=edition)
    api = APIClient()
    everything = api.get(URL.format(edition.slug)).json()
    deadlines = api.get(URL.format(edition.slug) + "?kind=deadline").json()
    assert everything["count"] == 1 and deadlines["count"] == 0
    assert api.get(URL.format(edition.slug) + "?kind=exam").status_code == 400
    etag = api.get(URL.format(edition.slug)).headers["ETag"]
    bad = api.get(URL.format(edition.slug) + "?kind=exam", HTTP_IF_NONE_MATCH=etag)
    assert bad.status_code == 400


def _vary(response) -> set[str]:
    return {v.strip() for v in response["Vary"].split(",")}


@pytest.mark.django_db
def test_the_fast_path_answers_like_drf(client, django_assert_num_queries):
    edition = EditionFactory()
    LectureFactory(edition=edition)
    url = URL.format(edition.slug)
    drf = client.get(url)  # a miss: rendered by DRF, then cached
    with django_assert_num_queries(0):
        fast = client.get(url)
    assert fast.content == drf.content
    for header in ("Content-Type", "ETag", "Last-Modified", "Allow", "Cache-Control"):
        assert fast[header] == drf[header], header
    assert _vary(fast) == _vary(drf)
    assert client.get(url, HTTP_IF_NONE_MATCH=drf["ETag"]).status_code == 304


@pytest.mark.django_db
def test_the_fast_path_is_throttled_like_the_rest_of_the_api(client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    edition = EditionFactory()
    url = URL.format(edition.slug)
    client.get(url)  # cached now
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "1000/minute"}
    )
    throttling._windows.clear()  # start the window afresh; the body stays cached
    cache.clear()
    statuses = [client.get(url).status_code for _ in range(4)]
    assert statuses[-1] == 429
    assert statuses.count(200) == 2


@pytest.mark.django_db
def test_unknown_query_parameters_share_the_cached_body_and_etag(client):
    edition = EditionFactory()
    LectureFactory(edition=edition)
    url = URL.format(edition.slug)
    plain = client.get(url)
    junk = client.get(url + "?utm_source=" + "x" * 500)
    assert junk.status_code == 200
    assert junk["ETag"] == plain["ETag"]
    assert junk.content == plain.content


@pytest.mark.django_db
def test_a_write_made_by_another_process_is_served_within_a_second(client, monkeypatch):
    from agenda import cache as agenda_cache

    edition = EditionFactory()
    LectureFactory(edition=edition, title="Before")
    url = URL.format(edition.slug)
    clock = [5000.0]
    monkeypatch.setattr(agenda_cache.time, "monotonic", lambda: clock[0])
    client.get(url)
    client.get(url)  # now in this process's memo
    # Another process edits the lecture: the shared generation moves, our memo does not.
    from courses.models import Lecture

    Lecture.objects.filter(edition=edition).update(title="After")
    cache.set(generations.edition_scope(edition.slug), "changed elsewhere")
    assert client.get(url).json()["items"][0]["title"] == "Before"
    clock[0] += agenda_cache.LOCAL_SECONDS
    assert client.get(url).json()["items"][0]["title"] == "After"


@pytest.mark.django_db
def test_a_lecture_moved_to_another_edition_changes_both_schedules(admin_client):
    """Through the admin's change form, as staff move it: the edition it left and the one it
    joined are both invalidated (config.generations.invalidate), cached bodies included."""
    from django.urls import reverse

    from tests.admin_forms import submit

    left, joined = EditionFactory(), EditionFactory()
    lecture = LectureFactory(edition=left, title="Moving lecture")
    LectureFactory(edition=joined, title="Staying lecture")
    api = APIClient()
    before = {e.slug: api.get(URL.format(e.slug)) for e in (left, joined)}
    for edition in (left, joined):  # both served from the cache now
        assert api.get(URL.format(edition.slug))["ETag"] == before[edition.slug]["ETag"]

    url = reverse("admin:courses_lecture_change", args=[lecture.pk])
    assert submit(admin_client, url, edition=str(joined.pk)).status_code == 302

    after = {e.slug: api.get(URL.format(e.slug)) for e in (left, joined)}
    for edition in (left, joined):
        assert after[edition.slug]["ETag"] != before[edition.slug]["ETag"]
    assert [i["title"] for i in after[left.slug].json()["items"]] == []
    assert sorted(i["title"] for i in after[joined.slug].json()["items"]) == [
        "Moving lecture",
        "Staying lecture",
    ]
