"""Benchmark data at scale, on top of ``manage.py load_demo``: the edition ``info8010-scale``,
a copy of INFO8010 Spring 2023 shifted so that today is mid-term, with 1,000 students,
300 groups of three (100 students without a group), 15 assignments and the hand-ins of every
group for each assignment whose deadline has passed (1 to 3 versions each).

Rows are bulk-created (about 10 s): users get no usable password and hand-ins get file names
without files (the dashboard never opens them). It also writes, into OUT_DIR, what
``bench/run.sh`` needs to act as students:

- ``scale.env``: ``SCALE_EDITION``, ``SCALE_SESSION`` (a session cookie of a student whose
  group has handed in, for the dashboard) and ``SCALE_UPLOAD_PATH`` (the hand-in API of an
  assignment due in 60 days);
- ``tokens.txt``: API tokens of 50 students in different groups, one a line;
- ``upload.pdf``: a one-page PDF to hand in.

    python bench/seed_scale.py OUT_DIR
"""

import datetime as dt
import hashlib
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import api_token_create  # noqa: E402
from assignments.models import Assignment  # noqa: E402
from assignments.services import edition_clone  # noqa: E402
from courses.models import Edition, Membership  # noqa: E402
from demo.services import demo_start_date  # noqa: E402
from submissions.models import GroupMembership, StudentGroup, Submission  # noqa: E402
from tests.submissions import filegen  # noqa: E402

SLUG = "info8010-scale"
STUDENTS = 1000
GROUPS = 300
GROUP_SIZE = 3
ASSIGNMENTS = 15
TOKENS = 50


def _assignments(edition: Edition, today: dt.date) -> tuple[list[Assignment], Assignment]:
    """The clone's five assignments plus extra homeworks, one a week around today, to 15;
    the last one created is due in 60 days and takes the benchmark's uploads."""
    extra = ASSIGNMENTS - Assignment.objects.filter(edition=edition).count()
    for number in range(extra):
        last = number == extra - 1
        upload_to = Assignment.objects.create(
            edition=edition,
            kind=Assignment.Kind.HOMEWORK,
            number=10 + number,
            title=f"Exercise sheet {number + 1}",
            due_date=today + dt.timedelta(days=60 if last else 7 * (number - extra // 2)),
            min_group_size=1,
            max_group_size=GROUP_SIZE,
            accepted_kinds=["pdf"],
        )
    return list(
        Assignment.objects.filter(edition=edition).order_by("due_date", "due_time")
    ), upload_to


@transaction.atomic
def seed(out: Path) -> None:
    source = Edition.objects.get(slug="info8010-2023")
    today = timezone.localdate()
    edition = Edition.objects.filter(slug=SLUG).first()
    if edition is not None:
        sys.exit(f"{SLUG} exists already: seed_scale.py runs on a fresh database")
    edition = edition_clone(source=source, new_slug=SLUG, start=demo_start_date(today=today))
    edition.status = Edition.Status.PUBLISHED
    edition.term = "Scale benchmark"
    edition.save()
    assignments, upload_to = _assignments(edition, today)

    users = User.objects.bulk_create(
        User(email=f"scale{n:04d}@bench.test", first_name="Student", last_name=f"{n:04d}",
             password="!")  # unusable: the benchmark logs in by session and token
        for n in range(STUDENTS)
    )  # fmt: skip
    Membership.objects.bulk_create(
        Membership(edition=edition, user=u, role=Membership.Role.STUDENT) for u in users
    )
    groups = StudentGroup.objects.bulk_create(
        StudentGroup(edition=edition, name=f"Scale group {n:03d}") for n in range(GROUPS)
    )
    GroupMembership.objects.bulk_create(
        GroupMembership(group=groups[i // GROUP_SIZE], user=u, edition=edition)
        for i, u in enumerate(users[: GROUPS * GROUP_SIZE])
    )

    now = timezone.now()
    past = [a for a in assignments if a.due_at < now]
    rows = []
    for g, group in enumerate(groups):
        submitter = users[g * GROUP_SIZE]
        for a, assignment in enumerate(past):
            for version in range(1, 2 + (g + a) % 3):
                digest = hashlib.sha256(f"{group.pk}-{assignment.pk}-{version}".encode())
                rows.append(
                    Submission(
                        assignment=assignment,
                        group=group,
                        version=version,
                        file=f"submissions/{edition.pk}/{secrets.token_urlsafe(32)}",
                        original_name="report.pdf",
                        size=40_000,
                        sha256=digest.hexdigest(),
                        content_kind="pdf",
                        pages=2,
                        counted_pages=2,
                        submitted_by=submitter,
                        submitted_at=assignment.due_at - dt.timedelta(hours=4 - version),
                        deadline_at=assignment.due_at,
                        signature="0" * 64,
                    )
                )
    Submission.objects.bulk_create(rows, batch_size=2000)

    # A student of group 0, which has handed in every past assignment, sees the dashboard.
    viewer = users[0]
    session = SessionStore()
    session[SESSION_KEY] = str(viewer.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
    session.create()
    # One uploader per group for the first TOKENS groups: uploads of different groups.
    tokens = [api_token_create(user=users[g * GROUP_SIZE]).key for g in range(TOKENS)]

    out.mkdir(parents=True, exist_ok=True)
    (out / "scale.env").write_text(
        f"SCALE_EDITION={SLUG}\n"
        f"SCALE_SESSION={session.session_key}\n"
        f"SCALE_UPLOAD_PATH=/api/v1/assignments/{upload_to.pk}/submissions/\n"
    )
    (out / "tokens.txt").write_text("".join(f"{t}\n" for t in tokens))
    (out / "upload.pdf").write_bytes(filegen.pdf(filegen.text_pages(1)))
    print(
        f"seed_scale: {SLUG}: {STUDENTS} students, {GROUPS} groups, {len(assignments)} "
        f"assignments ({len(past)} past), {len(rows)} hand-ins",
        file=sys.stderr,
    )


if __name__ == "__main__":
    seed(Path(sys.argv[1]))
