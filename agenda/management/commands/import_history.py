"""manage.py import_history REPO_PATH [--tags GLOB] [--live SLUG] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from agenda.readme_history import HistoryError, history_import


class Command(BaseCommand):
    help = (
        "Import a course's history from a local git repository: the README of every tag "
        "(matching --tags) that is a course README becomes an archived edition named after "
        "the tag (v6-info8010-2023 -> info8010-2023), oldest first; --live SLUG imports the "
        "current branch's README as the live edition. One line per tag. Re-running changes "
        "nothing. Exits with status 1 if any tag could not be imported (the others are)."
    )

    def add_arguments(self, parser):
        parser.add_argument("repo", help="Path of a local git repository (no network)")
        parser.add_argument("--tags", default="*", help='Glob of the tags to read, e.g. "v*"')
        parser.add_argument("--live", metavar="SLUG", help="Import HEAD's README as SLUG")
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing"
        )

    def handle(self, *args, **options):
        try:
            results = history_import(
                path=options["repo"],
                tags=options["tags"],
                live_slug=options["live"],
                dry_run=options["dry_run"],
            )
        except HistoryError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            stream = self.stderr if result.outcome == "failed" else self.stdout
            stream.write(result.line())
            for problem in result.problems:
                self.stderr.write(
                    f"  {result.tag or 'HEAD'}:README.md:{problem.line}: {problem.message}"
                )
        if not results:
            self.stdout.write("No tag matches.")
        failed = [r for r in results if r.outcome == "failed"]
        if failed:
            raise CommandError(f"{len(failed)} of {len(results)} version(s) were not imported.")
