"""Issue 10, case 5: the join code of another edition's group must not commit the join."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from submissions import services
from submissions.models import GroupChange, GroupMembership
from tests.factories import EditionFactory, make_group, make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_edition(edition):
    return EditionFactory(slug="info8010-other", course=edition.course, timezone=edition.timezone)


@pytest.fixture
def foreign_group(other_edition):
    """A group of the other edition; ``carol`` (enrolled in both) may be tempted to join."""
    return make_group(other_edition, make_student(other_edition, "eve@example.test"), name="Far")


def _enrolled_in_both(edition, other_edition):
    from courses.models import Membership
    from tests.factories import MembershipFactory

    carol = make_student(edition, "carol@example.test")
    MembershipFactory(edition=other_edition, user=carol, role=Membership.Role.STUDENT)
    return carol


def test_the_group_page_refuses_another_editions_code_and_writes_nothing(
    edition, other_edition, foreign_group
):
    carol = _enrolled_in_both(edition, other_edition)
    changes = GroupChange.objects.count()
    client = Client()
    client.force_login(carol)

    response = client.post(
        reverse("submissions:group", args=[edition.slug]),
        {"action": "join", "join-code": foreign_group.join_code},
    )

    assert response.status_code == 400
    assert "belongs to another edition" in response.content.decode()
    assert not GroupMembership.objects.filter(user=carol).exists()
    assert GroupChange.objects.count() == changes


def test_the_service_checks_the_edition_before_writing(edition, other_edition, foreign_group):
    carol = _enrolled_in_both(edition, other_edition)

    with pytest.raises(ValidationError, match="another edition"):
        services.group_join(user=carol, edition=edition, code=foreign_group.join_code)

    assert not GroupMembership.objects.filter(user=carol).exists()
