"""The recomputation: a fixed number of queries, stored results, the Celery task and beat."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grading import services, tasks
from grading.models import FinalGrade
from tests.grading.conftest import SYSTEM, Course2023

pytestmark = pytest.mark.django_db

MAX_QUERIES = 17


def _populate(course: Course2023, n_groups: int) -> None:
    """n_groups groups of 3 with every kind of situation, graded, released and examined."""
    for i in range(n_groups):
        group, students = course.group_of(
            *[f"s{i}-{k}@{course.edition.slug}.test" for k in range(3)], name=f"G{i}"
        )
        course.complete(group, homeworks=[(), (1,), (1, 2)][i % 3], reading=i % 4 != 3)
        for k, student in enumerate(students):
            services.exam_mark_set(
                actor=course.instructor,
                component=course.exam,
                student=student,
                score=D(10 + k) if k < 2 else None,
                via=SYSTEM,
            )


def _count(course) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.final_grades_recompute(edition=course.edition)
    return len(ctx.captured_queries)


def test_recompute_runs_the_same_number_of_queries_for_1_and_30_students(
    django_assert_max_num_queries,
):
    small, large = Course2023("small"), Course2023("large")
    course = small
    group, _ = course.group_of("only@small.test", name="Solo")
    course.complete(group)
    _populate(large, 10)  # 30 students
    one, thirty = _count(small), _count(large)
    assert FinalGrade.objects.count() == 1 + 30
    assert one == thirty
    with django_assert_max_num_queries(MAX_QUERIES):
        services.final_grades_recompute(edition=large.edition)


def test_recompute_stores_what_the_engine_computes_and_updates_in_place(course):
    _populate(course, 3)
    services.final_grades_recompute(edition=course.edition)
    ids = set(FinalGrade.objects.values_list("pk", flat=True))
    services.final_grades_recompute(edition=course.edition)
    assert set(FinalGrade.objects.values_list("pk", flat=True)) == ids  # upserted, not recreated
    none_hw = FinalGrade.objects.get(student__email="s0-0@info8010-grading.test")
    # 10/20 on the exam's 50%, 14/20 on the other 50% (reading 10 + project 40): 5 + 7
    assert (none_hw.final, none_hw.unrounded, none_hw.admitted) == (D("12.0"), D(12), True)
    absent = FinalGrade.objects.get(student__email="s0-2@info8010-grading.test")
    assert absent.final == D("7.0")  # the exam not sat counts 0
    assert absent.breakdown["components"][0]["handed_in"] is False


def test_the_task_recomputes_by_id_and_beat_runs_it_nightly(course):
    group, (alice,) = course.group_of("a@x.test", name="Task")
    FinalGrade.objects.all().delete()
    assert tasks.recompute_final_grades.apply(args=[course.edition.pk]).get() == 1
    assert FinalGrade.objects.filter(student=alice).exists()
    assert tasks.recompute_final_grades.apply(args=[0]).get() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["recompute-final-grades"]
    assert entry["task"] == "grading.tasks.recompute_all_final_grades"
    assert tasks.recompute_all_final_grades.apply().get() == 1


def test_stored_rows_are_exactly_the_engines_results_whatever_the_names(course):
    """On PostgreSQL the rows are streamed with COPY: text with backslashes, tabs, line
    breaks, quotes and accents must come back as the engine wrote it."""
    from grading import engine, selectors
    from grading.models import SchemeComponent

    weird = 'Projet "final" \\ partie\t1\nsuite — été'
    SchemeComponent.objects.filter(scheme__edition=course.edition, key="project").update(name=weird)
    _populate(course, 3)
    FinalGrade.objects.create(  # a stale row of a student still enrolled: updated in place
        edition=course.edition,
        student=course.group_of("late@x.test", name="Late")[1][0],
        computed_at="2023-01-01T00:00:00Z",
        inputs_digest="stale",
    )

    services.final_grades_recompute(edition=course.edition)

    loaded = selectors.scheme_load(edition=course.edition)
    marks = selectors.marks_for_students(loaded=loaded)
    stored = {f.student_id: f for f in FinalGrade.objects.filter(edition=course.edition)}
    assert set(stored) == set(marks)
    for student_id, mine in marks.items():
        outcome = selectors.compute_safely(loaded.engine, mine)
        assert not isinstance(outcome, list)
        row = stored[student_id]
        assert row.breakdown == engine.result_as_dict(outcome)
        assert row.reasons == list(outcome.reasons)
        assert (row.final, row.unrounded, row.provisional, row.admitted) == (
            outcome.final,
            outcome.unrounded,
            outcome.provisional,
            outcome.admitted,
        )
        assert row.breakdown["components"][-1]["name"] == weird
        assert row.inputs_digest != "stale"
