"""manage.py export_readme --edition SLUG [--output FILE]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agenda.readme_export import readme_export
from courses.models import Edition


class Command(BaseCommand):
    help = (
        "Write an edition as a course README (INFO8010 format) to stdout or --output. "
        "import_readme reads the result back to the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--edition", required=True, help="Edition slug, e.g. info8010-2023")
        parser.add_argument("--output", help="Write to this file instead of stdout")

    def handle(self, *args, **options):
        edition = Edition.objects.select_related("course").filter(slug=options["edition"]).first()
        if edition is None:
            raise CommandError(f"No edition {options['edition']!r}.")
        text = readme_export(edition=edition)
        if options["output"]:
            try:
                Path(options["output"]).write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {options['output']}: {exc}") from exc
            self.stderr.write(f"Wrote {options['output']}.")
        else:
            self.stdout.write(text, ending="")
