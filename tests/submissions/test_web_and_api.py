"""Hand-in through the web form, the REST API and the admin; what each shows and refuses."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_token_create
from submissions.models import Submission
from tests.submissions import filegen
from tests.submissions.conftest import pdf_upload

BEFORE = dt.datetime(2023, 3, 6, 12, 0, tzinfo=dt.UTC)
HW1_DEADLINE = dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)


def pdf_bytes(pages=1):
    return filegen.pdf(filegen.text_pages(pages))


@pytest.mark.django_db
def test_student_hands_in_through_the_web_form_and_sees_the_receipt(client, homework, group, alice):
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    with time_machine.travel(BEFORE, tick=False):
        response = client.post(url, {"file": SimpleUploadedFile("hw1.pdf", pdf_bytes())})
        assert response.status_code == 302
        page = client.get(response["Location"])
    submission = Submission.objects.get()
    html = page.content.decode()
    assert "Receipt" in html
    assert submission.sha256 in html
    assert submission.signature in html
    assert "accepted until 23:59:00 Brussels time (CET) on Mon 6 Mar 2023" in html


@pytest.mark.django_db
def test_web_form_refuses_late_work_with_the_deadline(client, homework, group, alice):
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    with time_machine.travel(HW1_DEADLINE, tick=False):
        response = client.post(url, {"file": SimpleUploadedFile("hw1.pdf", pdf_bytes())})
    assert response.status_code == 403
    assert "The deadline has passed" in response.content.decode()
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_web_form_refuses_a_path_traversal_file_name(client, homework, group, alice, settings):
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="../../etc/passwd.pdf"'
        b"\r\nContent-Type: application/pdf\r\n\r\n" + pdf_bytes() + b"\r\n--B--\r\n"
    )
    with time_machine.travel(BEFORE, tick=False):
        response = client.generic("POST", url, body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
    assert "file name" in response.content.decode().lower()
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_api_hand_in_returns_the_receipt(homework, group, alice):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=alice).key}")
    url = reverse("submissions-api:submission-create", args=[homework.pk])
    with time_machine.travel(BEFORE, tick=False):
        response = api.post(url, {"file": pdf_upload()}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    submission = Submission.objects.get()
    assert body["sha256"] == submission.sha256
    assert body["version"] == 1
    assert body["signature"] == submission.signature
    assert body["submitted_at_utc"] == "2023-03-06T12:00:00+00:00"
    assert body["submitted_at_local"] == "2023-03-06T13:00:00+01:00"


@pytest.mark.django_db
def test_api_refuses_late_work_with_403_and_the_deadline(homework, group, alice):
    api = APIClient()
    api.force_authenticate(alice)
    url = reverse("submissions-api:submission-create", args=[homework.pk])
    with time_machine.travel(HW1_DEADLINE, tick=False):
        response = api.post(url, {"file": pdf_upload()}, format="multipart")
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "deadline_passed"
    assert body["deadline"] == "2023-03-06T22:59:00+00:00"
    assert "23:59:00 Brussels time" in body["detail"]
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_api_refuses_a_bad_file_with_400_and_the_reason(homework, group, alice):
    api = APIClient()
    api.force_authenticate(alice)
    url = reverse("submissions-api:submission-create", args=[homework.pk])
    upload = SimpleUploadedFile("hw1.pdf", filegen.truncated_pdf())
    with time_machine.travel(BEFORE, tick=False):
        response = api.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "pdf_unreadable"
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_late_work_too(client, homework, group, alice, ta):
    ta.is_superuser = True
    ta.save()
    client.force_login(ta)
    url = reverse("admin:submissions_submission_add")
    with time_machine.travel(HW1_DEADLINE, tick=False):
        response = client.post(
            url,
            {
                "assignment": homework.pk,
                "student": alice.pk,
                "upload": SimpleUploadedFile("hw1.pdf", pdf_bytes()),
            },
            follow=True,
        )
    assert "The deadline has passed" in response.content.decode()
    assert not Submission.objects.exists()
    with time_machine.travel(BEFORE, tick=False):
        client.post(
            url,
            {
                "assignment": homework.pk,
                "student": alice.pk,
                "upload": SimpleUploadedFile("hw1.pdf", pdf_bytes()),
            },
        )
    assert Submission.objects.get().submitted_by == alice


@pytest.mark.django_db
def test_me_endpoint_lists_enrolments_and_group(homework, group, alice, bob):
    api = APIClient()
    api.force_authenticate(alice)
    body = api.get(reverse("submissions-api:me")).json()
    assert body["user"]["email"] == alice.email
    assert body["enrolments"][0]["role"] == "student"
    assert body["groups"][0]["name"] == "Tensor Titans"
    assert body["groups"][0]["members"] == sorted([alice.email, bob.email])


@pytest.mark.django_db
def test_receipt_can_be_downloaded_and_verified_by_staff(client, homework, group, alice, ta):
    with time_machine.travel(BEFORE, tick=False):
        from submissions import services

        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
    client.force_login(alice)
    download = client.get(reverse("submissions:receipt", args=[submission.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    receipt = json.loads(download.content)
    assert receipt["sha256"] == submission.sha256
    client.force_login(ta)
    verify = client.post(reverse("submissions:verify-receipt"), {"text": download.content.decode()})
    assert "Valid receipt" in verify.content.decode()
    client.force_login(alice)
    assert client.get(reverse("submissions:verify-receipt")).status_code == 403


@pytest.mark.django_db
def test_verify_receipt_command_accepts_a_real_and_rejects_an_edited_receipt(
    tmp_path, homework, group, alice
):
    from django.core.management import CommandError, call_command

    from submissions import services

    with time_machine.travel(BEFORE, tick=False):
        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
    path = tmp_path / "receipt.json"
    path.write_text(services.submission_receipt(submission=submission).to_json())
    call_command("verify_receipt", str(path))
    path.write_text(path.read_text().replace('"version": 1', '"version": 2'))
    with pytest.raises(CommandError, match="signature does not match"):
        call_command("verify_receipt", str(path))


@pytest.mark.django_db
def test_the_group_sees_the_review_of_its_proposal_with_the_comment(
    client, edition, group, alice, ta
):
    from assignments.models import Assignment
    from submissions import services

    proposal = Assignment.objects.create(
        edition=edition, kind="project_proposal", title="Proposal", due_date=dt.date(2023, 3, 20)
    )
    services.proposal_review(
        reviewer=ta, assignment=proposal, group=group, approved=False, comment="Too broad."
    )
    client.force_login(alice)
    html = client.get(reverse("submissions:assignment", args=[proposal.pk])).content.decode()
    assert "Rejected" in html
    assert "Too broad." in html


@pytest.mark.django_db
def test_deadlines_are_shown_in_the_editions_zone_and_the_viewers_when_it_differs(
    client, homework, group, alice
):
    alice.time_zone = "America/New_York"
    alice.save()
    client.force_login(alice)
    html = client.get(reverse("submissions:dashboard", args=[homework.edition.slug])).content
    text = html.decode()
    assert "Mon 6 Mar 2023, 23:59 Brussels time (CET)" in text
    assert "(your time: Mon 6 Mar 2023, 17:59 New York time (EST))" in text
