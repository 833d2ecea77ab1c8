"""Hand-ins in an S3-compatible bucket (``AWS_STORAGE_BUCKET_NAME``), against moto's
standalone server over HTTP: stored in the bucket, nothing on local disk; downloaded by the
group (another group gets 404); previews rendered from and to the bucket; the receipt's
SHA-256 is that of the stored object and verifies; the orphan sweep lists the bucket and
deletes only orphans; an unreachable bucket is a 503 with Retry-After and no row."""

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from submissions import receipts, services, storage_services
from submissions.models import Submission, SubmissionPreview
from tests.s3server import free_port, object_keys, storage_options
from tests.submissions.conftest import pdf_upload

pytestmark = [pytest.mark.slow]


@pytest.fixture
def open_homework(homework):
    homework.due_date = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
    homework.save()
    return homework


def hand_in(user, assignment, upload=None, **headers):
    api = APIClient()
    api.force_authenticate(user)
    return api.post(
        reverse("submissions-api:submission-create", args=[assignment.pk]),
        {"file": upload or pdf_upload(pages=2)},
        format="multipart",
        **headers,
    )


def receipt_text(body: dict) -> str:
    """The receipt in a 201 body, as the student keeps it."""
    names = {field.name for field in dataclasses.fields(receipts.Receipt)}
    return json.dumps({k: v for k, v in body.items() if k in names})


def stored_bytes(s3_server, bucket: str, key: str) -> bytes:
    return s3_server.client().get_object(Bucket=bucket, Key=key)["Body"].read()


def local_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_a_hand_in_is_stored_in_the_bucket_and_its_receipt_hashes_the_stored_object(
    s3_server, bucket, open_homework, group, alice, django_capture_on_commit_callbacks
):
    upload = pdf_upload(pages=2)
    sent = upload.read()
    upload.seek(0)
    with django_capture_on_commit_callbacks(execute=True):
        response = hand_in(alice, open_homework, upload)

    assert response.status_code == 201, response.content
    body = response.json()
    submission = Submission.objects.get()
    assert submission.file.name.startswith("submissions/")
    assert submission.file.name in object_keys(s3_server, bucket, "submissions/")
    stored = stored_bytes(s3_server, bucket, submission.file.name)
    assert stored == sent
    assert body["sha256"] == hashlib.sha256(stored).hexdigest() == submission.sha256
    assert services.receipt_verify(text=receipt_text(body))[0] is True
    assert local_files() == []  # nothing on this node's disk


@pytest.mark.django_db
def test_the_file_streams_from_the_bucket_to_its_group_and_is_404_for_another_group(
    s3_server, bucket, open_homework, group, other_group, alice, bob, carol
):
    assert hand_in(alice, open_homework).status_code == 201
    submission = Submission.objects.get()
    url = reverse("submissions-api:submission-file", args=[submission.pk])

    api = APIClient()
    api.force_authenticate(bob)
    response = api.get(url)
    assert response.status_code == 200
    assert response.streaming
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == submission.sha256
    assert response["Content-Length"] == str(submission.size)
    assert "attachment" in response["Content-Disposition"]

    api.force_authenticate(carol)
    assert api.get(url).status_code == 404


@pytest.mark.django_db
def test_page_previews_are_rendered_from_the_bucket_into_the_bucket(
    s3_server, bucket, client, open_homework, group, alice, ta, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the render task runs eagerly
        assert hand_in(alice, open_homework, pdf_upload(pages=2)).status_code == 201
    submission = Submission.objects.get()
    preview = SubmissionPreview.objects.get(submission=submission)
    assert preview.status == SubmissionPreview.Status.READY
    assert preview.page_count == 2
    keys = object_keys(s3_server, bucket, "previews/")
    assert keys == [f"{preview.folder}/page-1.png", f"{preview.folder}/page-2.png"]

    client.force_login(ta)
    page = client.get(reverse("submissions:page-image", args=[submission.pk, 2]))
    assert page.status_code == 200
    assert page.content.startswith(b"\x89PNG")
    assert page.content == stored_bytes(s3_server, bucket, keys[1])
    assert local_files() == []


@pytest.mark.django_db
def test_the_orphan_sweep_lists_the_bucket_and_deletes_only_old_orphans(
    s3_server, bucket, open_homework, group, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert hand_in(alice, open_homework).status_code == 201
    kept = Submission.objects.get().file.name
    orphan = f"submissions/{open_homework.edition_id}/orphan/left-by-a-killed-process.pdf"
    s3 = s3_server.client()
    s3.put_object(Bucket=bucket, Key=orphan, Body=b"%PDF-1.4 half")
    previews_before = object_keys(s3_server, bucket, "previews/")

    # Young orphans may be uploads in flight: kept.
    assert storage_services.orphan_files_remove() == 0
    assert orphan in object_keys(s3_server, bucket)

    later = timezone.now() + storage_services.ORPHAN_MIN_AGE + dt.timedelta(minutes=1)
    assert storage_services.orphan_files_remove(now=later) == 1
    assert object_keys(s3_server, bucket, "submissions/") == [kept]
    assert object_keys(s3_server, bucket, "previews/") == previews_before


@pytest.mark.django_db
def test_readyz_checks_that_the_bucket_answers(s3_server, bucket, client, settings):
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 200
    assert ready.json()["checks"]["storage"] == f"ok (bucket {bucket})"

    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_options(endpoint=s3_server.endpoint, bucket="no-such-bucket"),
    }
    missing = client.get(reverse("readyz"))
    assert missing.status_code == 503
    assert missing.json()["checks"]["storage"].startswith("error")


@pytest.mark.django_db
def test_an_unreachable_bucket_answers_503_with_retry_after_and_stores_nothing(
    s3_server, bucket, client, settings, open_homework, group, alice, mailoutbox
):
    # Nothing listens on this port: every bucket operation is refused.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_options(
            endpoint=f"http://127.0.0.1:{free_port()}", bucket=bucket, timeout=1.0
        ),
    }
    response = hand_in(alice, open_homework, HTTP_IDEMPOTENCY_KEY="down-1")

    assert response.status_code == 503
    assert response.json()["code"] == "storage_unavailable"
    assert int(response["Retry-After"]) > 0
    assert not Submission.objects.exists()
    assert object_keys(s3_server, bucket) == []
    assert local_files() == []
    assert mailoutbox == []
    assert client.get(reverse("readyz")).status_code == 503

    # The bucket is back: the same request (same key) is accepted, once.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_options(endpoint=s3_server.endpoint, bucket=bucket),
    }
    retried = hand_in(alice, open_homework, HTTP_IDEMPOTENCY_KEY="down-1")
    assert retried.status_code == 201
    assert object_keys(s3_server, bucket, "submissions/") == [Submission.objects.get().file.name]


@pytest.mark.django_db
def test_stored_bytes_that_differ_from_the_checked_ones_are_removed_and_refused(
    s3_server, bucket, open_homework, group, alice, monkeypatch
):
    """The receipt signs the stored object's hash: a store that keeps other bytes (a
    truncating proxy, a broken gateway) gets 503 and the object is deleted."""
    from storages.backends.s3 import S3Storage

    original = S3Storage._save

    def truncating(self, name, content):
        from django.core.files.base import ContentFile

        return original(self, name, ContentFile(content.read()[:-10]))

    monkeypatch.setattr(S3Storage, "_save", truncating)
    response = hand_in(alice, open_homework)

    assert response.status_code == 503
    assert not Submission.objects.exists()
    assert object_keys(s3_server, bucket) == []
