"""Fixtures of the autograder's tests: the environment the sandbox uses (built once, from the
demo's requirements, and kept under var/), notebooks, and an autograded assignment."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from autograder import environments, sandbox
from autograder.models import GraderBundle
from autograder.services import bundle_save
from tests.factories import AssignmentFactory
from tests.submissions.conftest import (  # noqa: F401 — fixtures used here
    alice,
    bob,
    carol,
    edition,
    group,
    other_group,
    ta,
)

ROOT = Path(__file__).resolve().parent.parent.parent
DEMO = ROOT / "demo" / "autograder"
ENV_NAME = "test-numpy"


def notebook(*sources: str) -> bytes:
    """A notebook of code cells."""
    cells = [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
         "outputs": [], "source": source}
        for i, source in enumerate(sources)
    ]  # fmt: skip
    return json.dumps(
        {
            "cells": cells,
            "metadata": {
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
            "nbformat": 4,
            "nbformat_minor": 5,
        }  # fmt: skip
    ).encode()


@pytest.fixture(scope="session")
def ag_env(django_db_blocker) -> Path:
    """The sandbox's environment (numpy, ipykernel, nbclient); built on first use."""
    with django_db_blocker.unblock():
        if not environments.env_ready(ENV_NAME):
            environments.env_create(ENV_NAME, requirements=DEMO / "requirements.txt")
        return environments.env_get(ENV_NAME)


@pytest.fixture
def demo_tests() -> str:
    return (DEMO / "homework2_tests.py").read_text()


@pytest.fixture
def solution() -> bytes:
    return (DEMO / "homework2-solution.ipynb").read_bytes()


@pytest.fixture
def starter() -> bytes:
    return (DEMO / "homework2-starter.ipynb").read_bytes()


@pytest.fixture
def limits() -> sandbox.Limits:
    return sandbox.Limits(wall_seconds=60, cpu_seconds=30, memory_mb=1024, output_kb=64)


@pytest.fixture
def notebook_homework(edition):  # noqa: F811 — the fixture imported above
    """Homework 2, open for a month: notebooks only."""
    return AssignmentFactory(
        edition=edition,
        title="Homework 2",
        due_date=timezone.localdate() + dt.timedelta(days=30),
        min_group_size=2,
        max_group_size=3,
        accepted_kinds=["notebook"],
    )


@pytest.fixture
def bundle(notebook_homework, demo_tests, ag_env) -> GraderBundle:
    return bundle_save(
        bundle=GraderBundle(
            assignment=notebook_homework, tests=demo_tests, environment=ENV_NAME,
            wall_seconds=60, cpu_seconds=30,
        )
    )  # fmt: skip
