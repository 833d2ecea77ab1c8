"""Benchmark of ``grading.services.final_grades_recompute``: 10,000 students × 6 components.

Creates (with bulk_create, in about a minute) an edition with a 6-component scheme, 10,000
students in groups of 3, hand-ins of every kind (some homeworks missing), released grades
with a few individual overrides and exam marks (some absent); then times the recomputation
and counts its SQL queries, cold (nothing stored yet: every row computed and
written), warm (nothing changed since: the cache knows the final grades are current) and
warm forced (``force=True``, the nightly job: every mark read, every row skipped by its
inputs digest). Give it Redis (``REDIS_URL``) as production has: the embedded
local-memory cache keeps 300 entries, fewer than the generations of 3,334 groups.
Meant for PostgreSQL; the database is the one DATABASE_URL names:

    createdb -h 127.0.0.1 -U postgres lectern_bench_grading
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern_bench_grading \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern_bench_grading \\
        .venv/bin/python bench/recompute.py [--students 10000] [--runs 3]

It refuses to run on a database that already holds its edition unless --reuse is given.
"""

import argparse
import dataclasses
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from assignments.models import Assignment  # noqa: E402
from courses.models import Course, Edition, Membership  # noqa: E402
from demo.grading import scheme_2023  # noqa: E402
from grading import services  # noqa: E402
from grading.models import (  # noqa: E402
    ExamMark,
    FinalGrade,
    Grade,
    GradeOverride,
    SchemeComponent,
)
from submissions.models import GroupMembership, StudentGroup, Submission  # noqa: E402

SLUG = "bench-grading"
BATCH = 2000


