"""A dropped answer: the client sends a hand-in to a real HTTP server and hangs up before
the answer arrives (a proxy timeout, a lost connection), then retries with the same
Idempotency-Key. The retry gets the first version's receipt: one version, one file, one
receipt e-mail."""

import datetime as dt
import http.client
import json
import socket
import time
from urllib.parse import urlsplit

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from accounts.services import api_token_create
from submissions.models import Submission
from tests.submissions.conftest import pdf_upload

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_retry_after_a_dropped_answer_gets_the_first_receipt_and_makes_no_version(
    live_server, homework, group, alice, mailoutbox, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    homework.due_date = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
    homework.save()
    token = api_token_create(user=alice)
    server = urlsplit(live_server.url)
    path = reverse("submissions-api:submission-create", args=[homework.pk])
    body = encode_multipart(BOUNDARY, {"file": pdf_upload()})
    headers = {
        "Host": server.netloc,
        "Authorization": f"Token {token.key}",
        "Content-Type": MULTIPART_CONTENT,
        "Content-Length": str(len(body)),
        "Idempotency-Key": "upload-7f3a",
    }

    # The first attempt: sent in full, then the connection is dropped before the answer.
    with socket.create_connection((server.hostname, server.port)) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"POST {path} HTTP/1.1\r\n{head}Connection: close\r\n\r\n".encode() + body)
    assert wait_until(lambda: len(mailoutbox) == 1), "the first attempt was not handled"
    first = Submission.objects.get()

    # The client, having seen no answer, retries the same request.
    conn = http.client.HTTPConnection(server.hostname, server.port, timeout=30)
    conn.request("POST", path, body=body, headers=headers)
    answer = conn.getresponse()
    receipt = json.loads(answer.read())
    conn.close()
    assert answer.status == 200
    assert answer.getheader("Idempotent-Replayed") == "true"
    assert (receipt["submission_id"], receipt["version"]) == (first.pk, 1)
    assert receipt["sha256"] == first.sha256 and receipt["signature"] == first.signature

    assert Submission.objects.count() == 1
    hand_ins = [p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()]
    # (page previews, rendered after a PDF is stored, are not hand-ins)
    assert [str(p) for p in hand_ins if p.parts[0] != "previews"] == [first.file.name]
    time.sleep(0.2)  # a second e-mail, if any, would be out by now
    assert len(mailoutbox) == 1
