"""manage.py clone_edition SOURCE NEW_SLUG --start YYYY-MM-DD [--term TERM] [--publish]"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from assignments.services import edition_clone
from courses.models import Edition
from courses.services import edition_publish


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--start: {value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Copy an edition (staff, page, lectures, events, assignments) into a new draft "
        "edition whose agenda starts in the week of --start; weekdays and local times stay."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="Slug of the edition to copy, e.g. info8010-2023")
        parser.add_argument("new_slug", help="Slug of the new edition, e.g. info8010-2027")
        parser.add_argument(
            "--start",
            required=True,
            type=str,
            help="First agenda date of the new edition (YYYY-MM-DD); every date moves by "
            "the nearest whole number of weeks.",
        )
        parser.add_argument("--term", help='Term of the new edition, e.g. "Spring 2027"')
        parser.add_argument(
            "--publish", action="store_true", help="Publish the new edition at once"
        )

    def handle(self, *args, source, new_slug, start, term=None, publish=False, **options):
        start_date = _date(start)
        original = Edition.objects.select_related("course").filter(slug=source).first()
        if original is None:
            raise CommandError(f"No edition with the slug {source!r}.")
        try:
            with transaction.atomic():
                edition = edition_clone(
                    source=original, new_slug=new_slug, start=start_date, term=term
                )
                if publish:
                    edition = edition_publish(edition=edition)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

        self.stdout.write(
            self.style.SUCCESS(
                f"Created {edition.slug} ({edition.term}, {edition.get_status_display()}) "
                f"from {original.slug}: {edition.lectures.count()} lectures, "
                f"{edition.events.count()} events, {edition.assignments.count()} assignments."
            )
        )
        self.stdout.write(f"Enrolment code: {edition.enrolment_code}")
