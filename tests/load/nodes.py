"""Two web nodes — two gunicorn processes on two ports — against one PostgreSQL database,
one Redis and one S3 bucket (moto's standalone server), as a campus would run Lectern
behind a load balancer. Shared by the two-node test (``tests/load/test_two_nodes.py``) and
benchmark (``bench/two_nodes.py``): the world (``Cluster``), plain-HTTP clients (an API
token, or a signed-in browser with cookies), the deadline race spread over the nodes, and
its audit (late acceptances, lost receipts, wrong refusals), read from the database and
the bucket rather than from the answers alone.

Nothing here reads Django's settings: the caller says where PostgreSQL and Redis are.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import http.client
import io
import json
import math
import os
import random
import secrets
import signal
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg2
import redis

from tests.s3server import MotoServer, free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT_TIMEOUT = 30.0


# --- plain HTTP -----------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def call(port: int, method: str, path: str, *, body: bytes | None = None, headers=None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        raw = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, raw)
    finally:
        connection.close()


def multipart(name: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = "lectern-nodes-" + secrets.token_hex(12)
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def hand_in(port: int, assignment: int, token: str, name: str, content: bytes) -> Answer:
    kind = "application/pdf" if name.endswith(".pdf") else "application/zip"
    body, content_type = multipart(name, content, kind)
    return call(
        port,
        "POST",
        f"/api/v1/assignments/{assignment}/submissions/",
        body=body,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": content_type,
            "Accept": "application/json",
        },
    )


def with_token(port: int, path: str, token: str) -> Answer:
    return call(port, "GET", path, headers={"Authorization": f"Token {token}"})


@dataclass
class Browser:
    """A signed-in browser: its cookies (session, CSRF) go to whichever node it asks, as a
    balancer sends one person's requests anywhere. Cookies are kept by hand: production
    marks them Secure, and the nodes speak plain HTTP on loopback."""

    cookies: dict[str, str] = field(default_factory=dict)

    def _headers(self, extra: dict | None = None) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**({"Cookie": cookie} if cookie else {}), **(extra or {})}

    def _keep(self, raw_headers) -> None:
        for name, value in raw_headers:
            if name.lower() == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                self.cookies[key.strip()] = val.strip().strip('"')

    def request(self, port: int, method: str, path: str, form: dict | None = None) -> Answer:
        body = None
        extra: dict[str, str] = {}
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urlencode(form).encode()
            extra["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=self._headers(extra))
            response = connection.getresponse()
            raw_headers = response.getheaders()
            answer = Answer(
                response.status, {k.lower(): v for k, v in raw_headers}, response.read()
            )
        finally:
            connection.close()
        self._keep(raw_headers)
        return answer

    def get(self, port: int, path: str) -> Answer:
        return self.request(port, "GET", path)

    def post(self, port: int, path: str, form: dict) -> Answer:
        return self.request(port, "POST", path, form)

    def log_in(self, port: int, email: str, password: str) -> None:
        """Sign in through the log-in page (allauth's; the admin's sends people there)."""
        self.get(port, "/accounts/login/")
        answer = self.post(port, "/accounts/login/", {"login": email, "password": password})
        assert answer.status == 302 and "sessionid" in self.cookies, answer.text[-2000:]


def claim_redis_db(base_url: str, *, seconds: int = 300) -> tuple[redis.Redis, str]:
    """A Redis database no other run is using (CI uses 15, make bench 14): the first of 1–12
    whose owner key (shared with the deadline race) this run sets; emptied, since a crashed
    run may have left messages."""
    base = urlsplit(base_url)
    for number in range(1, 13):
        url = urlunsplit(base._replace(path=f"/{number}"))
        client = redis.Redis.from_url(url)
        if client.set("lectern-race-owner", os.getpid(), nx=True, ex=seconds):
            client.flushdb()
            client.set("lectern-race-owner", os.getpid(), ex=seconds)
            return client, url
        client.close()
    raise RuntimeError("no free Redis database among 1–12")


def run_python(args: list[str], env: dict, timeout: float, *, python: str = sys.executable) -> str:
    """Run our interpreter with ``args`` in the project folder; its output, or a failure
    showing the end of its errors."""
    finished = subprocess.run(  # noqa: S603 — our interpreter, our modules
        [python, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert finished.returncode == 0, f"{args} failed:\n{finished.stderr[-3000:]}"
    return finished.stdout


# --- the world ------------------------------------------------------------------------------


@dataclass
class Node:
    name: str
    port: int
    log: Path
    proc: subprocess.Popen


class Cluster:
    """A database, a Redis database, a bucket and two gunicorn nodes, for one ``with`` block.

    ``pg`` holds ``user``, ``password``, ``host`` and ``port`` of a PostgreSQL server where a
    database may be created; ``redis_url`` a Redis server, of which one numbered database
    (1–12, claimed with the deadline race's owner key) is used and emptied.
    """

    def __init__(
        self,
        *,
        tmp: Path,
        pg: dict,
        redis_url: str,
        groups: int,
        workers: int = 1,
        threads: int = 4,
        python: str = sys.executable,
        bucket: bool = True,
    ):
        self.tmp = tmp
        self.pg = pg
        self.redis_base = redis_url
        self.groups = groups
        self.workers = workers
        self.threads = threads
        self.python = python
        # False: a shared MEDIA_ROOT instead (both nodes on this host), for comparison.
        self.use_bucket = bucket
        self.db_name = f"lectern_nodes_{os.getpid()}"
        self.secret = secrets.token_urlsafe(50)
        self.password = secrets.token_urlsafe(12)
        self.nodes: list[Node] = []
        self.moto: MotoServer | None = None
        self.bucket = ""
        self.redis_url = ""
        self.redis: redis.Redis | None = None
        self.world: dict = {}

    # where things are
    @property
    def database_url(self) -> str:
        auth = self.pg["user"] + (f":{self.pg['password']}" if self.pg.get("password") else "")
        return f"postgres://{auth}@{self.pg['host']}:{self.pg['port']}/{self.db_name}"

    @property
    def ports(self) -> list[int]:
        return [node.port for node in self.nodes]

    def env(self) -> dict:
        files = self.moto.env(self.bucket) if self.moto is not None else {}
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.load.node_settings",
            "DATABASE_URL": self.database_url,
            "CONN_MAX_AGE": "60",
            "SECRET_KEY": self.secret,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "False",
            "SECURE_SSL_REDIRECT": "False",  # plain HTTP on loopback
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "False",  # tasks are queued, as in production
            "EMAIL_URL": "consolemail://",
            "API_ANON_RATE": "1000000/second",
            "API_USER_RATE": "1000000/second",
            "MEDIA_ROOT": str(self.tmp / "media-must-stay-empty"),
            "STATIC_ROOT": str(self.tmp / "static"),
            "LOG_LEVEL": "WARNING",
            **files,
        }

    def _pg_admin(self):
        connection = psycopg2.connect(
            dbname="postgres",
            user=self.pg["user"],
            password=self.pg.get("password") or None,
            host=self.pg["host"],
            port=self.pg["port"],
        )
        connection.autocommit = True
        return connection

    def _drop_database(self) -> None:
        with closing(self._pg_admin()) as admin, admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def _claim_redis(self) -> None:
        self.redis, self.redis_url = claim_redis_db(self.redis_base, seconds=600)

    def __enter__(self) -> Cluster:
        try:
            self._drop_database()
            with closing(self._pg_admin()) as admin, admin.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.db_name}"')
            self._claim_redis()
            if self.use_bucket:
                self.moto = MotoServer(self.tmp / "moto.log").start()
                self.bucket = self.moto.new_bucket()
            self.world = json.loads(
                self.manage("-m", "tests.load.nodes_seed", str(self.groups), self.password)
            )
            for name in ("A", "B"):
                self.nodes.append(self._start(name))
            for node in self.nodes:
                self._wait_ready(node)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for node in self.nodes:
            stop(node.proc)
        self.nodes = []
        if self.moto is not None:
            self.moto.stop()
            self.moto = None
        self._drop_database()
        if self.redis is not None:
            self.redis.flushdb()
            self.redis.close()
            self.redis = None

    def manage(self, *args: str, timeout: float = 180) -> str:
        return run_python(list(args), self.env(), timeout, python=self.python)

    def _start(self, name: str) -> Node:
        port = free_port()
        log = self.tmp / f"gunicorn-{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603
                [
                    self.python, "-m", "gunicorn", "config.wsgi",
                    "--bind", f"127.0.0.1:{port}",
                    "--worker-class", "gthread",
                    "--workers", str(self.workers),
                    "--threads", str(self.threads),
                    "--timeout", "60",
                    "--log-level", "warning",
                ],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return Node(name, port, log, proc)

    def _wait_ready(self, node: Node) -> None:
        """Until ``/readyz`` is 200: the database, the broker and the bucket answer."""
        give_up = time.monotonic() + 60
        while time.monotonic() < give_up:
            assert node.proc.poll() is None, f"node {node.name} died:\n{self.log_of(node)}"
            try:
                if call(node.port, "GET", "/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"node {node.name} not ready in 60 s:\n{self.log_of(node)}")

    def log_of(self, node: Node) -> str:
        return node.log.read_text(errors="replace")[-3000:]

    def alive(self) -> None:
        for node in self.nodes:
            assert node.proc.poll() is None, f"node {node.name} died:\n{self.log_of(node)}"

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with closing(psycopg2.connect(self.database_url)) as connection, connection:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []

    def stored(self, key: str) -> bytes:
        if self.moto is None:
            return (self.tmp / "media-must-stay-empty" / key).read_bytes()
        return self.moto.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def keys(self, prefix: str = "") -> list[str]:
        from tests.s3server import object_keys

        if self.moto is None:
            root = self.tmp / "media-must-stay-empty"
            found = (p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
            return sorted(k for k in found if k.startswith(prefix))
        return object_keys(self.moto, self.bucket, prefix)

    def local_files(self) -> list[Path]:
        root = self.tmp / "media-must-stay-empty"
        return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def stop(proc: subprocess.Popen) -> None:
    """Stop a gunicorn started in its own session: SIGTERM, then SIGKILL to the group."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # the master stops its workers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# --- the deadline race over both nodes ------------------------------------------------------


def zip_of(index: int) -> bytes:
    """A homework's code, unique per upload: its SHA-256 names the request."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("homework/model.py", f"# upload {index}\nimport torch\n")
        archive.writestr("homework/README.md", "Homework 1, two nodes.\n")
    return out.getvalue()


@dataclass
class Outcome:
    index: int
    port: int
    student: dict
    sha256: str
    sent: float
    answered: float
    status: int
    body: dict | None
    error: str = ""


def set_deadline(cluster: Cluster, assignment: int, lead: float) -> dt.datetime:
    """The assignment's deadline: the next whole second ``lead`` seconds from now, written as
    the instructor does (a local date and time in the edition's zone)."""
    from courses import timeutils

    tz_name = cluster.world["timezone"]
    moment = dt.datetime.fromtimestamp(math.ceil(time.time() + lead), dt.UTC)
    local = timeutils.to_local(moment, tz_name)
    cluster.query(
        "UPDATE assignments_assignment SET due_date = %s, due_time = %s WHERE id = %s",
        (local.date(), local.time(), assignment),
    )
    return timeutils.localize(local.date(), local.time(), tz_name)


def race(
    cluster: Cluster,
    *,
    assignment: int,
    deadline: dt.datetime,
    uploads: int,
    spread: float,
    rush: int,
    threads: int,
) -> list[Outcome]:
    """``uploads`` hand-ins by distinct students, scheduled evenly over the ``spread``
    seconds on each side of the deadline but for the ``rush`` nearest it, sent together
    50 ms before it; upload i goes to node i mod 2."""
    students = list(cluster.world["students"])
    assert uploads <= len(students), "one upload per student: the hand-in rate stays out of it"
    random.Random(8010).shuffle(students)
    at = deadline.timestamp()
    step = 2 * spread / uploads
    plan = [at - spread + i * step for i in range(uploads)]
    for i in sorted(range(uploads), key=lambda i: abs(plan[i] - at))[:rush]:
        plan[i] = at - 0.05
    ports = cluster.ports

    def one(index: int) -> Outcome:
        content = zip_of(index)
        port = ports[index % len(ports)]
        if (delay := plan[index] - time.time()) > 0:
            time.sleep(delay)
        sent = time.time()
        status, body, error = 0, None, ""
        try:
            answer = hand_in(port, assignment, students[index]["token"], "homework.zip", content)
            status = answer.status
            try:
                body = answer.json()
            except ValueError:
                body = {"raw": answer.text[:500]}
        except OSError as exc:  # refused, reset, timed out: reported, never retried
            error = repr(exc)
        return Outcome(
            index, port, students[index], hashlib.sha256(content).hexdigest(), sent,
            time.time(), status, body, error,
        )  # fmt: skip

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(uploads)))


