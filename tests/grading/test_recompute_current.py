"""A recomputation with nothing changed since the last one loads no mark: the cache knows the
final grades are current (grading/services/_current.py) until a service changes an input,
the students or groups change, or a deadline passes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assignments.services import assignment_save
from grading import services, tasks
from grading.models import FinalGrade
from submissions import services as submission_services
from tests.factories import make_student
from tests.grading.conftest import SYSTEM, Course2023, grade, hand_in
from tests.submissions.conftest import pdf_upload

pytestmark = pytest.mark.django_db

BEFORE_HW2 = dt.datetime(2023, 3, 10, 12, tzinfo=dt.UTC)
AFTER_TERM = dt.datetime(2023, 7, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks, monkeypatch):
    """Each recomputation commits (the cache is told only then)."""
    recompute = services.final_grades_recompute

    def committed(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return recompute(**kwargs)

    monkeypatch.setattr(services, "final_grades_recompute", committed)


@pytest.fixture
def graded(course: Course2023):
    group, students = course.group_of("a@x.test", "b@x.test", name="Pair")
    course.complete(group, homeworks=(1,))
    services.exam_mark_set(
        actor=course.instructor, component=course.exam, student=students[0], score=D(12), via=SYSTEM
    )
    services.final_grades_recompute(edition=course.edition, now=AFTER_TERM)
    return group, students


def _recompute_reads_marks(course: Course2023, now=AFTER_TERM, **kwargs) -> bool:
    with CaptureQueriesContext(connection) as ctx:
        services.final_grades_recompute(edition=course.edition, now=now, **kwargs)
    return any("grading_exammark" in q["sql"] for q in ctx.captured_queries)


def test_nothing_changed_loads_no_mark_and_keeps_the_rows(course, graded):
    before = {f.student_id: (f.final, f.computed_at) for f in FinalGrade.objects.all()}
    with CaptureQueriesContext(connection) as ctx:
        services.final_grades_recompute(edition=course.edition, now=AFTER_TERM)
    assert not any("grading_exammark" in q["sql"] for q in ctx.captured_queries)
    assert len(ctx.captured_queries) <= 8
    assert {f.student_id: (f.final, f.computed_at) for f in FinalGrade.objects.all()} == before


def test_an_exam_mark_is_seen(course, graded):
    _, (alice, _) = graded
    services.exam_mark_set(
        actor=course.instructor, component=course.exam, student=alice, score=D(18), via=SYSTEM
    )
    assert _recompute_reads_marks(course)
    assert FinalGrade.objects.get(student=alice).breakdown["components"][0]["mark"] == "18"


def test_a_released_grade_is_seen(course, graded):
    group, _ = graded
    hand_in(course.hw2, group)  # a factory: no service told the cache
    assert not _recompute_reads_marks(course)
    grade(course.hw2, group, 15, actor=course.ta, release=True)
    assert _recompute_reads_marks(course)


def test_an_extension_is_seen(course, graded):
    group, _ = graded
    submission_services.extension_grant(
        actor=course.instructor, assignment=course.hw2, group=group, days=1
    )
    assert _recompute_reads_marks(course)


def test_a_hand_in_through_the_service_is_seen(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Pair")
    services.final_grades_recompute(edition=course.edition, now=BEFORE_HW2)
    assert not _recompute_reads_marks(course, now=BEFORE_HW2)
    with time_machine.travel(BEFORE_HW2, tick=False):
        submission_services.submission_create(
            user=alice, assignment=course.hw2, upload=pdf_upload()
        )
    assert _recompute_reads_marks(course, now=BEFORE_HW2)


def test_an_edited_assignment_is_seen(course, graded):
    course.hw2.max_score = D(10)
    assignment_save(assignment=course.hw2)
    assert _recompute_reads_marks(course)


def test_a_new_student_is_seen(course, graded):
    newcomer = make_student(course.edition, "new@x.test")
    assert _recompute_reads_marks(course)
    assert FinalGrade.objects.filter(student=newcomer).exists()


def test_a_deleted_row_is_written_again(course, graded):
    _, (alice, _) = graded
    FinalGrade.objects.filter(student=alice).delete()
    assert _recompute_reads_marks(course)
    assert FinalGrade.objects.filter(student=alice).exists()


def test_a_deadline_passing_is_seen(course):
    course.group_of("a@x.test", name="Solo")
    services.final_grades_recompute(edition=course.edition, now=BEFORE_HW2)
    assert not _recompute_reads_marks(course, now=BEFORE_HW2)
    # Homework 2 (due 20 March) is now missing rather than not recorded yet.
    assert _recompute_reads_marks(course, now=dt.datetime(2023, 3, 21, tzinfo=dt.UTC))


def test_releasing_the_final_grades_is_seen(course, graded):
    services.final_grades_release(actor=course.instructor, edition=course.edition)
    assert FinalGrade.objects.filter(released=True).count() == 2


def test_force_and_the_nightly_job_load_everything(course, graded):
    assert _recompute_reads_marks(course, force=True)
    with CaptureQueriesContext(connection) as ctx:
        tasks.recompute_all_final_grades.apply().get()
    assert any("grading_exammark" in q["sql"] for q in ctx.captured_queries)
