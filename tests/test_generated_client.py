"""A client generated from the served schema works as typed (what a client developer does).

openapi-python-client (a dev dependency) generates a Python package from ``/api/schema/`` of
a live server into a temporary folder; the test then uses it, through its typed functions and
models only, to list editions, pull a schedule, obtain a token, hand in a PDF reading report
with a paper from the assignment's papers, and read the planner and the grades. A schema
that mistypes an upload, leaves out an id or lies about a field fails here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
import pkgutil
import subprocess
import sys
import urllib.request
from decimal import Decimal as D

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from assignments.models import Assignment
from courses.models import Membership
from grading import services as grading
from grading.models import MarkChange
from tests.factories import (
    AssignmentFactory,
    EditionFactory,
    MembershipFactory,
    PaperFactory,
    SubmissionFactory,
    UserFactory,
    make_group,
)
from tests.submissions import filegen

PACKAGE = "lectern_client"
PASSWORD = "lectern-test"


def _world():
    edition = EditionFactory(slug="info8010-live")
    alice = UserFactory(email="alice@example.test")
    EmailAddress.objects.create(user=alice, email=alice.email, verified=True, primary=True)
    MembershipFactory(edition=edition, user=alice, role=Membership.Role.STUDENT)
    teacher = UserFactory(email="prof@example.test", is_staff=True)
    MembershipFactory(edition=edition, user=teacher, role=Membership.Role.INSTRUCTOR)
    group = make_group(edition, alice, name="Solo")
    homework = AssignmentFactory(edition=edition, due_date=dt.date(2023, 3, 6))
    SubmissionFactory(assignment=homework, group=group)
    grading.grade_save(
        actor=teacher,
        assignment=homework,
        group=group,
        score=D(15),
        via=MarkChange.Via.SYSTEM,
    )
    grading.grade_release(actor=teacher, assignment=homework, via=MarkChange.Via.SYSTEM)
    reading = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading report",
        due_date=timezone.localdate() + dt.timedelta(days=30),
    )
    PaperFactory(assignment=reading, title="Latent diffusion")
    PaperFactory(assignment=reading, title="Scaling laws")
    return edition


def _generate(base_url: str, folder) -> None:
    with urllib.request.urlopen(f"{base_url}/api/schema/?format=json") as response:  # noqa: S310
        (folder / "schema.json").write_bytes(response.read())
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(folder / "schema.json"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
        ],
        check=True,
        env=env,
        cwd=folder,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture
def generated(live_server, tmp_path, transactional_db):
    edition = _world()
    _generate(live_server.url, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE), live_server.url, edition
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.mark.slow
def test_a_generated_client_lists_hands_in_and_reads_as_typed(generated):
    client_package, base_url, edition = generated
    api = importlib.import_module(f"{PACKAGE}.api")
    from lectern_client import AuthenticatedClient, Client  # type: ignore[import-not-found]
    from lectern_client.api.assignments import (  # type: ignore[import-not-found]
        assignments_submissions_create,
    )
    from lectern_client.api.auth import auth_token_create  # type: ignore[import-not-found]
    from lectern_client.api.editions import (  # type: ignore[import-not-found]
        editions_assignments_list,
        editions_list,
        editions_schedule_retrieve,
    )
    from lectern_client.api.grades import me_grades_list  # type: ignore[import-not-found]
    from lectern_client.api.me import me_planner_list  # type: ignore[import-not-found]
    from lectern_client.models import (  # type: ignore[import-not-found]
        CreatedReceipt,
        PaginatedAssignmentOutputList,
        PaginatedEditionOutputList,
        PaginatedMyEditionGradesList,
        PaginatedPlannerEditionList,
        ScheduleOutput,
        SubmissionInputRequest,
        TokenInputRequest,
        TokenOutput,
    )
    from lectern_client.types import File  # type: ignore[import-not-found]

    # Every generated operation module imports (a schema quirk can break one silently).
    for module in pkgutil.walk_packages(api.__path__, f"{PACKAGE}.api."):
        importlib.import_module(module.name)
    assert client_package is not None
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)

    editions = editions_list.sync(client=anonymous)
    assert isinstance(editions, PaginatedEditionOutputList)
    [listed] = editions.results
    assert listed.slug == edition.slug
    assert listed.html_url.startswith(base_url)

    schedule = editions_schedule_retrieve.sync(slug=edition.slug, client=anonymous)
    assert isinstance(schedule, ScheduleOutput)
    assert {item.kind.value for item in schedule.items} >= {"deadline"}

    token = auth_token_create.sync(
        client=anonymous,
        body=TokenInputRequest(email="alice@example.test", password=PASSWORD, name="test"),
    )
    assert isinstance(token, TokenOutput)
    alice = AuthenticatedClient(
        base_url=base_url, token=token.token, raise_on_unexpected_status=True
    )

    assignments = editions_assignments_list.sync(slug=edition.slug, client=alice)
    assert isinstance(assignments, PaginatedAssignmentOutputList)
    reading = next(a for a in assignments.results if a.kind.value == "reading_report")
    paper = reading.papers[1]
    pdf = filegen.pdf(filegen.text_pages(1))
    receipt = assignments_submissions_create.sync(
        id=reading.id,
        client=alice,
        body=SubmissionInputRequest(
            file=File(payload=io.BytesIO(pdf), file_name="report.pdf", mime_type="application/pdf"),
            paper=paper.id,
        ),
    )
    assert isinstance(receipt, CreatedReceipt), receipt
    assert isinstance(receipt.submitted_at_utc, dt.datetime)
    assert receipt.assignment_id == reading.id

    planner = me_planner_list.sync(client=alice, edition=edition.slug)
    assert isinstance(planner, PaginatedPlannerEditionList)
    [planned] = planner.results
    statuses = {a.title: a.status.value for a in planned.assignments}
    assert statuses == {"Homework 1": "released", "Reading report": "submitted"}
    handed_in = next(a for a in planned.assignments if a.title == "Reading report")
    assert handed_in.latest.submission_id == receipt.submission_id

    grades = me_grades_list.sync(client=alice)
    assert isinstance(grades, PaginatedMyEditionGradesList)
    [mine] = grades.results
    assert [(g.assignment, g.score) for g in mine.grades] == [("Homework 1", "15")]
