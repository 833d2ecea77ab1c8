"""The public schedule is served from the cache until something on the agenda changes."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from courses.models import Edition
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
    lecture.save()
    third = api.get(URL.format(edition.slug))
    assert third.json()["items"][0]["title"] == "New title"
    assert third["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_added_and_deleted_links_show_in_the_cached_schedule():
    edition = EditionFactory()
    lecture = LectureFactory(edition=edition)
    api = APIClient()
    assert api.get(URL.format(edition.slug)).json()["items"][0]["links"] == []
    link = LectureLinkFactory(lecture=lecture)
    assert len(api.get(URL.format(edition.slug)).json()["items"][0]["links"]) == 1
    link.delete()
    assert api.get(URL.format(edition.slug)).json()["items"][0]["links"] == []


@pytest.mark.django_db
def test_unpublishing_stops_serving_the_cached_schedule():
    edition = EditionFactory()
    LectureFactory(edition=edition)
    api = APIClient()
    assert api.get(URL.format(edition.slug)).status_code == 200
    edition.status = Edition.Status.DRAFT
    edition.save()
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
