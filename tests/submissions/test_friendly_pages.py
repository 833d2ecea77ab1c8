"""The student and staff pages of issue 14: invitations inside the app, group-size rules said
before uploading, leaving with confirmation, staff homes, the personal calendar's titles,
form errors shown once with focus."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from courses.models import Membership
from submissions import invite_services, services
from submissions.models import GroupInvite, GroupMembership
from tests.factories import AssignmentFactory, EditionFactory, MembershipFactory, UserFactory
from tests.submissions.conftest import make_group, make_student, pdf_upload

pytestmark = pytest.mark.django_db

BEFORE = dt.datetime(2023, 3, 1, 12, tzinfo=dt.UTC)


def group_url(edition):
    return reverse("submissions:group", args=[edition.slug])


# --- invitations ---------------------------------------------------------------------------


def test_a_member_invites_a_classmate_by_e_mail_who_accepts(client, edition, alice, bob):
    group = make_group(edition, alice, name="Tensor Titans")
    carol = make_student(edition, "carol@example.test")
    GroupMembership.objects.filter(user=bob).delete()  # bob is free
    client.force_login(alice)
    response = client.post(
        group_url(edition), {"action": "invite", "invite-who": "bob@example.test"}
    )
    assert response.status_code == 302
    invite = GroupInvite.objects.get()
    assert (invite.invitee, invite.status) == (bob, "pending")

    client.force_login(bob)
    page = client.get(group_url(edition)).content.decode()
    assert "invites you to join <strong>Tensor Titans</strong>" in page
    client.post(group_url(edition), {"action": "accept", "invite": invite.pk})
    assert set(group.members.all()) == {alice, bob}
    invite.refresh_from_db()
    assert invite.status == "accepted"
    assert carol not in group.members.all()


def test_an_invitation_finds_a_classmate_by_full_name(edition, alice, bob):
    make_group(edition, alice)
    GroupMembership.objects.filter(user=bob).delete()
    bob.first_name, bob.last_name = "Bob", "Marley"
    bob.save()
    invite = invite_services.group_invite(actor=alice, edition=edition, who="  bob   marley ")
    assert invite.invitee == bob


def test_a_declined_invitation_shows_to_the_group_and_does_not_join(client, edition, alice, bob):
    group = make_group(edition, alice)
    GroupMembership.objects.filter(user=bob).delete()
    invite = invite_services.group_invite(actor=alice, edition=edition, who="bob@example.test")
    invite_services.group_invite_decline(user=bob, invite_id=invite.pk)
    assert list(group.members.all()) == [alice]
    client.force_login(alice)
    assert "declined" in client.get(group_url(edition)).content.decode()
    with pytest.raises(ValidationError, match="no longer valid"):
        invite_services.group_invite_accept(user=bob, invite_id=invite.pk)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("nobody@example.test", "No student of this course"),
        ("alice@example.test", "already in your group"),
        ("ta@example.test", "No student of this course"),  # staff are not students
    ],
)
def test_an_invitation_to_someone_who_cannot_join_is_refused_at_the_field(
    client, edition, alice, ta, who, message
):
    make_group(edition, alice)
    client.force_login(alice)
    response = client.post(group_url(edition), {"action": "invite", "invite-who": who})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert page.count(message) == 1  # once, next to the field, not also in a banner
    assert 'aria-invalid="true"' in page and "autofocus" in page
    assert not GroupInvite.objects.exists()


def test_a_student_of_another_edition_cannot_be_invited(edition, alice):
    make_group(edition, alice)
    make_student(EditionFactory(), "elsewhere@example.test")
    with pytest.raises(ValidationError, match="No student of this course"):
        invite_services.group_invite(actor=alice, edition=edition, who="elsewhere@example.test")


def test_only_the_invitee_can_answer(edition, alice, bob, carol):
    make_group(edition, alice)
    GroupMembership.objects.filter(user=bob).delete()
    invite = invite_services.group_invite(actor=alice, edition=edition, who="bob@example.test")
    with pytest.raises(ValidationError):
        invite_services.group_invite_accept(user=carol, invite_id=invite.pk)
    assert GroupInvite.objects.get().status == "pending"


# --- group-size rules before uploading --------------------------------------------------------


def test_a_group_too_small_sees_the_rule_instead_of_the_form(client, edition, alice, homework):
    make_group(edition, alice)  # one member; Homework 1 needs 2 or 3
    client.force_login(alice)
    with time_machine.travel(BEFORE, tick=False):
        page = client.get(reverse("submissions:assignment", args=[homework.pk])).content.decode()
    assert 'id="group-size-refusal"' in page
    assert "Handed in by groups of 2 to 3. Your group has 1 member." in page
    assert 'type="file"' not in page


def test_the_group_page_states_each_assignments_group_size(client, edition, group, alice, homework):
    client.force_login(alice)
    page = client.get(group_url(edition)).content.decode()
    assert "<strong>Homework 1</strong>: Handed in by groups of 2 to 3." in page


# --- leaving -------------------------------------------------------------------------------


def test_leaving_asks_for_confirmation_and_warns_about_hand_ins(
    client, edition, group, alice, homework
):
    with time_machine.travel(BEFORE, tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    client.force_login(alice)
    response = client.post(group_url(edition), {"action": "leave"})  # no confirmation
    assert response.status_code == 400
    assert GroupMembership.objects.filter(user=alice).exists()
    page = client.get(group_url(edition) + "?leave").content.decode()
    assert "Your group has handed in 1 version." in page
    assert "you lose access to them" in page
    response = client.post(group_url(edition), {"action": "leave", "confirm": "yes"})
    assert response.status_code == 302
    assert not GroupMembership.objects.filter(user=alice).exists()


# --- staff ---------------------------------------------------------------------------------


def test_staff_get_a_staff_home_not_the_student_one(client, edition, group, ta, homework):
    client.force_login(ta)
    page = client.get(reverse("submissions:dashboard", args=[edition.slug])).content.decode()
    assert "Work to do" in page
    assert reverse("admin:grading_submissiontograde_changelist") in page
    assert reverse("grading:staff", args=[edition.slug]) in page
    assert "You are not in a group yet" not in page
    assert "1 group" in page


def test_staff_home_lists_taught_courses_without_the_join_form(client, edition, ta):
    MembershipFactory(edition=EditionFactory(), user=ta, role=Membership.Role.TA)
    client.force_login(ta)
    page = client.get(reverse("submissions:home")).content.decode()
    assert "Courses I teach" in page
    assert "Join a course" not in page


def test_students_still_get_the_join_form(client, edition, alice):
    MembershipFactory(edition=EditionFactory(), user=alice, role=Membership.Role.STUDENT)
    client.force_login(alice)
    page = client.get(reverse("submissions:home")).content.decode()
    assert "Join a course" in page and "Courses I teach" not in page


# --- times and the calendar ---------------------------------------------------------------


def test_versions_show_human_times_with_the_exact_time_in_details(
    client, edition, group, alice, homework
):
    with time_machine.travel(BEFORE, tick=False):
        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
        client.force_login(alice)
        url = reverse("submissions:assignment", args=[homework.pk])
        page = client.get(f"{url}?receipt={submission.pk}").content.decode()
    assert "Wed 1 Mar 2023, 13:00 Brussels time (CET)" in page
    assert "<summary>exact time</summary><code>2023-03-01T12:00:00+00:00</code>" in page
    assert "latest: the one to be graded" in page
    assert '<span class="badge">graded</span>' not in page


def test_the_personal_calendar_names_the_edition_of_each_deadline(client, edition, alice):
    other = EditionFactory(course=edition.course, term="Spring 2024", slug="info8010-2024")
    MembershipFactory(edition=other, user=alice, role=Membership.Role.STUDENT)
    for e in (edition, other):
        AssignmentFactory(edition=e, title="Homework 1", due_date=dt.date(2023, 3, 6))
    feed = services.calendar_token_rotate(user=alice)
    body = client.get(reverse("submissions:personal-calendar", args=[feed.token])).content
    summaries = sorted(str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT"))
    code = edition.course.code
    assert summaries == [
        f"Deadline: Homework 1 ({code} Spring 2023)",
        f"Deadline: Homework 1 ({code} Spring 2024)",
    ]


def test_the_login_page_uses_the_site_layout(client):
    page = client.get(reverse("account_login")).content.decode()
    assert '<html lang="en-gb">' in page
    assert '<main id="main"' in page and "css/lectern.css" in page
    assert "Menu:" not in page


def test_staff_are_not_shown_the_upload_form(client, edition, ta, homework):
    client.force_login(ta)
    with time_machine.travel(BEFORE, tick=False):
        page = client.get(reverse("submissions:assignment", args=[homework.pk])).content.decode()
    assert 'type="file"' not in page


def test_an_unknown_user_is_not_found_in_the_staff_home(client, edition):
    client.force_login(UserFactory())
    assert client.get(reverse("submissions:dashboard", args=[edition.slug])).status_code == 404
