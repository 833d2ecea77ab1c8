"""Issue 10, case 6: the sign-up allow-list must not block password reset (or login) for
accounts that exist outside it; it still refuses new addresses outside it."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outside_account(settings):
    settings.LECTERN_SIGNUP_DOMAINS = ["student.uliege.be"]
    user = UserFactory(email="visiting.ta@gmail.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_an_existing_account_outside_the_list_can_reset_its_password(
    client, outside_account, mailoutbox
):
    response = client.post(reverse("account_reset_password"), {"email": outside_account.email})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert [m.to for m in mailoutbox] == [[outside_account.email]]


def test_sign_up_outside_the_list_is_still_refused(client, outside_account):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "other@gmail.com",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )

    assert response.status_code == 200
    assert "@student.uliege.be" in response.content.decode()
    assert not User.objects.filter(email="other@gmail.com").exists()


def test_adding_an_address_outside_the_list_is_refused(client, outside_account):
    client.force_login(outside_account)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "second@gmail.com"}
    )

    assert "@student.uliege.be" in response.content.decode()
    assert not EmailAddress.objects.filter(email="second@gmail.com").exists()
