from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from autograder import environments, sandbox


class Command(BaseCommand):
    help = (
        "The autograder's environments: `create NAME --requirements FILE` builds a virtual "
        "environment (plus ipykernel, nbclient, nbformat) that the sandbox uses read-only; "
        "`list` names them; `check` says whether bubblewrap can run here."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Build (or rebuild) an environment")
        create.add_argument("name")
        create.add_argument("--requirements", required=True, type=Path)
        create.add_argument(
            "--if-missing", action="store_true", help="Do nothing if it exists already"
        )
        sub.add_parser("list", help="The environments built")
        sub.add_parser("check", help="Can the sandbox run on this machine?")

    def handle(self, *args, **options):
        try:
            if (
                options["action"] == "create"
                and options["if_missing"]
                and (environments.env_ready(options["name"]))
            ):
                self.stdout.write(f"Environment {options['name']} exists already.")
            elif options["action"] == "create":
                environments.env_create(
                    options["name"], requirements=options["requirements"], log=self.stdout.write
                )
            elif options["action"] == "list":
                for name in environments.env_list():
                    self.stdout.write(f"{name}\t{environments.env_path(name)}")
            else:
                self.stdout.write(f"{sandbox.self_check()}: the sandbox can run here.")
        except (environments.EnvironmentUnavailable, sandbox.SandboxUnavailable) as exc:
            raise CommandError(str(exc)) from exc
