"""Data for the upload flood (``bench/flood.py``): on top of ``manage.py load_demo``, an
edition ``flood-2027`` with a notebook assignment (20 MB limit, due in 30 days) and 8
students, each in a group of their own with an API token. Writes the tokens (one a line)
and the hand-in API path into OUT_DIR (``tokens.txt``, ``upload_path.txt``).

    python bench/flood_seed.py OUT_DIR
"""

import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import api_token_create  # noqa: E402
from assignments.models import Assignment  # noqa: E402
from courses.models import Course, Edition, Membership  # noqa: E402
from submissions.models import GroupMembership, StudentGroup  # noqa: E402

STUDENTS = 8


def main(out: Path) -> None:
    course = Course.objects.first() or Course.objects.create(code="INFO8010", title="Deep Learning")
    edition, _ = Edition.objects.get_or_create(
        slug="flood-2027",
        defaults={
            "course": course,
            "term": "Spring 2027",
            "academic_year": "2026-2027",
            "timezone": "Europe/Brussels",
            "status": Edition.Status.PUBLISHED,
        },
    )
    assignment, _ = Assignment.objects.get_or_create(
        edition=edition,
        kind=Assignment.Kind.HOMEWORK,
        number=1,
        defaults={
            "title": "Homework 1",
            "due_date": (timezone.now() + dt.timedelta(days=30)).date(),
            "min_group_size": 1,
            "max_group_size": 3,
            "accepted_kinds": ["notebook"],
            "max_file_mb": 20,
        },
    )
    tokens = []
    for i in range(STUDENTS):
        user, _ = User.objects.get_or_create(email=f"flood{i}@student.uliege.be")
        Membership.objects.get_or_create(edition=edition, user=user, role=Membership.Role.STUDENT)
        group, _ = StudentGroup.objects.get_or_create(edition=edition, name=f"Flood {i}")
        GroupMembership.objects.get_or_create(group=group, user=user, edition=edition)
        tokens.append(api_token_create(user=user, name="flood bench").key)
    (out / "tokens.txt").write_text("".join(f"{t}\n" for t in tokens))
    path = reverse("submissions-api:submission-create", kwargs={"pk": assignment.pk})
    (out / "upload_path.txt").write_text(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
