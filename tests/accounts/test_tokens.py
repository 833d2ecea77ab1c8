"""Personal API tokens for scripts: POST /api/v1/auth/token/ (shown once, stored hashed),
Bearer and Token both accepted, DELETE revokes the one in use, the login form's limits on
failures, and a new password revokes every older token."""

from __future__ import annotations

import hashlib

import pytest
from allauth.account.models import EmailAddress
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token/"
ME = "/api/v1/me/"
PASSWORD = "lectern-test"


@pytest.fixture
def alice():
    user = UserFactory(email="alice@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _obtain(email="alice@example.test", password=PASSWORD, **extra):
    return APIClient().post(URL, {"email": email, "password": password, **extra}, format="json")


def _as(token, keyword="Bearer"):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{keyword} {token}")
    return api


def test_a_script_gets_a_token_shown_once_and_stored_only_as_a_digest(alice):
    response = _obtain(name="grades script")

    assert response.status_code == 201
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    token = body["token"]
    assert body["name"] == "grades script"
    assert token.startswith("lct_") and len(token) > 40
    stored = ApiToken.objects.get(user=alice)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.digest, stored.password_check, stored.name}


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_bearer_and_token_keywords_both_authenticate(alice, keyword):
    token = _obtain().json()["token"]

    response = _as(token, keyword).get(ME)

    assert response.status_code == 200
    assert response.json()["user"]["email"] == alice.email


def test_delete_revokes_the_token_in_use_and_no_other(alice):
    first, second = _obtain().json()["token"], _obtain().json()["token"]

    assert _as(first).delete(URL).status_code == 204

    refused = _as(first).get(ME)
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "authentication_failed"
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert _as(second).get(ME).status_code == 200


def test_delete_needs_the_token_itself_not_a_session(alice, client):
    client.force_login(alice)

    response = client.delete(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_wrong_password_is_a_400_problem(alice):
    response = _obtain(password="nope")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_credentials"
    assert body["errors"] == {"non_field_errors": [body["detail"]]}
    assert not ApiToken.objects.exists()


def test_failed_attempts_count_against_the_login_forms_limit(alice):
    # allauth's default: 5 failures per address in 5 minutes.
    for _ in range(5):
        assert _obtain(password="nope").status_code == 400

    blocked = _obtain()

    assert blocked.status_code == 429
    assert blocked.json()["code"] == "too_many_attempts"
    assert not ApiToken.objects.exists()


def test_a_missing_field_is_named_in_errors(alice):
    response = APIClient().post(URL, {"email": alice.email}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"password"}


def test_an_unconfirmed_address_gets_no_token():
    UserFactory(email="new@example.test")

    response = _obtain(email="new@example.test")

    assert response.status_code == 400
    assert "Confirm your e-mail" in response.json()["detail"]


def test_a_new_password_revokes_every_older_token(alice):
    tokens = [_obtain().json()["token"] for _ in range(2)]

    alice.set_password("a-brand-new-password")
    alice.save()

    for token in tokens:
        response = _as(token).get(ME)
        assert response.status_code == 401
        assert "password change" in response.json()["detail"]
    fresh = _obtain(password="a-brand-new-password").json()["token"]
    assert _as(fresh).get(ME).status_code == 200
