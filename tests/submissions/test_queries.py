"""Student pages and endpoints run a number of queries that does not grow with the data."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from assignments.models import Assignment
from submissions import services
from tests.submissions.conftest import make_group, make_student, pdf_upload

BEFORE = dt.datetime(2023, 3, 1, tzinfo=dt.UTC)


def populate(edition, group, user, *, assignments, versions):
    """More assignments, more versions, more other groups with their own submissions."""
    created = []
    for number in range(assignments):
        created.append(
            Assignment.objects.create(
                edition=edition,
                kind="project",
                title=f"Extra {number}",
                due_date=dt.date(2023, 4, 1 + number),
                max_group_size=3,
            )
        )
    with time_machine.travel(BEFORE, tick=False):
        for assignment in created:
            for _ in range(versions):
                services.submission_create(user=user, assignment=assignment, upload=pdf_upload())
    return created


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 3])
def test_dashboard_queries_are_constant(
    client, edition, group, alice, size, django_assert_max_num_queries
):
    populate(edition, group, alice, assignments=size, versions=size)
    for index in range(size):
        make_group(edition, make_student(edition, f"x{size}{index}@example.test"))
    client.force_login(alice)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("submissions:dashboard", args=[edition.slug]))
    assert response.status_code == 200
    assert response.content.decode().count("Handed in — version") == size


@pytest.mark.django_db
@pytest.mark.parametrize("versions", [1, 4])
def test_assignment_page_queries_are_constant(
    client, edition, group, alice, versions, django_assert_max_num_queries
):
    (assignment,) = populate(edition, group, alice, assignments=1, versions=versions)
    client.force_login(alice)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("submissions:assignment", args=[assignment.pk]))
    assert response.content.decode().count('<th scope="row">') == versions


@pytest.mark.django_db
@pytest.mark.parametrize("versions", [1, 4])
def test_my_submissions_api_queries_are_constant(
    edition, group, alice, versions, django_assert_max_num_queries
):
    populate(edition, group, alice, assignments=2, versions=versions)
    api = APIClient()
    api.force_authenticate(alice)
    with django_assert_max_num_queries(4):
        body = api.get(reverse("submissions-api:my-submissions")).json()
    assert body["count"] == 2 * versions
