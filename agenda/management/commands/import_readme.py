"""manage.py import_readme FILE --edition SLUG [--status S] [--timezone TZ] [--dry-run]
[--allow-problems]"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agenda.readme_services import DEFAULT_TIMEZONE, ReadmeImportError, readme_import
from courses.models import Edition


class Command(BaseCommand):
    help = (
        "Import a course README (INFO8010 format) into an edition, creating the edition if "
        "needed. Re-importing updates rows in place and duplicates nothing; lectures, events, "
        "links, sections, info lines and previous editions that the README no longer has are "
        "deleted, assignments and papers never are (they are reported as kept). "
        "Every row that cannot be read is printed to stderr as FILE:LINE: message. "
        "All or nothing: with any such problem nothing is written and the command exits "
        "with status 1, unless --allow-problems, which imports the readable rows and then "
        "deletes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The README file, or - for standard input")
        parser.add_argument("--edition", required=True, help="Edition slug, e.g. info8010-2023")
        parser.add_argument(
            "--status",
            choices=Edition.Status.values,
            help="Set the edition's status (a created edition is a draft by default)",
        )
        parser.add_argument(
            "--timezone",
            help=f"IANA time zone of a created edition (default {DEFAULT_TIMEZONE}); must "
            "match an existing edition's zone",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing"
        )
        parser.add_argument(
            "--allow-problems",
            action="store_true",
            help="Import the readable rows even if some rows cannot be read (deletes nothing)",
        )

    def handle(self, *args, **options):
        path = options["file"]
        name = "<stdin>" if path == "-" else path
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            report = readme_import(
                text=text,
                edition_slug=options["edition"],
                status=options["status"],
                timezone=options["timezone"],
                dry_run=options["dry_run"],
                allow_problems=options["allow_problems"],
            )
        except ReadmeImportError as exc:
            self._print_problems(name, exc.problems, exc.warnings)
            raise CommandError(str(exc)) from exc
        self._print_problems(name, report.problems, report.warnings)
        prefix = "[dry run, nothing written] " if report.dry_run else ""
        verb = "Created" if report.edition_created else "Updated"
        self.stdout.write(f"{prefix}{verb} edition {report.edition_slug}.")
        for line in report.summary_lines():
            self.stdout.write(f"  {line}")
        if report.problems:
            self.stderr.write(
                f"{len(report.problems)} row(s) could not be read and were not imported "
                "(--allow-problems)."
            )

    def _print_problems(self, name, problems, warnings):
        for problem in problems:
            self.stderr.write(f"{name}:{problem.line}: {problem.message}")
        for warning in warnings:
            self.stderr.write(f"{name}:{warning.line}: warning: {warning.message}")
