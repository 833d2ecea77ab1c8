"""Bundles, environments and what happens without bubblewrap: no sandbox needed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from autograder import environments, sandbox
from autograder.models import GraderBundle
from autograder.services import bundle_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_bundle(notebook_homework):
    return bundle_save(
        bundle=GraderBundle(
            assignment=notebook_homework, tests="def test_a():\n    pass\n", environment="x"
        )
    )


def test_without_bubblewrap_the_sandbox_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        sandbox.bwrap_path()
    with pytest.raises(CommandError, match="apt-get install bubblewrap"):
        call_command("autograder_env", "check")


def test_a_change_of_tests_environment_or_limits_raises_the_version(plain_bundle):
    assert plain_bundle.version == 1
    plain_bundle.visibility = GraderBundle.Visibility.AFTER_DEADLINE
    assert bundle_save(bundle=plain_bundle).version == 1  # not a change of what runs
    plain_bundle.memory_mb = 2048
    assert bundle_save(bundle=plain_bundle).version == 2
    plain_bundle.tests += "\ndef test_b():\n    pass\n"
    assert bundle_save(bundle=plain_bundle).version == 3


def test_tests_that_do_not_compile_and_bad_environment_names_are_refused(plain_bundle):
    plain_bundle.tests = "def test_a(:\n"
    with pytest.raises(ValidationError, match="Line 1"):
        bundle_save(bundle=plain_bundle)
    plain_bundle.tests = "def test_a():\n    pass\n"
    plain_bundle.environment = "../etc"
    with pytest.raises(ValidationError, match="not an environment name"):
        bundle_save(bundle=plain_bundle)
    assert GraderBundle.objects.get().environment == "x"


def test_a_missing_environment_says_how_to_build_it(settings, tmp_path):
    settings.LECTERN_AUTOGRADER_ENV_DIR = tmp_path
    with pytest.raises(environments.EnvironmentUnavailable, match="autograder_env create nope"):
        environments.env_get("nope")
    with pytest.raises(CommandError, match="No requirements file"):
        call_command("autograder_env", "create", "nope", "--requirements", str(tmp_path / "r"))
    assert environments.env_list() == []


def test_the_admin_refuses_an_environment_that_is_not_built(admin_client, notebook_homework):
    from django.urls import reverse

    response = admin_client.post(
        reverse("admin:autograder_graderbundle_add"),
        {
            "assignment": notebook_homework.pk,
            "tests": "def test_a():\n    pass\n",
            "environment": "never-built",
            "wall_seconds": 60,
            "cpu_seconds": 30,
            "memory_mb": 1024,
            "output_kb": 64,
            "visibility": "at_once",
            "prefill_grade": "on",
        },
    )
    assert response.status_code == 200
    assert "autograder_env create never-built" in response.content.decode()
    assert not GraderBundle.objects.exists()


@pytest.mark.parametrize("runs", [1, 6])
def test_the_results_api_reads_a_fixed_number_of_queries(
    client, plain_bundle, group, alice, runs, django_assert_max_num_queries
):
    from decimal import Decimal

    from django.urls import reverse

    from accounts.services import api_token_create
    from autograder.models import AutogradeRun
    from tests.factories import SubmissionFactory

    submission = SubmissionFactory(assignment=plain_bundle.assignment, group=group)
    for _ in range(runs):
        AutogradeRun.objects.create(
            submission=submission, bundle=plain_bundle, bundle_version=1, environment="x",
            status="done", score=Decimal(1), max_score=Decimal(1),
            tests=[{"name": "test_a", "status": "passed", "points": "1", "max_points": "1",
                    "message": ""}],
        )  # fmt: skip
    token = api_token_create(user=alice).key
    url = reverse("autograder-api:submission-autograde", args=[submission.pk])
    with django_assert_max_num_queries(6):
        body = client.get(url, headers={"authorization": f"Bearer {token}"}).json()
    assert body["status"] == "done" and body["tests"][0]["name"] == "test_a"


def test_the_admin_action_runs_the_bundle_again_on_every_latest_hand_in(
    admin_client, plain_bundle, group, other_group, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from autograder.models import AutogradeRun
    from tests.factories import SubmissionFactory

    assignment = plain_bundle.assignment
    SubmissionFactory(assignment=assignment, group=group, version=1)
    latest = SubmissionFactory(assignment=assignment, group=group, version=2)
    other = SubmissionFactory(assignment=assignment, group=other_group, version=1)
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            reverse("admin:autograder_graderbundle_changelist"),
            {"action": "rerun_all", "_selected_action": [plain_bundle.pk]},
        )
    assert response.status_code == 302
    queued = AutogradeRun.objects.filter(status="queued")
    assert sorted(queued.values_list("submission_id", flat=True)) == sorted([latest.pk, other.pk])
    assert len(callbacks) == 2  # each run starts once the action's transaction commits