def build(n_students: int) -> Edition:
    course, _ = Course.objects.get_or_create(code="BENCH", defaults={"title": "Benchmark"})
    edition = Edition.objects.create(course=course, slug=SLUG, term="Bench", status="published")
    instructor = User.objects.create_user(email="bench-prof@bench.test")
    Membership.objects.create(edition=edition, user=instructor, role="instructor")
    day = dt.date(2023, 3, 6)
    assignments = {
        key: Assignment.objects.create(
            edition=edition, kind=kind, title=title, due_date=day + dt.timedelta(weeks=i)
        )
        for i, (key, kind, title) in enumerate(
            [
                ("hw1", "homework", "Homework 1"),
                ("hw2", "homework", "Homework 2"),
                ("reading", "reading_report", "Reading report"),
                ("project", "project", "Project"),
            ]
        )
    }
    # The 2023 scheme with the oral exam split in two exam components (45 + 5): six
    # components, two of them exams.
    oral, *rest = scheme_2023(
        reading=assignments["reading"],
        homework_1=assignments["hw1"],
        homework_2=assignments["hw2"],
        project=assignments["project"],
    )
    quiz = services.ComponentSpec("quiz", "Quiz", D(5), kind="exam")
    services.scheme_set(
        actor=instructor,
        edition=edition,
        components=[dataclasses.replace(oral, key="oral", weight=D(45)), quiz, *rest],
    )
    users = User.objects.bulk_create(
        (
            User(email=f"s{i}@bench.test", student_id=f"s{i:06d}", password="!")  # noqa: S106
            for i in range(n_students)
        ),
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        (Membership(edition=edition, user=u, role="student") for u in users), batch_size=BATCH
    )
    teams = [users[i : i + 3] for i in range(0, len(users), 3)]
    groups = StudentGroup.objects.bulk_create(
        (StudentGroup(edition=edition, name=f"G{i}") for i in range(len(teams))),
        batch_size=BATCH,
    )
    GroupMembership.objects.bulk_create(
        (
            GroupMembership(group=g, user=u, edition=edition)
            for g, team in zip(groups, teams, strict=True)
            for u in team
        ),
        batch_size=BATCH,
    )
    subs = []
    for i, group in enumerate(groups):
        work = ["reading", "project"] + [["hw1", "hw2"], ["hw1"], []][i % 3]
        if i % 10 == 9:
            work.remove("reading")
        for key in work:
            a = assignments[key]
            subs.append(
                Submission(
                    assignment=a,
                    group=group,
                    version=1,
                    file=f"bench/{i}-{key}",
                    original_name="x.pdf",
                    size=1,
                    sha256="0" * 64,
                    content_kind="pdf",
                    submitted_by=teams[i][0],
                    submitted_at=a.due_at - dt.timedelta(days=1),
                    deadline_at=a.due_at,
                    signature="x",
                )
            )
    subs = Submission.objects.bulk_create(subs, batch_size=BATCH)
    members_of = {g.pk: team for g, team in zip(groups, teams, strict=True)}
    Through = Submission.members.through
    Through.objects.bulk_create(
        (Through(submission_id=s.pk, user_id=u.pk) for s in subs for u in members_of[s.group_id]),
        batch_size=BATCH * 5,
    )
    now = dt.datetime.now(dt.UTC)
    grades = Grade.objects.bulk_create(
        (
            Grade(
                assignment_id=s.assignment_id,
                group_id=s.group_id,
                submission_id=s.pk,
                score=D(8 + (s.pk % 13)),
                status="released",
                released_at=now,
                released_emailed_at=now,
            )
            for s in subs
        ),
        batch_size=BATCH,
    )
    GradeOverride.objects.bulk_create(
        (
            GradeOverride(grade=g, student=members_of[g.group_id][0], score=D(5), reason="bench")
            for g in grades[::50]
        ),
        batch_size=BATCH,
    )
    exams = {c.key: c for c in SchemeComponent.objects.filter(scheme__edition=edition, kind="exam")}
    ExamMark.objects.bulk_create(
        (
            ExamMark(
                edition=edition,
                student=u,
                component=exams[key],
                score=None if i % 40 == 0 else D(6 + i % 14),
            )
            for i, u in enumerate(users)
            for key in ("oral", "quiz")
        ),
        batch_size=BATCH,
    )
    return edition


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="use the existing bench edition")
    args = parser.parse_args()

    vendor = connection.vendor
    existing = Edition.objects.filter(slug=SLUG).first()
    if existing and not args.reuse:
        sys.exit(f"{SLUG} already exists in this database: drop it or pass --reuse")
    started = time.perf_counter()
    if existing is None:
        with transaction.atomic():
            edition = build(args.students)
    else:
        edition = existing
    built = time.perf_counter() - started
    n = Membership.objects.filter(edition=edition, role="student").count()
    print(f"database: {vendor}; {n} students, 6 components; data built in {built:.1f} s")

    timings, warm, forced, queries = [], [], [], []
    for run in range(args.runs):
        for kind in ("cold", "warm", "forced"):
            if kind == "cold":  # nothing stored: every student computed and written
                FinalGrade.objects.filter(edition=edition).delete()
                if vendor == "postgresql":  # as a table without them: no dead rows to skip
                    with connection.cursor() as cursor:
                        cursor.execute(f"VACUUM ANALYZE {FinalGrade._meta.db_table}")
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                count = services.final_grades_recompute(edition=edition, force=kind == "forced")
                elapsed = time.perf_counter() - t0
            {"cold": timings, "warm": warm, "forced": forced}[kind].append(elapsed)
            queries.append(len(ctx.captured_queries))
            print(
                f"run {run + 1} {kind}: {elapsed:.3f} s, "
                f"{len(ctx.captured_queries)} queries, {count} students"
            )
    final = FinalGrade.objects.filter(edition=edition)
    print(
        f"cold (nothing stored): median {statistics.median(timings):.3f} s, "
        f"best {min(timings):.3f} s; warm (nothing changed): median "
        f"{statistics.median(warm):.3f} s; warm forced (every mark read, every row skipped "
        f"by its digest): median {statistics.median(forced):.3f} s; queries per run: "
        f"{sorted(set(queries))}; with a final: {final.exclude(final=None).count()}, "
        f"not admitted: {final.filter(admitted=False).count()}"
    )


if __name__ == "__main__":
    main()
