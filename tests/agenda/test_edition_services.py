"""Publishing, unpublishing and archiving an edition (courses.services)."""

import pytest
from django.core.exceptions import ValidationError

from courses.models import Edition
from courses.services import edition_archive, edition_publish, edition_unpublish
from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db

Status = Edition.Status


@pytest.mark.parametrize(
    ("service", "before", "after"),
    [
        (edition_publish, Status.DRAFT, Status.PUBLISHED),
        (edition_publish, Status.ARCHIVED, Status.PUBLISHED),
        (edition_publish, Status.PUBLISHED, Status.PUBLISHED),
        (edition_unpublish, Status.PUBLISHED, Status.DRAFT),
        (edition_unpublish, Status.ARCHIVED, Status.DRAFT),
        (edition_unpublish, Status.DRAFT, Status.DRAFT),
        (edition_archive, Status.PUBLISHED, Status.ARCHIVED),
        (edition_archive, Status.ARCHIVED, Status.ARCHIVED),
    ],
)
def test_status_changes_are_stored(service, before, after):
    edition = EditionFactory(status=before)

    returned = service(edition=edition)

    edition.refresh_from_db()
    assert edition.status == after
    assert returned.status == after


def test_a_draft_cannot_be_archived():
    edition = EditionFactory(status=Status.DRAFT)

    with pytest.raises(ValidationError, match="publish it before archiving"):
        edition_archive(edition=edition)

    edition.refresh_from_db()
    assert edition.status == Status.DRAFT


def test_publishing_makes_the_page_public(client):
    edition = EditionFactory(status=Status.DRAFT)
    assert client.get(edition.get_absolute_url()).status_code == 404

    edition_publish(edition=edition)

    assert client.get(edition.get_absolute_url()).status_code == 200
