"""A retried hand-in never becomes a second version: the API's Idempotency-Key and the
upload form's one-time token (submissions/idempotency.py)."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from config import storage
from submissions import idempotency
from submissions.models import Submission
from tests.factories import AssignmentFactory, SubmissionFactory
from tests.submissions.conftest import pdf_upload

BEFORE = dt.datetime(2023, 3, 6, 12, 0, tzinfo=dt.UTC)
AFTER = dt.datetime(2023, 3, 7, 12, 0, tzinfo=dt.UTC)  # the deadline has passed


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def hand_in(api, homework, upload, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post(
        reverse("submissions-api:submission-create", args=[homework.pk]),
        {"file": upload},
        format="multipart",
        **headers,
    )


@pytest.mark.django_db
def test_an_api_retry_with_the_same_key_and_bytes_gets_the_first_receipt(
    api, homework, group, django_capture_on_commit_callbacks, mailoutbox
):
    with time_machine.travel(BEFORE, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = hand_in(api, homework, pdf_upload(), key="client-42")
        assert first.status_code == 201
    # The retry arrives after the deadline: it is still the same hand-in, accepted in time.
    with time_machine.travel(AFTER, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            retry = hand_in(api, homework, pdf_upload(), key="client-42")
    assert retry.status_code == 200
    assert retry["Idempotent-Replayed"] == "true"
    assert {k: v for k, v in retry.json().items() if k != "receipt_email"} == {
        k: v for k, v in first.json().items() if k != "receipt_email"
    }
    assert Submission.objects.count() == 1
    assert len(mailoutbox) == 1  # one receipt e-mail


@pytest.mark.django_db
def test_the_same_key_with_other_bytes_is_409_and_stores_nothing(api, homework, group):
    with time_machine.travel(BEFORE, tick=False):
        assert hand_in(api, homework, pdf_upload(), key="client-42").status_code == 201
        other = hand_in(api, homework, pdf_upload(pages=2), key="client-42")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert "version 1" in other.json()["detail"]
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_without_a_key_or_with_a_new_key_each_request_is_a_new_version(api, homework, group):
    with time_machine.travel(BEFORE, tick=False):
        assert hand_in(api, homework, pdf_upload()).status_code == 201
        assert hand_in(api, homework, pdf_upload()).status_code == 201
        assert hand_in(api, homework, pdf_upload(), key="a").status_code == 201
        assert hand_in(api, homework, pdf_upload(), key="b").status_code == 201
    assert sorted(Submission.objects.values_list("version", flat=True)) == [1, 2, 3, 4]


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "has space", "é", "x" * 129])
def test_an_unusable_key_is_a_400_and_stores_nothing(api, homework, group, key):
    with time_machine.travel(BEFORE, tick=False):
        response = hand_in(api, homework, pdf_upload(), key=key)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_keys_belong_to_their_user(homework, group, alice, bob):
    with time_machine.travel(BEFORE, tick=False):
        for user, pages in ((alice, 1), (bob, 2)):
            client = APIClient()
            client.force_authenticate(user)
            assert hand_in(client, homework, pdf_upload(pages=pages), key="k").status_code == 201
    assert Submission.objects.count() == 2


def form_token(page) -> str:
    found = re.search(r'name="handin_token" value="([^"]+)"', page.content.decode())
    assert found, "the upload form carries a one-time token"
    return found.group(1)


@pytest.mark.django_db
def test_a_double_click_on_the_upload_form_hands_in_once(client, homework, group, alice):
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    with time_machine.travel(BEFORE, tick=False):
        token = form_token(client.get(url))
        first = client.post(url, {"file": pdf_upload(), "handin_token": token})
        second = client.post(url, {"file": pdf_upload(), "handin_token": token}, follow=True)
    submission = Submission.objects.get()
    assert first.status_code == second.redirect_chain[0][1] == 302
    assert first["Location"] == second.redirect_chain[0][0]  # the same receipt
    assert "sent twice: it was handed in once, as version 1" in second.content.decode()
    assert submission.sha256 in second.content.decode()


@pytest.mark.django_db
def test_a_used_form_sent_again_with_another_file_is_refused(client, homework, group, alice):
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    with time_machine.travel(BEFORE, tick=False):
        page = client.get(url)
        token = form_token(page)
        assert form_token(client.get(url)) != token  # one per rendering
        client.post(url, {"file": pdf_upload(), "handin_token": token})
        again = client.post(url, {"file": pdf_upload(pages=2), "handin_token": token})
    assert again.status_code == 409
    assert "already used to hand in version 1" in again.content.decode()
    assert Submission.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("other_assignment", "status", "code"),
    [(False, 200, None), (True, 409, "idempotency_key_reused")],
    ids=["same-hand-in", "other-assignment"],
)
def test_a_key_stored_by_a_simultaneous_request_is_answered_as_a_retry_not_a_500(
    api, edition, homework, group, alice, monkeypatch, other_assignment, status, code
):
    # The race of tests/submissions/test_concurrency.py, made deterministic: the other
    # request commits its version with the key after this one's locked lookup found nothing,
    # while this one stores its file; its INSERT then meets the unique key.
    assignment = AssignmentFactory(edition=edition, number=2) if other_assignment else homework
    save, saved = storage.save_or_unavailable, []

    def save_as_the_other_request_commits(store, *args, **kwargs):
        SubmissionFactory(
            assignment=assignment,
            group=group,
            submitted_by=alice,
            sha256=idempotency.upload_sha256(pdf_upload()),
            idempotency_key="k-1",
        )
        saved.append((store, save(store, *args, **kwargs)))
        return saved[-1][1]

    monkeypatch.setattr(storage, "save_or_unavailable", save_as_the_other_request_commits)
    with time_machine.travel(BEFORE, tick=False):
        response = hand_in(api, homework, pdf_upload(), key="k-1")
    assert response.status_code == status, response.content
    [(store, name)] = saved
    assert not store.exists(name)  # this request's file was removed
    assert not Submission.objects.filter(file=name).exists()  # and no row of it stands
    if code:
        # (The other request's row was written in this one's transaction, so it went too.)
        assert response.json()["code"] == code
    else:
        assert response["Idempotent-Replayed"] == "true"
        assert response.json()["submission_id"] == Submission.objects.get().pk
