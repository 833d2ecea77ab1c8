"""Benchmark of the grading workspace (docs/performance.md, "Grading workspace").

1. CPU to render a 2-page PDF to PNG (``submissions.previews.pdf_pages_png``), timed with
   ``time.process_time`` over ``--renders`` runs.
2. An edition with ``--hand-ins`` groups that handed in a 2-page PDF, a 3-item rubric and
   ``--tas`` TAs; every preview rendered beforehand (as the Celery task does after a
   hand-in). gunicorn serves it (production settings, plain HTTP on loopback) and each TA,
   in a thread, opens the workspace of a hand-in, thinks (uniform around ``--think`` s),
   saves the grade ("Save and next", a POST and its redirect) and goes on, for ``--seconds``.
   Reported: p50 / p99 of the workspace page (GET) and of the save (POST), in ms, as the TAs
   saw them.

Meant for PostgreSQL; the database is the one DATABASE_URL names (REDIS_URL optional):

    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE lectern_bench_workspace"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern_bench_workspace
    .venv/bin/python bench/workspace.py --migrate [--hand-ins 40] [--tas 4] [--seconds 60]
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal as D
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
os.environ.setdefault("CONN_MAX_AGE", "60")
os.environ.setdefault("MEDIA_ROOT", str(ROOT / "var" / "bench-media"))

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Permission  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from assignments.models import Assignment  # noqa: E402
from courses.models import Course, Edition, Membership  # noqa: E402
from grading import services  # noqa: E402
from submissions import preview_services, previews  # noqa: E402
from submissions.models import GroupMembership, StudentGroup, Submission  # noqa: E402
from tests.submissions import filegen  # noqa: E402

SLUG = "bench-workspace"


def render_cpu(data: bytes, runs: int) -> dict:
    times = []
    for _ in range(runs):
        started = time.process_time()
        pages = previews.pdf_pages_png(data)
        times.append(time.process_time() - started)
    return {
        "pages": len(pages),
        "png_bytes": [len(p) for p in pages],
        "cpu_s_mean": round(statistics.mean(times), 3),
        "cpu_s_max": round(max(times), 3),
        "runs": runs,
    }


def seed(hand_ins: int, tas: int, data: bytes) -> tuple[Assignment, list[User]]:
    course, _ = Course.objects.get_or_create(code="BENCH", defaults={"title": "Bench"})
    edition = Edition.objects.create(
        course=course, slug=SLUG, term="Bench", timezone="Europe/Brussels", status="published"
    )
    due = timezone.localdate() - dt_days(1)
    assignment = Assignment.objects.create(
        edition=edition, kind="reading_report", title="Reading report", due_date=due
    )
    services.rubric_set(
        assignment=assignment,
        criteria=[("Summary", D(8)), ("Discussion", D(8)), ("Writing", D(4))],
    )
    permissions = Permission.objects.filter(content_type__app_label__in=["grading", "submissions"])
    graders = []
    for n in range(tas):
        ta = User.objects.create_user(email=f"ta{n}@bench.test", password=None, is_staff=True)
        ta.user_permissions.set(permissions)
        Membership.objects.create(edition=edition, user=ta, role=Membership.Role.TA)
        graders.append(ta)
    for n in range(hand_ins):
        student = User.objects.create_user(email=f"s{n}@bench.test", password=None)
        Membership.objects.create(edition=edition, user=student, role=Membership.Role.STUDENT)
        group = StudentGroup.objects.create(edition=edition, name=f"Group {n:03d}")
        GroupMembership.objects.create(group=group, user=student, edition=edition)
        submission = Submission(
            assignment=assignment,
            group=group,
            version=1,
            original_name="report.pdf",
            size=len(data),
            sha256="0" * 64,
            content_kind="pdf",
            pages=2,
            submitted_by=student,
            submitted_at=assignment.due_at - dt_days(2),
            deadline_at=assignment.due_at,
            signature="bench",
        )
        submission.file.save("report.pdf", ContentFile(data), save=False)
        submission.save()
        submission.members.set([student])
        preview_services.submission_pages_render(submission=submission)
    return assignment, graders


def dt_days(n):
    import datetime as dt

    return dt.timedelta(days=n)


def ta_loop(port, cookie, urls, think, until, seen, seed_):
    rng = random.Random(seed_)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    time.sleep(rng.uniform(0, think))
    index = seed_
    while time.monotonic() < until:
        url = urls[index % len(urls)]
        index += len(seen["tas"])
        started = time.perf_counter()
        conn.request("GET", url, headers={"Cookie": cookie})
        response = conn.getresponse()
        html = response.read().decode()
        seen["get"].append((time.perf_counter() - started) * 1000)
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
        if csrf:
            cookie = f"{cookie.split('; csrftoken=')[0]}; csrftoken={csrf.group(1)}"
        if response.status != 200:
            seen["errors"].append(response.status)
            time.sleep(think)
            continue
        time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        revision = re.search(r'name="revision" value="(\d+)"', html).group(1)
        items = re.findall(r'name="on_(\d+)"', html)
        body = {"csrfmiddlewaretoken": token, "revision": revision, "action": "next"}
        body.update({f"on_{pk}": "on" for pk in rng.sample(items, k=rng.randint(0, len(items)))})
        body["feedback"] = rng.choice(["", "Clear summary.", "The discussion is thin."])
        from urllib.parse import urlencode

        started = time.perf_counter()
        conn.request(
            "POST",
            url,
            body=urlencode(body),
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}{url}",
            },
        )
        response = conn.getresponse()
        response.read()
        seen["post"].append((time.perf_counter() - started) * 1000)
        if response.status not in (302, 409):
            seen["errors"].append(response.status)
        time.sleep(rng.uniform(0.1, 0.3))
    conn.close()


def summary(values):
    ordered = sorted(values)
    if not ordered:
        return {}
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hand-ins", type=int, default=40)
    parser.add_argument("--tas", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--port", type=int, default=8210)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--migrate", action="store_true")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.migrate:
        call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest gunicorn reads
    if Edition.objects.filter(slug=SLUG).exists():
        sys.exit(f"{SLUG} exists already: drop the benchmark database and create it again.")
    data = filegen.pdf(filegen.text_pages(2))
    result = {"render": render_cpu(data, args.renders)}
    started = time.monotonic()
    assignment, tas = seed(args.hand_ins, args.tas, data)
    result["seed_s"] = round(time.monotonic() - started, 1)
    cookies = []
    for ta in tas:
        client = Client()
        client.force_login(ta)
        cookies.append(f"sessionid={client.cookies['sessionid'].value}")
    urls = [
        f"/admin/grading/workspace/{pk}/"
        for pk in Submission.objects.filter(assignment=assignment)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        for _ in range(60):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        seen = {"get": [], "post": [], "errors": [], "tas": tas}
        until = time.monotonic() + min(args.seconds, 600)
        threads = [
            threading.Thread(
                target=ta_loop, args=(args.port, cookie, urls, args.think, until, seen, n)
            )
            for n, cookie in enumerate(cookies)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    result.update(
        {
            "hand_ins": args.hand_ins,
            "tas": args.tas,
            "think_s": args.think,
            "seconds": args.seconds,
            "server": f"gunicorn gthread {args.workers} workers x {args.threads} threads",
            "workspace_get": summary(seen["get"]),
            "save_post": summary(seen["post"]),
            "errors": len(seen["errors"]),
            "graded": assignment.grades.filter(score__isnull=False).count(),
            "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        }
    )
    print(json.dumps(result, indent=2))
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
