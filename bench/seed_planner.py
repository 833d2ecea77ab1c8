"""Data for the planner benchmark (bench/planner.sh): three editions of a term, 600 students
(each in two or three of them, in groups of two), eight assignments per edition with several
versions handed in, grades (half released), lectures; then API tokens of 20 students, one a
line, in ``<folder>/tokens.txt``.

    DATABASE_URL=postgres://… .venv/bin/python bench/seed_planner.py FOLDER
"""

import datetime as dt
import os
import sys
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import api_token_create  # noqa: E402
from assignments.models import Assignment  # noqa: E402
from courses.models import Course, Edition, Lecture, Membership  # noqa: E402
from grading.models import Grade  # noqa: E402
from submissions.models import GroupMembership, StudentGroup, Submission  # noqa: E402

STUDENTS = 600
EDITIONS = 3
ASSIGNMENTS = 8
VERSIONS = 3
USERS = 20


@transaction.atomic
def seed(folder: Path) -> None:
    course, _ = Course.objects.get_or_create(code="PLAN", defaults={"title": "Planner"})
    today = timezone.localdate()
    start = today - dt.timedelta(weeks=6)
    users = User.objects.bulk_create(
        User(email=f"planner{n}@bench.test", password="!") for n in range(STUDENTS)
    )
    for e in range(EDITIONS):
        edition = Edition.objects.create(
            course=course,
            slug=f"plan-{e}",
            term=f"Term {e}",
            status="published",
            meeting_time=dt.time(8, 30),
        )
        # Students 0..399 in edition 0, 200..599 in edition 1, everyone in edition 2.
        members = users if e == 2 else users[e * 200 : e * 200 + 400]
        Membership.objects.bulk_create(
            Membership(edition=edition, user=u, role="student") for u in members
        )
        groups = StudentGroup.objects.bulk_create(
            StudentGroup(edition=edition, name=f"G{e}-{n}") for n in range(len(members) // 2)
        )
        GroupMembership.objects.bulk_create(
            GroupMembership(group=groups[i // 2], user=u, edition=edition)
            for i, u in enumerate(members)
        )
        assignments = [
            Assignment.objects.create(
                edition=edition,
                title=f"Assignment {a}",
                number=a,
                due_date=start + dt.timedelta(weeks=a),
            )
            for a in range(ASSIGNMENTS)
        ]
        Lecture.objects.bulk_create(
            Lecture(
                edition=edition,
                title=f"Lecture {n}",
                number=n,
                position=n,
                date=start + dt.timedelta(weeks=n),
            )
            for n in range(14)
        )
        submissions = []
        for a in assignments[: ASSIGNMENTS // 2]:
            for i, group in enumerate(groups):
                student = members[2 * i]
                for v in range(1, VERSIONS + 1):
                    submissions.append(
                        Submission(
                            assignment=a,
                            group=group,
                            version=v,
                            file=f"bench/{a.pk}-{v}.pdf",
                            original_name="r.pdf",
                            size=1000,
                            sha256="0" * 64,
                            content_kind="pdf",
                            submitted_by=student,
                            submitted_at=a.due_at - dt.timedelta(hours=VERSIONS - v + 1),
                            deadline_at=a.due_at,
                            signature="0" * 64,
                        )
                    )
        Submission.objects.bulk_create(submissions, batch_size=2000)
        latest = {(s.assignment_id, s.group_id): s for s in submissions if s.version == VERSIONS}
        members_of = {}
        for gm in GroupMembership.objects.filter(edition=edition):
            members_of.setdefault(gm.group_id, []).append(gm.user_id)
        Submission.members.through.objects.bulk_create(
            [
                Submission.members.through(submission_id=s.pk, user_id=uid)
                for s in latest.values()
                for uid in members_of[s.group_id]
            ],
            batch_size=2000,
        )
        now = timezone.now()
        Grade.objects.bulk_create(
            [
                Grade(
                    assignment_id=aid,
                    group_id=gid,
                    submission=s,
                    score=D(14),
                    status="released" if aid % 2 else "draft",
                    released_at=now if aid % 2 else None,
                )
                for (aid, gid), s in latest.items()
            ],
            batch_size=2000,
        )
    # The 20 simulated students are in all three editions (students 200..219).
    tokens = [api_token_create(user=users[200 + n]).key for n in range(USERS)]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokens.txt").write_text("".join(f"{t}\n" for t in tokens))
    print(
        f"seed_planner: {STUDENTS} students, {EDITIONS} editions, "
        f"{ASSIGNMENTS} assignments each, {len(submissions)} versions in the last",
        file=sys.stderr,
    )


if __name__ == "__main__":
    seed(Path(sys.argv[1]))
