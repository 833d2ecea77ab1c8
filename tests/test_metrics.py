"""/metrics: closed to the public, what it shows, Celery's queues and failures read from the
broker, and gunicorn's processes added up (config/metrics_endpoint.py, config/metrics.py,
config/celery_metrics.py; gunicorn's hooks: tests/test_gunicorn_conf.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from prometheus_client.parser import text_string_to_metric_families

from config.tasks import broker_breaker
from submissions import tasks as submission_tasks
from tests.celery_helpers import celery_on
from tests.faults.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "scrape-token-for-tests-0123456789"


def _samples(response) -> dict[tuple[str, tuple], float]:
    text = response.content.decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# The site's 404 page and the hand-in tests read the database.
pytestmark = pytest.mark.django_db


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


# --- who may read it ---------------------------------------------------------------------


def test_metrics_is_a_404_for_everyone_when_neither_token_nor_addresses_are_set(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404
    assert b"lectern_" not in response.content


def test_metrics_needs_the_exact_bearer_token(client, token):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"


def test_an_allowed_address_reads_metrics_without_a_token(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "192.0.2.7"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.8").status_code == 404


def test_behind_a_proxy_the_client_address_decides_not_the_proxys_nor_a_forged_one(
    client, settings
):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy (10.0.0.2) forwards a client from outside: not allowed, though the proxy is.
    outside = client.get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert outside.status_code == 404
    # A client that writes an allowed address itself: the proxy appends the real one.
    forged = client.get(
        "/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7"
    )
    assert forged.status_code == 404
    inside = client.get("/metrics", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="10.4.4.4")
    assert inside.status_code == 200


def test_metrics_answers_over_plain_http_to_any_host_name_under_production_rules(
    client, settings, token
):
    # Prometheus scrapes a pod by its address, in plain HTTP: no redirect, no host check.
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["lectern.example.org"]
    response = client.get(
        "/metrics", HTTP_HOST="10.42.0.17:8000", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"
    )
    assert response.status_code == 200
    # Everyone else gets what any unknown page gets under those rules.
    assert client.get("/metrics", HTTP_HOST="10.42.0.17:8000").status_code == 400


# --- what it shows -----------------------------------------------------------------------


def test_request_latency_is_labelled_by_route_name_method_and_status_class(client, token):
    client.get("/healthz")
    client.get("/no/such/page/")
    samples = _samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    name = "lectern_http_request_duration_seconds_count"
    healthz = (name, (("method", "GET"), ("status", "2xx"), ("view", "healthz")))
    unrouted = (name, (("method", "GET"), ("status", "4xx"), ("view", "unrouted")))
    assert samples[healthz] >= 1
    assert samples[unrouted] >= 1
    # The path itself is never a label (it would be a series per URL).
    assert not any("/no/such/page/" in str(labels) for _, labels in samples)


def test_without_a_broker_there_are_no_celery_series(client, token):
    # The embedded default runs tasks in the request's process: no queue to measure.
    samples = _samples(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}"))
    assert not any(name.startswith("lectern_celery_") for name, _ in samples)


def test_an_unreachable_broker_costs_the_scrape_nothing_but_broker_up_0(client, token):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with celery_on(url):
        try:
            response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        finally:
            broker_breaker(url).reset()
    assert response.status_code == 200
    samples = _samples(response)
    assert samples[("lectern_celery_broker_up", ())] == 0
    assert not any(name == "lectern_celery_queue_length" for name, _ in samples)
    # The rest of the page is still there.
    assert any(name.startswith("lectern_http_request_duration") for name, _ in samples)


@pytest.mark.redis
def test_queue_lengths_and_task_failures_are_read_from_the_redis_broker(client, token, monkeypatch):
    import redis

    def broken():
        raise RuntimeError("closing failed")

    monkeypatch.setattr(submission_tasks.notification_services, "assignments_close_due", broken)

    url = django_settings.REDIS_URL.rsplit("/", 1)[0] + "/12"
    redis.Redis.from_url(url).flushdb()
    with celery_on(url):
        # No worker listens: the messages wait in their queues.
        submission_tasks.send_receipt_email.delay(1)
        submission_tasks.send_receipt_email.delay(2)
        submission_tasks.render_submission_pages.delay(3)
        # A task that raises, run as a worker would (no propagation): task_failure counts it.
        submission_tasks.close_due_assignments.apply(throw=False)
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    redis.Redis.from_url(url).flushdb()
    samples = _samples(response)
    assert samples[("lectern_celery_broker_up", ())] == 1
    assert samples[("lectern_celery_queue_length", (("queue", "mail"),))] == 2
    assert samples[("lectern_celery_queue_length", (("queue", "previews"),))] == 1
    assert samples[("lectern_celery_queue_length", (("queue", "grading"),))] == 0
    assert samples[("lectern_celery_queue_length", (("queue", "celery"),))] == 0
    failures = (
        "lectern_celery_task_failures_total",
        (("task", "submissions.tasks.close_due_assignments"),),
    )
    assert samples[failures] == 1


# --- several gunicorn processes ----------------------------------------------------------


def _python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(  # noqa: S603 — our own interpreter and a fixed program
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_in_multiprocess_mode_metrics_add_up_every_process_of_the_node(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    refuse = "from config import metrics; metrics.hand_in_refused(reason='deadline_passed')"
    _python(refuse, env)  # a process that has exited since (recycled by gunicorn)
    out = _python(
        "import django; django.setup()\n"
        + refuse
        + "\nfrom config.metrics_endpoint import exposition\n"
        "print(exposition().decode())",
        env,
    )
    assert 'lectern_hand_ins_refused_total{reason="deadline_passed"} 2.0' in out
