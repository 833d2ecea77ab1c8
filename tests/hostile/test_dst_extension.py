"""Issue 10, case 1: an extension that ends in the spring DST gap.

Homework due Sat 27 March 2027 23:59 Brussels; the clocks go from 02:00 CET to 03:00 CEST
that night, so 23:59 + 3 hours (02:59) does not exist. Granting it is refused with a
message; a row that holds one anyway (written before the fix, or by a new time-zone
database) is read by the rule of docs/decisions/0018-dst-gap-rule.md: at the offset before
the change (02:59 CET = 01:59 UTC = 03:59 CEST), and no page answers 500.
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from submissions import deadlines, services
from submissions.models import Extension, Submission
from tests.factories import AssignmentFactory, UserFactory
from tests.submissions.conftest import pdf_upload

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def spring_homework(edition):
    return AssignmentFactory(
        edition=edition,
        title="Homework DST",
        due_date=dt.date(2027, 3, 27),
        due_time=dt.time(23, 59),
        min_group_size=1,
        max_group_size=3,
        accepted_kinds=["pdf"],
    )


@pytest.fixture
def instructor(edition):
    from courses.models import Membership
    from tests.factories import MembershipFactory

    user = UserFactory(email="prof@example.test", is_staff=True, is_superuser=True)
    MembershipFactory(edition=edition, user=user, role=Membership.Role.INSTRUCTOR)
    return user


def test_an_extension_into_the_dst_gap_is_refused_with_a_message(spring_homework, group, ta):
    with pytest.raises(ValidationError) as caught:
        services.extension_grant(actor=ta, assignment=spring_homework, group=group, hours=3)

    message = " ".join(caught.value.messages)
    assert "02:59" in message and "does not exist in Europe/Brussels" in message
    assert not Extension.objects.exists()


def test_an_extension_past_the_gap_is_granted(spring_homework, group, ta):
    services.extension_grant(actor=ta, assignment=spring_homework, group=group, hours=4)

    deadline = services.group_effective_deadline(assignment=spring_homework, group=group)
    assert deadline == dt.datetime(2027, 3, 28, 1, 59, tzinfo=UTC)  # 03:59 CEST


def test_the_admin_refuses_it_with_a_message_and_saves_nothing(spring_homework, group, instructor):
    client = Client()
    client.force_login(instructor)
    response = client.post(
        reverse("admin:submissions_extension_add"),
        {
            "assignment": spring_homework.pk,
            "group": group.pk,
            "days": 0,
            "hours": 3,
            "reason": "ill",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "does not exist in Europe/Brussels" in response.content.decode()
    assert not Extension.objects.exists()


def test_a_stored_extension_into_the_gap_is_read_at_the_offset_before_the_change(
    spring_homework, group, ta
):
    # As a row written before the refusal existed (or by the admin of an older version).
    extension = Extension.objects.create(
        assignment=spring_homework, group=group, days=0, hours=3, granted_by=ta
    )

    deadline = deadlines.for_group(spring_homework, extension)

    assert deadline == dt.datetime(2027, 3, 28, 1, 59, tzinfo=UTC)


def test_no_page_answers_500_for_a_group_whose_extension_ends_in_the_gap(
    spring_homework, edition, group, alice, ta
):
    Extension.objects.create(
        assignment=spring_homework, group=group, days=0, hours=3, granted_by=ta
    )
    client = Client(raise_request_exception=False)

    with time_machine.travel(dt.datetime(2027, 3, 28, 1, 0, tzinfo=UTC), tick=False):
        client.force_login(alice)
        page = client.get(reverse("submissions:assignment", args=[spring_homework.pk]))
        board = client.get(reverse("submissions:dashboard", args=[edition.slug]))
        web = client.post(
            reverse("submissions:assignment", args=[spring_homework.pk]),
            {"file": pdf_upload(1)},
        )
        api = client.post(
            reverse("submissions-api:submission-create", args=[spring_homework.pk]),
            {"file": pdf_upload(1)},
        )

    assert page.status_code == 200
    assert board.status_code == 200
    assert web.status_code == 302  # accepted: 01:00 UTC is before 01:59 UTC
    assert api.status_code == 201
    assert Submission.objects.filter(group=group).count() == 2


def test_after_the_resolved_deadline_the_hand_in_is_refused_not_a_500(
    spring_homework, group, alice, ta
):
    Extension.objects.create(
        assignment=spring_homework, group=group, days=0, hours=3, granted_by=ta
    )
    client = Client(raise_request_exception=False)

    with time_machine.travel(dt.datetime(2027, 3, 28, 1, 59, tzinfo=UTC), tick=False):
        client.force_login(alice)
        api = client.post(
            reverse("submissions-api:submission-create", args=[spring_homework.pk]),
            {"file": pdf_upload(1)},
        )

    assert api.status_code == 403
    assert api.json()["code"] == "deadline_passed"
    assert not Submission.objects.exists()
