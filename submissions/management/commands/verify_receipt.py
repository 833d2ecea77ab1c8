from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from submissions.services import receipt_verify


class Command(BaseCommand):
    help = "Check a submission receipt (JSON file): its signature and the stored submission."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        valid, message = receipt_verify(text=text)
        if not valid:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
