"""Anonymous visitors of the course page, the archives page and the edition feed are served a
shared copy (agenda/page_cache.py): no query on a repeat, an ETag and 304s, every edit seen
on the next request — and no signed-in user's data ever in a copy, nor a copy served to them.
"""

import pytest
from django.test import Client
from django.urls import reverse

from courses.services import content_save, edition_unpublish
from tests.factories import EditionFactory, LectureFactory, UserFactory, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition():
    edition = EditionFactory()
    LectureFactory(edition=edition, title="Old title", number=1)
    return edition


def _archives(edition):
    return reverse("agenda:archives", kwargs={"slug": edition.slug})


def _feed(edition):
    return reverse("edition-calendar", kwargs={"slug": edition.slug})


@pytest.mark.parametrize("page", ["course", "archives"])
def test_a_repeated_anonymous_visit_costs_no_query_and_answers_304_to_its_etag(
    client, edition, page, django_assert_num_queries
):
    url = edition.get_absolute_url() if page == "course" else _archives(edition)
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "public" in second["Cache-Control"]
    with django_assert_num_queries(0):
        again = client.get(url, HTTP_IF_NONE_MATCH=second["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


def test_an_agenda_change_shows_on_the_next_request(client, edition):
    url = edition.get_absolute_url()
    before = client.get(url)
    assert b"Old title" in before.content
    lecture = edition.lectures.get()
    lecture.title = "New title"
    content_save(instance=lecture)  # the one invalidation entry point

    after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert b"New title" in after.content and b"Old title" not in after.content
    assert after["ETag"] != before["ETag"]


def test_an_unpublished_edition_is_no_longer_served_from_its_copy(client, edition):
    url = edition.get_absolute_url()
    assert client.get(url).status_code == 200
    edition_unpublish(edition=edition)
    assert client.get(url).status_code == 404
    assert client.get(_archives(edition)).status_code == 404


def test_a_signed_in_user_never_gets_the_copy_and_no_copy_holds_their_data(edition):
    alice = make_student(edition, "alice.private@example.test")
    anonymous, signed_in = Client(), Client()
    url = edition.get_absolute_url()
    shared = anonymous.get(url)  # the copy is stored now
    assert b"alice.private" not in shared.content

    signed_in.force_login(alice)
    theirs = signed_in.get(url)
    assert b"alice.private@example.test" in theirs.content  # their own page, not the copy
    assert "private" in theirs["Cache-Control"]
    assert "ETag" not in theirs

    signed_in.logout()
    after = signed_in.get(url)
    assert after.status_code == 200
    assert b"alice.private" not in after.content
    assert b"Log out" not in after.content


def test_a_page_rendered_for_a_signed_in_user_is_not_stored(edition):
    alice = make_student(edition, "alice.private@example.test")
    signed_in = Client()
    signed_in.force_login(alice)
    signed_in.get(edition.get_absolute_url())  # a miss for the copy: rendered for Alice

    seen = Client().get(edition.get_absolute_url())

    assert b"alice.private" not in seen.content


def test_signing_in_then_out_in_a_browser_never_shows_their_data(edition):
    alice = make_student(edition, "alice.private@example.test")
    browser = Client()
    url = edition.get_absolute_url()
    browser.get(url)
    browser.force_login(alice)
    assert b"alice.private@example.test" in browser.get(url).content
    browser.post(reverse("account_logout"))  # leaves a "signed out" message behind

    after = browser.get(url)

    assert b"alice.private" not in after.content
    assert b"Log out" not in after.content


def test_the_copy_carries_no_csrf_token_no_nonce_and_sets_no_cookie(client, edition):
    for url in (edition.get_absolute_url(), _archives(edition)):
        first, second = client.get(url), client.get(url)
        for response in (first, second):
            assert b"csrfmiddlewaretoken" not in response.content
            assert b"nonce" not in response.content
            assert not response.cookies
            assert "nonce-" not in response.headers.get("Content-Security-Policy", "")


def test_the_language_switcher_works_without_a_csrf_token(edition):
    browser = Client(enforce_csrf_checks=True)
    url = edition.get_absolute_url()
    assert b"Subscribe" in browser.get(url).content

    response = browser.post(reverse("set_language"), {"language": "fr", "next": url})

    assert response.status_code == 302
    assert "S’abonner" in browser.get(url).content.decode()


def test_each_language_and_host_has_its_own_copy(client, edition, settings):
    settings.ALLOWED_HOSTS = ["testserver", "courses.example.org"]
    url = edition.get_absolute_url()
    english = client.get(url, headers={"accept-language": "en"})
    french = client.get(url, headers={"accept-language": "fr"})
    other_host = client.get(url, headers={"accept-language": "en", "host": "courses.example.org"})

    assert "Subscribe" in english.content.decode()
    assert "S’abonner" in french.content.decode()
    assert english["ETag"] != french["ETag"]
    assert b"courses.example.org" in other_host.content
    assert b"courses.example.org" not in client.get(url).content


def test_a_query_string_renders_the_page_without_the_copy(client, edition):
    url = edition.get_absolute_url()
    client.get(url)
    response = client.get(url + "?from=newsletter")
    assert response.status_code == 200
    assert b"next" in response.content and b"from=newsletter" in response.content


# --- The edition feed ----------------------------------------------------------------------


def test_the_feed_is_served_from_its_copy_and_follows_an_edit(
    client, edition, django_assert_num_queries
):
    first = client.get(_feed(edition))
    with django_assert_num_queries(0):
        second = client.get(_feed(edition))
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    with django_assert_num_queries(0):
        assert client.get(_feed(edition), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    lecture = edition.lectures.get()
    lecture.title = "New title"
    content_save(instance=lecture)
    after = client.get(_feed(edition), HTTP_IF_NONE_MATCH=first["ETag"])

    assert after.status_code == 200
    assert b"New title" in after.content


def test_the_feeds_copy_is_per_host(client, edition, settings):
    settings.ALLOWED_HOSTS = ["testserver", "courses.example.org"]
    client.get(_feed(edition))
    other = client.get(_feed(edition), headers={"host": "courses.example.org"})
    assert b"http://courses.example.org/editions/" in other.content


def test_a_signed_in_feed_reader_gets_a_private_answer(client, edition):
    client.get(_feed(edition))  # the shared copy exists
    client.force_login(UserFactory())
    response = client.get(_feed(edition))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("per_request", ["csrf token", "csp nonce", "message"])
def test_a_page_rendered_with_something_per_request_is_not_stored(
    client, edition, monkeypatch, per_request
):
    from django.contrib import messages
    from django.db import connection
    from django.middleware.csrf import get_token
    from django.test.utils import CaptureQueriesContext

    from agenda import views

    render = views.render

    def render_with(request, *args, **kwargs):
        if per_request == "csrf token":
            get_token(request)
        elif per_request == "csp nonce":
            str(request.csp_nonce)
        else:
            messages.info(request, "Hello")
        return render(request, *args, **kwargs)

    monkeypatch.setattr(views, "render", render_with)
    client.get(edition.get_absolute_url())
    client.cookies.clear()  # a new visitor
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(edition.get_absolute_url()).status_code == 200
    assert ctx.captured_queries  # rendered again, not served from a copy
