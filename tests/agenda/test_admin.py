"""The instructor's workflow in the Django admin: scoping, actions, query counts."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from courses.models import Edition, Lecture, Membership
from tests.factories import (
    AssignmentFactory,
    EditionFactory,
    EventFactory,
    LectureFactory,
    MembershipFactory,
    StaffMembershipFactory,
    UserFactory,
    build_full_edition,
)

pytestmark = pytest.mark.django_db

Status = Edition.Status


def _grant_course_permissions(user):
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["courses", "assignments"])
    )
    return user


@pytest.fixture
def mine():
    return EditionFactory(slug="mine-2023", term="Spring 2023", status=Status.DRAFT)


@pytest.fixture
def theirs():
    return EditionFactory(slug="theirs-2023", term="Autumn 2023", status=Status.DRAFT)


@pytest.fixture
def ta_client(client, mine):
    """A logged-in TA of ``mine`` with every model permission on courses and assignments."""
    ta = StaffMembershipFactory(edition=mine, role=Membership.Role.TA).user
    client.force_login(_grant_course_permissions(ta))
    return client


def _changelist(name):
    return reverse(f"admin:{name}_changelist")


# --- Scoping: staff see the editions they teach -------------------------------------------


def test_staff_see_only_the_editions_they_teach(ta_client, mine, theirs):
    html = ta_client.get(_changelist("courses_edition")).content.decode()

    assert "mine-2023" in html
    assert "theirs-2023" not in html


def test_staff_without_a_teaching_membership_see_no_edition(client, mine):
    student_role = MembershipFactory(edition=mine, user=UserFactory(is_staff=True))
    client.force_login(_grant_course_permissions(student_role.user))

    html = client.get(_changelist("courses_edition")).content.decode()

    assert "mine-2023" not in html
    assert "0 editions" in html


def test_superusers_see_every_edition(admin_client, mine, theirs):
    html = admin_client.get(_changelist("courses_edition")).content.decode()

    assert "mine-2023" in html
    assert "theirs-2023" in html


@pytest.mark.parametrize(
    ("name", "factory", "title_field"),
    [
        ("courses_lecture", LectureFactory, "title"),
        ("courses_event", EventFactory, "title"),
        ("assignments_assignment", AssignmentFactory, "title"),
    ],
)
def test_staff_list_only_items_of_their_editions(
    ta_client, mine, theirs, name, factory, title_field
):
    factory(edition=mine, **{title_field: "Visible item"})
    factory(edition=theirs, **{title_field: "Hidden item"})

    html = ta_client.get(_changelist(name)).content.decode()

    assert "Visible item" in html
    assert "Hidden item" not in html


@pytest.mark.parametrize(
    ("name", "factory"),
    [
        ("courses_lecture", LectureFactory),
        ("courses_event", EventFactory),
        ("assignments_assignment", AssignmentFactory),
        ("courses_edition", None),
    ],
)
def test_staff_cannot_open_an_item_of_another_edition(ta_client, theirs, name, factory):
    obj = factory(edition=theirs) if factory else theirs

    response = ta_client.get(reverse(f"admin:{name}_change", args=[obj.pk]))

    # The admin answers "does not exist" with a redirect to its index.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_staff_cannot_add_a_lecture_to_another_edition(ta_client, mine, theirs):
    url = reverse("admin:courses_lecture_add")
    data = {
        "date": "2023-02-17",
        "position": "0",
        "kind": "lecture",
        "title": "Smuggled",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }

    refused = ta_client.post(url, {**data, "edition": theirs.pk})
    accepted = ta_client.post(url, {**data, "edition": mine.pk})

    assert refused.status_code == 200  # the form again, with an error on the edition
    assert "Select a valid choice" in refused.content.decode()
    assert accepted.status_code == 302
    assert list(Lecture.objects.values_list("edition__slug", flat=True)) == ["mine-2023"]


def test_edition_autocomplete_offers_only_editions_the_staff_teach(ta_client, mine, theirs):
    response = ta_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "courses", "model_name": "lecture", "field_name": "edition", "term": "2023"},
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(mine.pk)]


def test_edition_filter_offers_only_editions_the_staff_teach(ta_client, mine, theirs):
    html = ta_client.get(_changelist("courses_lecture")).content.decode()

    assert f"?edition={mine.pk}" in html
    assert f"?edition={theirs.pk}" not in html


def test_edition_filter_narrows_the_list(admin_client, mine, theirs):
    LectureFactory(edition=mine, title="In mine")
    LectureFactory(edition=theirs, title="In theirs")

    html = admin_client.get(_changelist("courses_lecture"), {"edition": theirs.pk}).content
    html = html.decode()

    assert "In theirs" in html
    assert "In mine" not in html


def test_staff_cannot_create_editions_from_scratch(ta_client):
    assert ta_client.get(reverse("admin:courses_edition_add")).status_code == 403


def test_edition_form_lists_staff_but_not_students_and_has_no_status_field(admin_client, mine):
    StaffMembershipFactory(edition=mine, display_name="Arnaud Delaunoy")
    MembershipFactory(edition=mine, user=UserFactory(first_name="Stu", last_name="Dent"))

    html = admin_client.get(reverse("admin:courses_edition_change", args=[mine.pk])).content
    html = html.decode()

    assert "Arnaud Delaunoy" in html
    assert "Stu Dent" not in html
    assert 'name="status"' not in html  # changed only by the actions, through the services


def test_assignment_form_shows_the_deadline_in_the_edition_zone(admin_client, mine):
    homework = AssignmentFactory(edition=mine, due_date=dt.date(2023, 3, 6))

    html = admin_client.get(
        reverse("admin:assignments_assignment_change", args=[homework.pk])
    ).content.decode()

    assert "Mon 6 Mar 2023, 23:59 Brussels time (CET)" in html


# --- Actions --------------------------------------------------------------------------------


def _act(client, action, *editions, **extra):
    return client.post(
        _changelist("courses_edition"),
        {"action": action, "_selected_action": [e.pk for e in editions], **extra},
    )


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("publish", Status.DRAFT, Status.PUBLISHED),
        ("unpublish", Status.PUBLISHED, Status.DRAFT),
        ("archive", Status.PUBLISHED, Status.ARCHIVED),
    ],
)
def test_status_actions_change_the_selected_editions(admin_client, action, before, after):
    selected = [EditionFactory(status=before), EditionFactory(status=before)]
    untouched = EditionFactory(status=before)

    response = _act(admin_client, action, *selected)

    assert response.status_code == 302
    assert [e.status for e in Edition.objects.filter(pk__in=[s.pk for s in selected])] == [
        after,
        after,
    ]
    untouched.refresh_from_db()
    assert untouched.status == before


def test_archiving_a_draft_is_refused_with_a_message(admin_client, mine):
    response = _act(admin_client, "archive", mine)

    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("publish it before archiving" in m for m in messages)
    mine.refresh_from_db()
    assert mine.status == Status.DRAFT


def test_staff_actions_cannot_reach_another_edition(ta_client, mine, theirs):
    _act(ta_client, "publish", mine, theirs)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Status.PUBLISHED
    assert theirs.status == Status.DRAFT


def test_clone_action_asks_for_the_new_term_then_creates_a_draft(ta_client, mine):
    LectureFactory(edition=mine, date=dt.date(2023, 2, 10))
    mine.status = Status.PUBLISHED
    mine.save()

    form = _act(ta_client, "clone", mine)
    assert form.status_code == 200
    assert 'name="new_slug"' in form.content.decode()

    done = _act(
        ta_client, "clone", mine, apply="1", new_slug="mine-2024", start="2024-02-09",
        term="Spring 2024",
    )  # fmt: skip

    clone = Edition.objects.get(slug="mine-2024")
    assert done.status_code == 302
    assert done.url == reverse("admin:courses_edition_change", args=[clone.pk])
    assert clone.status == Status.DRAFT
    assert clone.lectures.get().date == dt.date(2024, 2, 9)
    # The TA was copied with the staff, so the clone is theirs to edit.
    assert ta_client.get(done.url).status_code == 200


def test_clone_action_to_an_existing_slug_shows_the_error_and_writes_nothing(
    admin_client, mine, theirs
):
    response = _act(
        admin_client, "clone", mine, apply="1", new_slug="theirs-2023", start="2024-02-09"
    )

    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Edition.objects.count() == 2


# --- Query counts ---------------------------------------------------------------------------

LIST_PAGES = {
    "courses_edition": 6,
    "courses_lecture": 6,
    "courses_event": 6,
    "assignments_assignment": 6,
    "courses_course": 5,
}


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize("size", [1, 15])
def test_list_pages_run_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, name, size
):
    for _ in range(size):
        build_full_edition(lectures=2, links_per_lecture=1, events=2, homeworks=2, papers=1)

    with django_assert_max_num_queries(LIST_PAGES[name]):
        response = admin_client.get(_changelist(name))

    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 15])
def test_list_pages_of_a_staff_user_run_a_fixed_number_of_queries(
    client, django_assert_max_num_queries, size
):
    ta = _grant_course_permissions(UserFactory(is_staff=True))
    for _ in range(size):
        edition = build_full_edition(lectures=2, links_per_lecture=1)
        MembershipFactory(edition=edition, user=ta, role=Membership.Role.TA)
    client.force_login(ta)

    for name in LIST_PAGES:
        with django_assert_max_num_queries(LIST_PAGES[name] + 2):  # + the user's permissions
            response = client.get(_changelist(name))
        assert response.status_code == 200


CHANGE_PAGES = {
    "courses_edition": 12,
    "courses_lecture": 6,
    "courses_event": 6,
    "assignments_assignment": 6,
    "courses_course": 4,
}


def _object_of(name, edition):
    return {
        "courses_edition": edition,
        "courses_lecture": edition.lectures.exclude(date=None).last(),
        "courses_event": edition.events.exclude(date=None).last(),
        "assignments_assignment": edition.assignments.last(),
        "courses_course": edition.course,
    }[name]


@pytest.mark.parametrize("name", CHANGE_PAGES)
@pytest.mark.parametrize("size", [1, 15])
def test_change_pages_run_a_fixed_number_of_queries(
    admin_client, django_assert_max_num_queries, name, size
):
    edition = build_full_edition(
        lectures=size, links_per_lecture=size, events=size, homeworks=size, papers=size
    )
    for _ in range(size):
        StaffMembershipFactory(edition=edition)
        EditionFactory(course=edition.course)
    url = reverse(f"admin:{name}_change", args=[_object_of(name, edition).pk])

    with django_assert_max_num_queries(CHANGE_PAGES[name]):
        response = admin_client.get(url)

    assert response.status_code == 200
