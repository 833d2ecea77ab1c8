"""The dashboard keeps each group's standing in the shared cache (submissions/cache.py): a
reload costs two queries, and every write that changes what the page shows is seen on the
very next load — whoever made it, through whichever service (the admin, the pages, the API)."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts import services as account_services
from assignments.models import Assignment
from assignments.services import assignment_delete, assignment_save, edition_update
from config import generations
from courses.models import Edition
from submissions import services
from submissions.models import Extension, StudentGroup, Submission
from tests.factories import AssignmentFactory, EditionFactory
from tests.submissions.conftest import make_student, pdf_upload

HW1_DEADLINE = dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)  # 23:59 CET
BEFORE = HW1_DEADLINE - dt.timedelta(days=2)


def dashboard(client, user, edition) -> str:
    client.force_login(user)
    response = client.get(reverse("submissions:dashboard", args=[edition.slug]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def proposal(edition):
    return AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.PROJECT_PROPOSAL,
        title="Project proposal",
        due_date=dt.date(2023, 3, 10),
        min_group_size=2,
        max_group_size=3,
    )


@pytest.mark.django_db
def test_a_reload_reads_the_group_standing_from_the_cache(
    client,
    edition,
    group,
    alice,
    homework,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    client.force_login(alice)
    url = reverse("submissions:dashboard", args=[edition.slug])
    with time_machine.travel(BEFORE, tick=False):
        with django_assert_max_num_queries(7):
            first = client.get(url).content
        # The viewer, then the membership with the edition and the viewer's group.
        with django_assert_num_queries(2):
            second = client.get(url).content
    main = slice(first.index(b"<main"), first.index(b"</main>"))  # the header holds a CSRF token
    assert second[main] == first[main]
    assert b"Tensor Titans" in second[main]


@pytest.mark.django_db
def test_each_group_sees_only_its_own_standing(
    client, edition, group, other_group, alice, carol, homework
):
    with time_machine.travel(BEFORE, tick=False):
        dashboard(client, carol, edition)  # Gradient Gang's standing is cached first
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        theirs = dashboard(client, carol, edition)
        ours = dashboard(client, alice, edition)
    assert "Gradient Gang" in theirs and "Not handed in yet" in theirs
    assert "Tensor Titans" not in theirs
    assert "Handed in — version 1" in ours


@pytest.mark.django_db
def test_hand_ins_show_at_once(client, edition, group, alice, bob, homework):
    with time_machine.travel(BEFORE, tick=False):
        assert "Not handed in yet" in dashboard(client, bob, edition)
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        assert "Handed in — version 1" in dashboard(client, bob, edition)
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        assert "Handed in — version 2 (of 2)" in dashboard(client, bob, edition)


@pytest.mark.django_db
def test_a_deleted_hand_in_disappears(client, edition, group, alice, homework):
    with time_machine.travel(BEFORE, tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        assert "Handed in — version 1" in dashboard(client, alice, edition)
        Submission.objects.filter(group=group).delete()  # nothing deletes versions but this:
        generations.invalidate(groups=[group.pk])  # a write made outside the services
        assert "Not handed in yet" in dashboard(client, alice, edition)


@pytest.mark.django_db
def test_an_extension_moves_the_deadline_shown(client, edition, group, alice, ta, homework):
    with time_machine.travel(HW1_DEADLINE + dt.timedelta(hours=1), tick=False):
        page = dashboard(client, alice, edition)
        assert "Not handed in — closed" in page and "extended" not in page
        services.extension_grant(actor=ta, assignment=homework, group=group, days=2)
        page = dashboard(client, alice, edition)
    assert '<span aria-hidden="true">+</span> extended</span>' in page
    assert "Not handed in yet" in page
    assert "Wed 8 Mar 2023, 23:59" in page


@pytest.mark.django_db
def test_a_proposal_review_shows(client, edition, group, alice, ta, proposal):
    with time_machine.travel(BEFORE, tick=False):
        assert "Proposal" not in dashboard(client, alice, edition).split("Assignments")[-1]
        services.proposal_review(reviewer=ta, assignment=proposal, group=group, approved=True)
        assert "Proposal approved" in dashboard(client, alice, edition)


@pytest.mark.django_db
def test_members_joining_leaving_and_renamed_show(client, edition, group, alice, bob, homework):
    carol = make_student(edition, "carol@example.test")
    with time_machine.travel(BEFORE, tick=False):
        assert carol.display_name not in dashboard(client, alice, edition)
        services.group_join(user=carol, code=group.join_code)
        assert carol.display_name in dashboard(client, alice, edition)
        account_services.user_profile_update(
            user=carol, first_name="Carol", last_name="Shannon", student_id="", time_zone=""
        )
        assert "Carol Shannon" in dashboard(client, alice, edition)
        services.group_leave(user=bob, edition=edition)
        assert bob.display_name not in dashboard(client, alice, edition)
        assert "You are not in a group yet" in dashboard(client, bob, edition)


@pytest.mark.django_db
def test_a_renamed_group_shows(client, edition, group, alice):
    dashboard(client, alice, edition)
    renamed = StudentGroup.objects.get(pk=group.pk)
    renamed.name = "Backprop Band"
    services.group_save(actor=alice, group=renamed)
    assert "Backprop Band" in dashboard(client, alice, edition)


@pytest.mark.django_db
def test_edited_added_and_removed_assignments_show(client, edition, group, alice, homework):
    with time_machine.travel(BEFORE, tick=False):
        dashboard(client, alice, edition)
        homework.title = "Homework 1: tensors"
        homework.due_date = dt.date(2023, 3, 13)
        assignment_save(assignment=homework)
        page = dashboard(client, alice, edition)
        assert "Homework 1: tensors" in page and "Mon 13 Mar 2023, 23:59" in page
        added = assignment_save(
            assignment=AssignmentFactory.build(
                edition=edition, title="Homework 2", due_date=dt.date(2023, 4, 3)
            )
        )
        assert "Homework 2" in dashboard(client, alice, edition)
        assignment_delete(assignment=added)
        assert "Homework 2" not in dashboard(client, alice, edition)


@pytest.mark.django_db
def test_a_new_edition_time_zone_shows(client, edition, group, alice, homework):
    dashboard(client, alice, edition)
    moved = Edition.objects.get(pk=edition.pk)
    moved.timezone = "America/New_York"
    edition_update(edition=moved)
    assert "Deadline (America/New_York)" in dashboard(client, alice, edition)


@pytest.mark.django_db
def test_a_deadline_passing_closes_the_row_without_any_write(
    client, edition, group, alice, homework, django_assert_num_queries
):
    client.force_login(alice)
    url = reverse("submissions:dashboard", args=[edition.slug])
    with time_machine.travel(HW1_DEADLINE - dt.timedelta(microseconds=1), tick=False):
        page = client.get(url).content.decode()
    assert "Not handed in yet" in page and "less than a minute left" in page
    with time_machine.travel(HW1_DEADLINE, tick=False):
        with django_assert_num_queries(2):  # served from the cache, yet closed
            page = client.get(url).content.decode()
    assert "Not handed in — closed" in page
    assert "No deadline ahead." in page


@pytest.mark.django_db
def test_the_dashboard_works_with_the_cache_down(
    client, edition, group, alice, homework, monkeypatch
):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise RedisConnectionError("Redis is down")

    with time_machine.travel(BEFORE, tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        client.force_login(alice)
        monkeypatch.setattr(cache, "get_many", down)
        monkeypatch.setattr(cache, "set_many", down)
        monkeypatch.setattr(cache, "add", down)
        response = client.get(reverse("submissions:dashboard", args=[edition.slug]))
    assert response.status_code == 200
    assert "Handed in — version 1" in response.content.decode()


@pytest.mark.django_db
def test_a_stranger_gets_404_even_when_the_standing_is_cached(client, edition, group, alice):
    from tests.factories import UserFactory

    dashboard(client, alice, edition)
    client.force_login(UserFactory(email="stranger@example.test"))
    response = client.get(reverse("submissions:dashboard", args=[edition.slug]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_revoked_extension_disappears(client, edition, group, alice, ta, homework):
    with time_machine.travel(BEFORE, tick=False):
        services.extension_grant(actor=ta, assignment=homework, group=group, days=2)
        assert '<span aria-hidden="true">+</span> extended</span>' in dashboard(
            client, alice, edition
        )
        services.extension_revoke(extension=Extension.objects.get(group=group))
        assert '<span aria-hidden="true">+</span> extended</span>' not in dashboard(
            client, alice, edition
        )


@pytest.mark.django_db
def test_an_assignment_moved_to_another_edition_leaves_the_old_dashboard(
    client, edition, group, alice, homework
):
    other = EditionFactory(slug="info8010-other", timezone=edition.timezone)
    with time_machine.travel(BEFORE, tick=False):
        assert "Homework 1" in dashboard(client, alice, edition)
        moved = Assignment.objects.get(pk=homework.pk)  # as the admin's change form does
        moved.edition = other
        assignment_save(assignment=moved)
        assert "Homework 1" not in dashboard(client, alice, edition)


@pytest.mark.django_db
def test_a_member_moved_to_another_group_leaves_the_old_one(
    client, edition, group, other_group, alice, bob
):
    assert bob.display_name in dashboard(client, alice, edition)
    # Staff moving a student in the admin: out of one group, into the other.
    services.group_member_remove(actor=alice, group=group, user=bob)
    services.group_member_add(actor=alice, group=other_group, user=bob)
    assert bob.display_name not in dashboard(client, alice, edition)
