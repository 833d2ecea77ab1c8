"""The two-node world's database: the deadline race's (``race_seed``: groups of two with API
tokens, a race assignment and a warm-up one), plus an instructor with a password (the admin:
grading, receipts, the agenda) and a report assignment that takes PDFs, far from its deadline.

    python -m tests.load.nodes_seed GROUPS PASSWORD
"""

from __future__ import annotations

import datetime as dt
import json
import sys


def seed(groups: int, password: str) -> dict:
    from allauth.account.models import EmailAddress
    from django.db import transaction

    from accounts.models import User
    from assignments.models import Assignment
    from courses.models import Edition, Membership
    from tests.load.race_seed import seed as race_seed

    world = race_seed(groups)
    with transaction.atomic():
        edition = Edition.objects.get(slug="race")
        staff = User.objects.create_user(
            email="instructor@race.test", password=password, is_staff=True, is_superuser=True
        )
        EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
        Membership.objects.create(edition=edition, user=staff, role=Membership.Role.INSTRUCTOR)
        report = Assignment.objects.create(
            edition=edition,
            kind=Assignment.Kind.HOMEWORK,
            title="Report",
            due_date=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30),
            min_group_size=2,
            max_group_size=2,
            accepted_kinds=["pdf"],
        )
    return {
        **world,
        "edition": edition.pk,
        "edition_slug": edition.slug,
        "report_assignment": report.pk,
        "staff": {"email": staff.email, "password": password},
    }


if __name__ == "__main__":
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    print(json.dumps(seed(int(sys.argv[1]), sys.argv[2])))
