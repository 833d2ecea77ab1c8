"""No student reaches another group's submissions: pages, API and file URLs, walking ids."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from submissions import services
from tests.submissions.conftest import pdf_upload

BEFORE = dt.datetime(2023, 3, 6, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def both_handed_in(homework, group, other_group, alice, carol):
    with time_machine.travel(BEFORE, tick=False):
        mine = services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        theirs = services.submission_create(user=carol, assignment=homework, upload=pdf_upload())
    return mine, theirs


@pytest.mark.django_db
def test_a_student_cannot_open_another_groups_submission_anywhere(client, both_handed_in, alice):
    mine, theirs = both_handed_in
    client.force_login(alice)
    api = APIClient()
    api.force_authenticate(alice)
    for pk in range(1, theirs.pk + 5):
        expected = 200 if pk == mine.pk else 404
        assert client.get(reverse("submissions:file", args=[pk])).status_code == expected
        assert client.get(reverse("submissions:receipt", args=[pk])).status_code == expected
        assert api.get(reverse("submissions-api:submission", args=[pk])).status_code == expected
        assert (
            api.get(reverse("submissions-api:submission-file", args=[pk])).status_code == expected
        )


@pytest.mark.django_db
def test_my_submissions_lists_only_my_groups_versions(both_handed_in, alice):
    mine, _ = both_handed_in
    api = APIClient()
    api.force_authenticate(alice)
    body = api.get(reverse("submissions-api:my-submissions")).json()
    assert [row["id"] for row in body["results"]] == [mine.pk]


@pytest.mark.django_db
def test_assignment_page_shows_only_my_groups_history(client, both_handed_in, alice, homework):
    mine, theirs = both_handed_in
    client.force_login(alice)
    html = client.get(reverse("submissions:assignment", args=[homework.pk])).content.decode()
    assert reverse("submissions:file", args=[mine.pk]) in html
    assert reverse("submissions:file", args=[theirs.pk]) not in html
    # Asking for another group's receipt in the query string shows nothing of it.
    html = client.get(
        reverse("submissions:assignment", args=[homework.pk]) + f"?receipt={theirs.pk}"
    ).content.decode()
    assert theirs.sha256 not in html


@pytest.mark.django_db
def test_staff_of_the_edition_download_any_file_as_an_attachment(client, both_handed_in, ta):
    _, theirs = both_handed_in
    client.force_login(ta)
    response = client.get(reverse("submissions:file", args=[theirs.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"


@pytest.mark.django_db
def test_staff_of_another_edition_and_anonymous_users_get_nothing(client, both_handed_in):
    from courses.models import Membership
    from tests.factories import EditionFactory, MembershipFactory, UserFactory

    _, theirs = both_handed_in
    stranger = UserFactory(email="ta-elsewhere@example.test", is_staff=True)
    MembershipFactory(edition=EditionFactory(slug="other"), user=stranger, role=Membership.Role.TA)
    client.force_login(stranger)
    assert client.get(reverse("submissions:file", args=[theirs.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("submissions:file", args=[theirs.pk]))
    assert response.status_code == 302  # to the login page
    assert APIClient().get(reverse("submissions-api:submission", args=[theirs.pk])).status_code in (
        401,
        403,
    )


@pytest.mark.django_db
def test_uploaded_files_are_stored_under_unguessable_names(both_handed_in):
    mine, _ = both_handed_in
    assert "report" not in mine.file.name
    assert len(mine.file.name.rsplit("/", 1)[-1]) >= 40
