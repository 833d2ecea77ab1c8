"""The demo's autograder: Homework 2 of info8010-demo, with the shipped tests; loading the
demo twice attaches it once and needs no network (the environment is make run's)."""

from __future__ import annotations

import datetime as dt

import pytest

from autograder.models import GraderBundle
from demo.autograding import ENVIRONMENT, FOLDER
from demo.services import DEMO_SLUG, demo_load

pytestmark = pytest.mark.django_db


def test_homework_2_of_the_live_demo_is_autograded_once():
    demo_load(today=dt.date(2026, 11, 26))
    demo_load(today=dt.date(2026, 11, 26))
    (bundle,) = GraderBundle.objects.select_related("assignment__edition")
    assert (bundle.assignment.edition.slug, bundle.assignment.title) == (DEMO_SLUG, "Homework 2")
    assert bundle.environment == ENVIRONMENT == "info8010-demo"
    assert bundle.tests == (FOLDER / "homework2_tests.py").read_text()
    assert bundle.visibility == GraderBundle.Visibility.AT_ONCE and bundle.prefill_grade
    assert bundle.assignment.accepted_kinds == ["notebook"]