@dataclass
class Audit:
    accepted: list[Outcome]
    refused: list[Outcome]
    late: list[str]  # accepted at or after the deadline (answer or database)
    lost: list[str]  # a 201 without its row, its object, or a receipt that verifies
    wrong_refusals: list[str]  # refused, but not for the deadline or before it
    errors: list[str]  # no answer, or a 5xx
    stray_objects: list[str]  # objects in the bucket no row names
    in_flight: int  # uploads sent before the deadline and answered after it

    def problems(self) -> dict[str, list[str]]:
        return {
            name: value
            for name in ("late", "lost", "wrong_refusals", "errors", "stray_objects")
            if (value := getattr(self, name))
        }


def audit(cluster: Cluster, assignment: int, outcomes: list[Outcome], deadline) -> Audit:
    """What the race left, read from the database and the bucket."""
    from submissions import receipts
    from submissions.handin import _derive_receipt_key

    key = _derive_receipt_key(cluster.secret)
    rows = {
        row[0]: row
        for row in cluster.query(
            "SELECT id, submitted_at, deadline_at, file, sha256 FROM submissions_submission"
            " WHERE assignment_id = %s",
            (assignment,),
        )
    }
    accepted = [o for o in outcomes if o.status == 201]
    refused = [o for o in outcomes if o.status != 201 and not o.error and o.status < 500]
    late, lost, wrong, errors = [], [], [], []
    errors += [f"{o.index}: {o.error or o.status}" for o in outcomes if o.error or o.status >= 500]
    late += [f"row {r[0]} at {r[1]}" for r in rows.values() if r[1] >= deadline]
    names = {f.name for f in dataclasses.fields(receipts.Receipt)}
    for o in accepted:
        assert o.body is not None
        official = dt.datetime.fromisoformat(o.body["submitted_at_utc"])
        if official >= deadline:
            late.append(f"{o.index}: accepted at {official}")
        row = rows.get(o.body.get("submission_id"))
        receipt = receipts.parse(json.dumps({k: v for k, v in o.body.items() if k in names}))
        if row is None:
            lost.append(f"{o.index}: no row")
            continue
        try:
            stored = hashlib.sha256(cluster.stored(row[3])).hexdigest()
        except Exception as exc:  # noqa: BLE001 — a missing object is what we look for
            lost.append(f"{o.index}: no object {row[3]} ({exc.__class__.__name__})")
            continue
        if not (receipts.signature_valid(receipt, [key]) and receipt.submission_id == row[0]):
            lost.append(f"{o.index}: receipt does not verify")
        if not receipt.sha256 == row[4] == stored == o.sha256:
            lost.append(f"{o.index}: stored bytes differ from the receipt")
    for o in refused:
        body = o.body or {}
        official = body.get("official_time")
        if o.status != 403 or body.get("code") != "deadline_passed" or official is None:
            wrong.append(f"{o.index}: {o.status} {body}")
        elif dt.datetime.fromisoformat(official) < deadline:
            wrong.append(f"{o.index}: refused at {official}, before the deadline")
    named = {r[0] for r in cluster.query("SELECT file FROM submissions_submission")}
    stray = sorted(set(cluster.keys("submissions/")) - named)  # a refusal left its file
    at = deadline.timestamp()
    return Audit(
        accepted=accepted,
        refused=refused,
        late=late,
        lost=lost,
        wrong_refusals=wrong,
        errors=errors,
        stray_objects=stray,
        in_flight=sum(o.sent < at < o.answered for o in outcomes),
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]
