"""Groups of the term (docs/decisions/0003-groups.md): create, join with a code, leave
before the lock date."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from courses import services as course_services
from submissions import services
from submissions.models import GroupChange, GroupMembership, StudentGroup


@pytest.mark.django_db
def test_students_create_join_and_leave_and_every_change_is_recorded(edition, alice, bob):
    group = services.group_create(user=alice, edition=edition, name="Tensor Titans")
    services.group_join(user=bob, code=group.join_code)
    assert set(group.members.all()) == {alice, bob}
    services.group_leave(user=bob, edition=edition)
    actions = list(
        GroupChange.objects.order_by("id").values_list("member__email", "action", "actor__email")
    )
    assert actions == [
        (alice.email, "created", alice.email),
        (bob.email, "joined", bob.email),
        (bob.email, "left", bob.email),
    ]


@pytest.mark.django_db
def test_a_student_is_in_one_group_per_edition_enforced_by_the_database(edition, alice, bob):
    first = services.group_create(user=alice, edition=edition, name="A")
    second = services.group_create(user=bob, edition=edition, name="B")
    with pytest.raises(ValidationError, match="(?i)already in a group"):
        services.group_join(user=alice, code=second.join_code)
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupMembership.objects.create(group=second, user=alice, edition=edition)
    assert list(first.members.all()) == [alice]


@pytest.mark.django_db
def test_a_full_group_refuses_another_member(edition, alice, bob, carol):
    edition.group_max_size = 2
    edition.save()
    group = services.group_create(user=alice, edition=edition, name="Pair")
    services.group_join(user=bob, code=group.join_code)
    with pytest.raises(ValidationError, match="full"):
        services.group_join(user=carol, code=group.join_code)


@pytest.mark.django_db
def test_after_the_lock_date_only_staff_change_groups(edition, alice, bob, ta):
    lock = dt.datetime(2023, 3, 1, tzinfo=dt.UTC)
    edition.groups_lock_at = lock
    edition.save()
    with time_machine.travel(lock - dt.timedelta(seconds=1), tick=False):
        group = services.group_create(user=alice, edition=edition, name="Early")
    with time_machine.travel(lock, tick=False):
        with pytest.raises(ValidationError, match="locked"):
            services.group_join(user=bob, code=group.join_code)
        with pytest.raises(ValidationError, match="locked"):
            services.group_leave(user=alice, edition=edition)
        services.group_member_add(actor=ta, group=group, user=bob, reason="late enrolment")
    change = GroupChange.objects.get(action="added")
    assert (change.actor, change.member, change.detail) == (ta, bob, "late enrolment")


@pytest.mark.django_db
def test_leaving_an_empty_group_without_submissions_dissolves_it(edition, alice):
    services.group_create(user=alice, edition=edition, name="Gone")
    services.group_leave(user=alice, edition=edition)
    assert not StudentGroup.objects.exists()
    assert GroupChange.objects.filter(action="dissolved", group_name="Gone").exists()


@pytest.mark.django_db
def test_only_enrolled_students_make_groups(edition):
    from tests.factories import UserFactory

    stranger = UserFactory(email="stranger@example.test")
    with pytest.raises(ValidationError, match="not enrolled"):
        services.group_create(user=stranger, edition=edition, name="X")


@pytest.mark.django_db
def test_enrolment_code_enrols_a_student_once(edition):
    from tests.factories import UserFactory

    user = UserFactory(email="new@example.test")
    first = course_services.enrolment_join(user=user, code=edition.enrolment_code)
    again = course_services.enrolment_join(user=user, code=edition.enrolment_code)
    assert first.pk == again.pk and first.role == "student"
    with pytest.raises(ValidationError):
        course_services.enrolment_join(user=user, code="wrong")


@pytest.mark.django_db
def test_group_page_creates_and_joins_without_javascript(client, edition, alice, bob):
    client.force_login(alice)
    url = reverse("submissions:group", args=[edition.slug])
    response = client.post(url, {"action": "create", "create-name": "Web Group"})
    assert response.status_code == 302
    group = StudentGroup.objects.get(name="Web Group")
    client.force_login(bob)
    client.post(url, {"action": "join", "join-code": group.join_code})
    assert set(group.members.all()) == {alice, bob}
    page = client.get(url).content.decode()
    assert group.join_code in page


@pytest.mark.django_db
def test_group_page_shows_why_a_join_failed(client, edition, alice):
    client.force_login(alice)
    response = client.post(
        reverse("submissions:group", args=[edition.slug]), {"action": "join", "join-code": "nope"}
    )
    assert response.status_code == 400
    assert "No group has this code" in response.content.decode()


@pytest.mark.django_db
def test_enrol_page_joins_an_edition_with_its_code(client, edition):
    from tests.factories import UserFactory

    user = UserFactory(email="fresh@example.test")
    client.force_login(user)
    response = client.post(reverse("submissions:enrol"), {"code": edition.enrolment_code})
    assert response.status_code == 302
    assert edition.memberships.filter(user=user, role="student").exists()
