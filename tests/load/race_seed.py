"""The deadline race's database: migrated, then one edition, groups of two students with API
tokens, and two assignments — the race one and a warm-up one far from its deadline.

Not a test module: ``test_deadline_race.py`` runs it in a subprocess against the race's own
PostgreSQL database (the one gunicorn serves), under the server's settings, and reads the
JSON it prints. One process for both steps: Django starts once.

    python -m tests.load.race_seed GROUPS
"""

from __future__ import annotations

import datetime as dt
import json
import sys


def seed(groups: int) -> dict:
    from django.db import transaction

    from accounts.models import User
    from accounts.services import api_token_create
    from assignments.models import Assignment
    from courses.models import Course, Edition, Membership
    from submissions.models import GroupMembership, StudentGroup

    with transaction.atomic():
        course = Course.objects.create(code="RACE", title="Deadline race")
        edition = Edition.objects.create(
            course=course,
            slug="race",
            term="Race",
            timezone="Europe/Brussels",
            status=Edition.Status.PUBLISHED,
            group_max_size=2,
        )
        far = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)
        # Both take ZIPs (a homework's code): the race is about the deadline, and a ZIP is the
        # cheapest kind to check. The race assignment's deadline is set once the server is up.
        race, warmup = (
            Assignment.objects.create(
                edition=edition,
                kind=Assignment.Kind.HOMEWORK,
                title=title,
                due_date=far,
                min_group_size=2,
                max_group_size=2,
                accepted_kinds=["zip"],
            )
            for title in ("Race homework", "Warm-up homework")
        )
        users = User.objects.bulk_create(
            User(email=f"racer{number}@race.test", password="!")  # unusable: tokens only
            for number in range(2 * groups)
        )
        Membership.objects.bulk_create(
            Membership(edition=edition, user=user, role=Membership.Role.STUDENT) for user in users
        )
        teams = StudentGroup.objects.bulk_create(
            StudentGroup(edition=edition, name=f"Team {number}") for number in range(groups)
        )
        GroupMembership.objects.bulk_create(
            GroupMembership(group=teams[index // 2], user=user, edition=edition)
            for index, user in enumerate(users)
        )
        tokens = [api_token_create(user=user).key for user in users]
    return {
        "race_assignment": race.pk,
        "warmup_assignment": warmup.pk,
        "timezone": edition.timezone,
        "students": [
            {"email": user.email, "token": token, "group": teams[index // 2].pk}
            for index, (user, token) in enumerate(zip(users, tokens, strict=True))
        ],
    }


if __name__ == "__main__":
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    print(json.dumps(seed(int(sys.argv[1]))))
