"""A real Celery worker on Redis and PostgreSQL: the receipt e-mail end to end, and a worker
killed in the middle of a task, whose task another worker then runs once, without harm."""

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from submissions import services
from submissions.models import Submission
from tests.celery_helpers import celery_on
from tests.faults.servers import free_port
from tests.submissions.conftest import make_group, make_student, pdf_upload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broker_url():
    """The real Redis server, on a database of its own, emptied for each test."""
    import redis

    url = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    redis.Redis.from_url(url).flushdb()
    with celery_on(url):
        yield url


def start_worker(
    broker_url: str,
    *,
    email_url: str = "consolemail://",
    visibility_timeout: int = 600,
    queues: str = "",
    **extra_env: str,
):
    """A solo worker on ``broker_url`` and the test database; every queue unless ``queues``."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": email_url,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        **extra_env,
    }
    return subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
            *([f"--queues={queues}"] if queues else []),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_until(predicate, timeout=40.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def hand_in(edition, homework):
    def _hand_in():
        alice = make_student(edition, "alice@example.test")
        bob = make_student(edition, "bob@example.test")
        make_group(edition, alice, bob, name="Workers")
        homework.due_date = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
        homework.save()
        return services.submission_create(user=alice, assignment=homework, upload=pdf_upload())

    return _hand_in


def test_a_real_worker_emails_the_receipt_after_commit(broker_url, hand_in, tmp_path):
    mails = tmp_path / "mails"
    worker = start_worker(broker_url, email_url=f"filemail:///{mails}")
    try:
        submission = hand_in()
        assert wait_until(
            lambda: Submission.objects.get(pk=submission.pk).receipt_emailed_at is not None
        ), "the worker did not send the receipt"
    finally:
        stop(worker)
    sent = list(mails.glob("*.log"))
    assert len(sent) == 1
    assert submission.sha256 in sent[0].read_text()


class SilentSmtp:
    """An SMTP server that accepts connections and never answers: a worker sending mail
    through it hangs mid-task, where the test kills it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            while True:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
                self.accepted.set()
        except OSError:
            return

    def close(self):
        for conn in self.conns:
            conn.close()
        self.sock.close()


def test_a_task_of_a_killed_worker_reruns_once_on_another_worker(broker_url, hand_in, tmp_path):
    smtp = SilentSmtp()
    first = start_worker(
        broker_url, email_url=f"smtp://127.0.0.1:{smtp.port}", visibility_timeout=3
    )
    try:
        submission = hand_in()
        assert smtp.accepted.wait(40), "the first worker never started the task"
        stop(first, signal.SIGKILL)  # killed mid-task: the message was never acknowledged
    finally:
        stop(first, signal.SIGKILL)
        smtp.close()
    assert Submission.objects.get(pk=submission.pk).receipt_emailed_at is None
    time.sleep(4)  # past the visibility timeout: the message may be handed to another worker
    mails = tmp_path / "mails"
    second = start_worker(broker_url, email_url=f"filemail:///{mails}", visibility_timeout=3)
    try:
        assert wait_until(
            lambda: Submission.objects.get(pk=submission.pk).receipt_emailed_at is not None
        ), "the task was not rerun"
        time.sleep(2)  # a duplicate would show up now
    finally:
        stop(second)
    assert len(list(mails.glob("*.log"))) == 1


class RecordingSmtp:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts. ``on_message`` runs
    once the message is in, before the server answers 250: killing the worker there is the
    window where the mail is delivered but the worker never learns it."""

    def __init__(self, on_message=None):
        from aiosmtpd.controller import Controller

        self.messages: list[bytes] = []
        self.on_message = on_message
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        if self.on_message is not None:
            self.on_message(len(self.messages))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        import email

        return [email.message_from_bytes(m)["Message-ID"] for m in self.messages]

    def close(self):
        self.controller.stop()


def test_a_worker_killed_after_the_smtp_hand_off_resends_with_the_same_message_id(
    broker_url, hand_in
):
    from submissions.models import ReceiptOutbox

    workers = {}
    killed_at = []

    def kill_the_first_worker(count):
        if count == 1:  # delivered; the worker is waiting for the 250 it will never read
            stop(workers["first"], signal.SIGKILL)
            killed_at.append(time.monotonic())

    smtp = RecordingSmtp(on_message=kill_the_first_worker)
    try:
        workers["first"] = start_worker(
            broker_url, email_url=f"smtp://127.0.0.1:{smtp.port}", visibility_timeout=3
        )
        submission = hand_in()
        assert wait_until(lambda: killed_at), "the first worker never sent the receipt"
        outbox = ReceiptOutbox.objects.get(submission=submission)
        assert (outbox.attempts, outbox.sent_at) == (1, None)  # counted before sending
        assert Submission.objects.get(pk=submission.pk).receipt_emailed_at is None

        time.sleep(4)  # past the visibility timeout: the message may be handed on
        workers["second"] = start_worker(
            broker_url, email_url=f"smtp://127.0.0.1:{smtp.port}", visibility_timeout=3
        )
        assert wait_until(
            lambda: Submission.objects.get(pk=submission.pk).receipt_emailed_at is not None
        ), "the receipt was not resent"
        recovered_in = time.monotonic() - killed_at[0]
        time.sleep(2)  # a third message would show up now
    finally:
        for worker in workers.values():
            stop(worker, signal.SIGKILL)
        smtp.close()

    assert recovered_in < 45  # the visibility timeout (3 s here) and a worker start
    ids = smtp.message_ids()
    assert len(ids) == 2  # the window: delivered, then resent after the crash
    assert len(set(ids)) == 1  # …as the same message
    outbox = ReceiptOutbox.objects.get(submission=submission)
    assert ids[0] == outbox.message_id
    assert outbox.attempts == 2 and outbox.sent_at is not None
