"""The course page says when an edition is archived and links its calendar feed and API
(issue 14, point 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.models import Edition
from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db


def test_an_archived_edition_says_so(client):
    edition = EditionFactory(status=Edition.Status.ARCHIVED, term="Spring 2023")
    page = client.get(edition.get_absolute_url()).content.decode()
    assert "Archived." in page
    assert "This is the Spring 2023 edition, kept as it was" in page


def test_a_live_edition_has_no_archived_banner(client):
    edition = EditionFactory(status=Edition.Status.PUBLISHED)
    assert "banner-archived" not in client.get(edition.get_absolute_url()).content.decode()


def test_the_course_page_links_its_calendar_feed_and_api(client):
    edition = EditionFactory(slug="info8010-2031")
    page = client.get(edition.get_absolute_url()).content.decode()
    feed = reverse("edition-calendar", kwargs={"slug": edition.slug})
    assert f'href="webcal://testserver{feed}"' in page
    assert f'value="http://testserver{feed}"' in page  # the address to copy
    api = reverse("api:edition-schedule", kwargs={"slug": edition.slug})
    assert f'href="{api}"' in page
