"""The live demo's autograder: Homework 2 of ``info8010-demo`` runs a small numpy exercise
(``demo/autograder/``). The environment is built by ``make run`` (``manage.py
autograder_env create info8010-demo --requirements demo/autograder/requirements.txt
--if-missing``), not here: loading the demo needs no network."""

from __future__ import annotations

from pathlib import Path

from assignments.models import Assignment
from autograder.models import GraderBundle
from autograder.services import bundle_save
from courses.models import Edition

FOLDER = Path(__file__).resolve().parent / "autograder"
ENVIRONMENT = "info8010-demo"
REQUIREMENTS = FOLDER / "requirements.txt"


def demo_autograder_load(*, live: Edition) -> bool:
    """Attach the autograder to the live demo's Homework 2; False when it is there already."""
    homework = Assignment.objects.filter(edition=live, title="Homework 2").first()
    if homework is None or GraderBundle.objects.filter(assignment=homework).exists():
        return False
    bundle_save(
        bundle=GraderBundle(
            assignment=homework,
            tests=(FOLDER / "homework2_tests.py").read_text(encoding="utf-8"),
            environment=ENVIRONMENT,
            wall_seconds=60,
            cpu_seconds=30,
            memory_mb=1024,
            visibility=GraderBundle.Visibility.AT_ONCE,
        )
    )
    return True
