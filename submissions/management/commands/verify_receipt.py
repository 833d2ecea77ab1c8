from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from submissions.receipts import MAX_RECEIPT_CHARS
from submissions.services import receipt_verify


class Command(BaseCommand):
    help = "Check a submission receipt (JSON file): its signature and the stored submission."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            with file.open("rb") as handle:  # a receipt is small: never read a huge file whole
                text = handle.read(MAX_RECEIPT_CHARS + 1).decode("utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except UnicodeDecodeError:
            raise CommandError("Invalid receipt: not UTF-8 text.") from None
        valid, message = receipt_verify(text=text)
        if not valid:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
