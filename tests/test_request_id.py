"""A request id on every log line of a request and of the tasks it queues; JSON log lines
with LOG_FORMAT=json (config/request_id.py, LOGGING in config/settings/base.py)."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery.app.task import Context

from config import request_id
from config.celery import app as celery_app
from submissions import tasks as submission_tasks
from tests.celery_helpers import celery_on

ROOT = Path(__file__).resolve().parent.parent


def test_a_sane_request_id_is_kept_and_echoed(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="req-42.a:b_C")
    assert response["X-Request-ID"] == "req-42.a:b_C"


@pytest.mark.parametrize(
    "given",
    ["", "has space", "new\nline", "x" * 129, 'quote"', "ünïcode"],
    ids=["empty", "space", "newline", "too-long", "quote", "non-ascii"],
)
def test_a_missing_or_strange_request_id_is_replaced_by_a_new_one(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)
    made = response["X-Request-ID"]
    assert made != given
    assert request_id.sane(made) and len(made) == 32


def test_each_request_without_an_id_gets_its_own(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_tasks_published_during_a_request_carry_its_id_in_their_headers():
    with celery_on("memory://"):
        token = request_id._current.set("req-7")
        try:
            submission_tasks.send_receipt_email.delay(1)
        finally:
            request_id._current.reset(token)
        submission_tasks.send_receipt_email.delay(2)  # outside any request
        with celery_app.connection_for_read() as conn:
            channel = conn.default_channel
            first = channel.basic_get("mail")  # routed by role (CELERY_TASK_ROUTES)
            second = channel.basic_get("mail")
    assert first.headers[request_id.TASK_HEADER] == "req-7"
    assert request_id.TASK_HEADER not in second.headers


def _record() -> logging.LogRecord:
    record = logging.LogRecord("lectern.test", logging.INFO, __file__, 1, "hello", (), None)
    request_id.RequestIdFilter().filter(record)
    return record


def test_a_worker_logs_a_task_under_the_id_its_message_carries_and_forgets_it_after():
    task = SimpleNamespace(request=Context(lectern_request_id="req-9", is_eager=False))
    request_id.task_starting(task=task)
    assert _record().request_id == "req-9"
    request_id.task_finished(task=task)
    assert _record().request_id is None
    # A message without an id (beat's) leaves none behind from the previous task.
    bare = SimpleNamespace(request=Context(is_eager=False))
    request_id.task_starting(task=bare)
    assert _record().request_id is None
    request_id.task_finished(task=bare)


def test_a_task_run_in_process_keeps_the_id_of_the_request_that_runs_it():
    token = request_id._current.set("req-embedded")
    try:
        task = SimpleNamespace(request=Context(is_eager=True))
        request_id.task_starting(task=task)
        assert _record().request_id == "req-embedded"
        request_id.task_finished(task=task)
        assert _record().request_id == "req-embedded"
    finally:
        request_id._current.reset(token)


def json_lines(text: str) -> list[dict]:
    """The lines of ``text`` that are JSON objects (Celery's banner is not)."""
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_with_log_format_json_each_line_is_json_with_the_request_id(tmp_path):
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/nowhere/', HTTP_X_REQUEST_ID='req-json-1')\n"
        "print('status', r.status_code, r['X-Request-ID'])\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_FORMAT": "json"}
    result = subprocess.run(  # noqa: S603 — our own interpreter and a fixed program
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert "status 404 req-json-1" in result.stdout
    lines = json_lines(result.stderr)
    not_found = [line for line in lines if "Not Found: /nowhere/" in line["message"]]
    assert len(not_found) == 1, result.stderr
    assert not_found[0]["request_id"] == "req-json-1"
    assert not_found[0]["level"] == "WARNING"
    assert not_found[0]["logger"] == "django.request"
    assert "time" in not_found[0]


def test_an_unknown_log_format_stops_the_start(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LOG_FORMAT": "xml"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT" in result.stderr


@pytest.mark.django_db
def test_a_script_on_another_origin_may_read_the_request_id_of_an_api_answer(client):
    response = client.get(
        "/api/v1/editions/", HTTP_ORIGIN="https://course-widget.example.org", HTTP_X_REQUEST_ID="r1"
    )
    assert response["X-Request-ID"] == "r1"
    assert "X-Request-ID" in response["Access-Control-Expose-Headers"]
