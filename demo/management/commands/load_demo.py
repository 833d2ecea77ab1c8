import os

from django.core.management.base import BaseCommand

from demo.data import DEMO_PASSWORD
from demo.services import demo_load


class Command(BaseCommand):
    help = (
        "Load the INFO8010 Spring 2023 edition, a live demo edition cloned from it with dates "
        "around today, and the demo accounts. Safe to run again: only missing parts are created."
    )

    def handle(self, *args, **options):
        report = demo_load()
        for slug in report.created:
            self.stdout.write(self.style.SUCCESS(f"Created edition {slug}"))
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for email, role in report.accounts:
            self.stdout.write(f"  {email:<24} {role}")
        self.stdout.write("")
        # `make run HOST=… PORT=…` exports both; the address printed is the one served.
        host = os.environ.get("HOST") or "127.0.0.1"
        port = os.environ.get("PORT") or "8000"
        base = f"http://{host}:{port}"
        self.stdout.write(f"Open {base}/ — admin at {base}/admin/")
