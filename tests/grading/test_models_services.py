"""Grades, overrides, exam marks, releases, the scheme and the mapping to the engine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from grading import engine, selectors, services
from grading.models import ExamMark, FinalGrade, Grade, GradeOverride, MarkChange, RubricScore
from tests.grading.conftest import SYSTEM, grade, hand_in

pytestmark = pytest.mark.django_db


def _weights(course, student):
    final = FinalGrade.objects.get(edition=course.edition, student=student)
    return {c["key"]: D(c["weight_used"]) for c in final.breakdown["components"]}, final


def _exam(course, student, score):
    services.exam_mark_set(
        actor=course.instructor, component=course.exam, student=student, score=score, via=SYSTEM
    )


def test_both_homeworks_keep_the_syllabus_weights(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Both")
    course.complete(group, homeworks=(1, 2))
    _exam(course, alice, D(14))
    services.final_grades_recompute(edition=course.edition)
    weights, final = _weights(course, alice)
    assert weights == {
        "oral_exam": 50,
        "reading_report": 10,
        "homework_1": 5,
        "homework_2": 5,
        "project": 30,
    }
    assert final.final == D("14.0") and final.admitted


def test_no_homework_moves_both_fives_to_the_project(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="None")
    course.complete(group, homeworks=())
    services.final_grades_recompute(edition=course.edition)
    weights, final = _weights(course, alice)
    assert weights == {
        "oral_exam": 50,
        "reading_report": 10,
        "homework_1": 0,
        "homework_2": 0,
        "project": 40,
    }
    assert "Homework 1 not handed in: its 5% moved to Project." in final.reasons


def test_one_homework_moves_the_other_five_to_the_project(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="One")
    course.complete(group, homeworks=(1,))
    services.final_grades_recompute(edition=course.edition)
    weights, _ = _weights(course, alice)
    assert weights == {
        "oral_exam": 50,
        "reading_report": 10,
        "homework_1": 5,
        "homework_2": 0,
        "project": 35,
    }


def test_a_missing_reading_report_refuses_admission_with_the_reason(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="NoReading")
    course.complete(group, reading=False)
    services.final_grades_recompute(edition=course.edition)
    _, final = _weights(course, alice)
    assert final.admitted is False
    assert final.breakdown["admission_reasons"] == [
        "Reading report not handed in: it is mandatory for exam admission."
    ]


def test_before_the_deadline_missing_work_is_pending_not_missed(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Early")
    loaded = selectors.scheme_load(edition=course.edition)
    before = course.hw2.due_at - dt.timedelta(microseconds=1)
    marks = selectors.marks_for_students(loaded=loaded, student_ids=[alice.pk], now=before)
    assert marks[alice.pk]["homework_1"].handed_in is False  # its deadline has passed
    assert "homework_2" not in marks[alice.pk]  # nothing recorded yet
    at = course.hw2.due_at
    marks = selectors.marks_for_students(loaded=loaded, student_ids=[alice.pk], now=at)
    assert marks[alice.pk]["homework_2"].handed_in is False


def test_an_extension_keeps_the_work_pending(course):
    from submissions.models import Extension

    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Extended")
    Extension.objects.create(assignment=course.hw2, group=group, days=2)
    loaded = selectors.scheme_load(edition=course.edition)
    at = course.hw2.due_at + dt.timedelta(days=1)
    marks = selectors.marks_for_students(loaded=loaded, student_ids=[alice.pk], now=at)
    assert "homework_2" not in marks[alice.pk]


def test_draft_grades_do_not_count_and_released_ones_do(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Drafts")
    hand_in(course.project, group)
    grade(course.project, group, 16, actor=course.ta)
    loaded = selectors.scheme_load(edition=course.edition)
    marks = selectors.marks_for_students(loaded=loaded, student_ids=[alice.pk])
    assert marks[alice.pk]["project"].handed_in and marks[alice.pk]["project"].mark is None
    services.grade_release(actor=course.ta, assignment=course.project, via=SYSTEM)
    marks = selectors.marks_for_students(loaded=loaded, student_ids=[alice.pk])
    assert marks[alice.pk]["project"].mark == D(16)


def test_the_group_grade_counts_for_the_members_of_the_version_graded(course):
    group, (alice, bob) = course.group_of("a@x.test", "b@x.test", name="Changed")
    hand_in(course.project, group, members=[alice])
    grade(course.project, group, 12, actor=course.ta, release=True)
    loaded = selectors.scheme_load(edition=course.edition)
    marks = selectors.marks_for_students(loaded=loaded, student_ids=[alice.pk, bob.pk])
    assert marks[alice.pk]["project"].mark == D(12)
    assert marks[bob.pk]["project"].handed_in is False


def test_an_override_replaces_the_group_mark_for_one_member(course):
    group, (alice, bob) = course.group_of("a@x.test", "b@x.test", name="Override")
    hand_in(course.project, group)
    g = grade(course.project, group, 15, actor=course.ta, release=True)
    services.grade_override_set(
        actor=course.instructor,
        grade=g,
        student=bob,
        score=D(8),
        reason="Did not take part",
        via=SYSTEM,
    )
    loaded = selectors.scheme_load(edition=course.edition)
    marks = selectors.marks_for_students(loaded=loaded, student_ids=[alice.pk, bob.pk])
    assert marks[alice.pk]["project"].mark == D(15)
    assert marks[bob.pk]["project"].mark == D(8)
    with pytest.raises(ValidationError):
        services.grade_override_set(
            actor=course.instructor, grade=g, student=bob, score=D(9), reason=" ", via=SYSTEM
        )
    services.grade_override_set(
        actor=course.instructor, grade=g, student=bob, score=None, via=SYSTEM
    )
    assert not GradeOverride.objects.exists()
    assert MarkChange.objects.filter(kind="override").count() == 2


def test_scores_outside_the_maximum_are_refused(course):
    group, _ = course.group_of("a@x.test", "b@x.test", name="Bounds")
    hand_in(course.project, group)
    with pytest.raises(ValidationError, match="outside"):
        grade(course.project, group, "20.01", actor=course.ta)
    with pytest.raises(ValidationError, match="outside"):
        grade(course.project, group, -1, actor=course.ta)
    grade(course.project, group, 20, actor=course.ta)


def test_grading_work_not_handed_in_is_refused(course):
    group, _ = course.group_of("a@x.test", "b@x.test", name="Nothing")
    with pytest.raises(ValidationError, match="handed in nothing"):
        grade(course.project, group, 10, actor=course.ta)


def test_the_grade_points_at_the_latest_version(course):
    group, _ = course.group_of("a@x.test", "b@x.test", name="Versions")
    hand_in(course.project, group, version=1)
    latest = hand_in(course.project, group, version=2)
    assert grade(course.project, group, 10, actor=course.ta).submission == latest


def test_with_a_rubric_the_score_is_the_sum_of_the_points(course):
    quality, presentation = services.rubric_set(
        assignment=course.project,
        criteria=[("quality and originality", D(14)), ("presentation", D(6))],
    )
    group, _ = course.group_of("a@x.test", "b@x.test", name="Rubric")
    hand_in(course.project, group)
    g = services.grade_save(
        actor=course.ta,
        assignment=course.project,
        group=group,
        rubric={quality.pk: D("11.5")},
        via=SYSTEM,
    )
    assert g.score is None  # not every criterion marked yet
    g = services.grade_save(
        actor=course.ta,
        assignment=course.project,
        group=group,
        rubric={presentation.pk: D(5)},
        via=SYSTEM,
    )
    assert g.score == D("16.5")
    assert RubricScore.objects.filter(grade=g).count() == 2
    with pytest.raises(ValidationError, match="outside"):
        services.grade_save(
            actor=course.ta,
            assignment=course.project,
            group=group,
            rubric={presentation.pk: D(7)},
            via=SYSTEM,
        )
    with pytest.raises(ValidationError, match="sum"):
        services.grade_save(
            actor=course.ta, assignment=course.project, group=group, score=D(12), via=SYSTEM
        )


def test_a_rubric_must_add_up_to_the_max_score(course):
    with pytest.raises(ValidationError, match="add up"):
        services.rubric_set(assignment=course.project, criteria=[("a", D(10)), ("b", D(5))])


def test_every_grade_change_is_recorded_with_before_and_after(course):
    group, _ = course.group_of("a@x.test", "b@x.test", name="History")
    hand_in(course.reading, group)
    grade(course.reading, group, 10, actor=course.ta)
    grade(course.reading, group, 10, actor=course.ta)  # no change, no row
    grade(course.reading, group, 12, actor=course.ta)
    services.grade_release(actor=course.ta, assignment=course.reading, via=SYSTEM)
    rows = list(MarkChange.objects.filter(kind="grade").order_by("id"))
    assert [(r.before and r.before.get("score"), r.after.get("score")) for r in rows[:2]] == [
        (None, "10"),
        ("10", "12"),
    ]
    assert rows[2].before == {"status": "draft"} and rows[2].after == {"status": "released"}
    assert len(rows) == 3 and all(r.actor == course.ta for r in rows)


def test_release_enqueues_emails_and_recomputation_on_commit(
    course, django_capture_on_commit_callbacks, mailoutbox
):
    group, (alice, bob) = course.group_of("a@x.test", "b@x.test", name="Mail")
    hand_in(course.project, group)
    grade(course.project, group, 13, actor=course.ta)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.grade_release(actor=course.ta, assignment=course.project, via=SYSTEM)
    assert report.released == 1
    # e-mails, recomputation, and the groups' generations replaced again after commit
    assert mailoutbox == [] and len(callbacks) == 3
    assert not FinalGrade.objects.exists()
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["a@x.test", "b@x.test"]
    assert "13" not in mailoutbox[0].body  # the mark is on the page, behind the login
    assert FinalGrade.objects.filter(student=alice).exists()
    # A second release sends nothing again.
    services.grade_released_emails_send(assignment_id=course.project.pk)
    assert len(mailoutbox) == 1


def test_release_skips_ungraded_work_and_reports_it(course):
    g1, _ = course.group_of("a@x.test", "b@x.test", name="G1")
    g2, _ = course.group_of("c@x.test", "d@x.test", name="G2")
    hand_in(course.project, g1)
    hand_in(course.project, g2)
    grade(course.project, g1, 11, actor=course.ta)
    report = services.grade_release(actor=course.ta, assignment=course.project, via=SYSTEM)
    assert (report.released, report.not_graded) == (1, 1)


def test_a_released_grade_needs_a_score_in_the_database(course):
    group, _ = course.group_of("a@x.test", "b@x.test", name="Constraint")
    submission = hand_in(course.project, group)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grade.objects.create(
            assignment=course.project, group=group, submission=submission, status="released"
        )


def test_assign_evenly_balances_ungraded_work_over_the_tas(course):
    from courses.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    ta2 = UserFactory(email="ta2@x.test", is_staff=True)
    MembershipFactory(edition=course.edition, user=ta2, role=Membership.Role.TA)
    groups = [course.group_of(f"s{i}@x.test", name=f"G{i}")[0] for i in range(5)]
    for group in groups:
        hand_in(course.project, group)
    grade(course.project, groups[0], 12, actor=course.ta)  # graded: not reassigned
    assigned = services.grades_assign_evenly(
        actor=course.instructor, edition=course.edition, assignments=[course.project]
    )
    assert assigned == 4
    loads = sorted(
        Grade.objects.filter(assignment=course.project, grader__isnull=False).values_list(
            "grader__email", flat=True
        )
    )
    assert loads.count("ta2@x.test") == 2 and loads.count(course.ta.email) == 2
    assert (
        services.grades_assign_evenly(
            actor=course.instructor, edition=course.edition, assignments=[course.project]
        )
        == 0
    )


def test_exam_marks_are_bounded_and_absence_counts_as_not_sat(course):
    group, (alice, bob) = course.group_of("a@x.test", "b@x.test", name="Exam")
    course.complete(group)
    with pytest.raises(ValidationError, match="outside"):
        _exam(course, alice, D(21))
    _exam(course, alice, None)
    _exam(course, bob, D("12.5"))
    services.final_grades_recompute(edition=course.edition)
    absent = FinalGrade.objects.get(student=alice)
    assert absent.breakdown["components"][0]["handed_in"] is False
    assert absent.final == D("7.0")  # 14/20 on the 50% handed in
    assert FinalGrade.objects.get(student=bob).final == D("13.5")  # 13.25 rounds up
    assert ExamMark.objects.count() == 2


def test_the_scheme_is_validated_by_the_engine(course):
    spec = services.ComponentSpec
    with pytest.raises(ValidationError) as caught:
        services.scheme_set(
            actor=course.instructor,
            edition=course.edition,
            components=[
                spec("exam", "Exam", D(60), kind="exam"),
                spec("hw", "HW", D(30), assignment=course.hw1, optional=True, transfer_to="x"),
            ],
        )
    messages = caught.value.messages
    assert "The weights add up to 90%, not 100%." in messages
    assert any("'x', which is not a component" in m for m in messages)
    with pytest.raises(ValidationError, match="cycle"):
        services.scheme_set(
            actor=course.instructor,
            edition=course.edition,
            components=[
                spec("a", "A", D(50), assignment=course.hw1, optional=True, transfer_to="b"),
                spec("b", "B", D(50), assignment=course.hw2, optional=True, transfer_to="a"),
            ],
        )
    # Nothing changed.
    assert engine.validate_scheme(selectors.scheme_load(edition=course.edition).engine) == []
    assert course.scheme.components.count() == 5


def test_recompute_after_unenrolment_drops_the_final_grade(course):
    from courses.models import Membership

    group, (alice, bob) = course.group_of("a@x.test", "b@x.test", name="Leave")
    services.final_grades_recompute(edition=course.edition)
    assert FinalGrade.objects.count() == 2
    Membership.objects.filter(user=bob).delete()
    services.final_grades_recompute(edition=course.edition)
    assert list(FinalGrade.objects.values_list("student", flat=True)) == [alice.pk]


def test_final_release_makes_exam_marks_visible_to_the_student(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Final")
    course.complete(group)
    _exam(course, alice, D(16))
    view = selectors.student_view(edition=course.edition, student=alice)
    assert "oral_exam" not in view.marks and view.result.final is None
    services.final_grades_release(actor=course.instructor, edition=course.edition)
    view = selectors.student_view(edition=course.edition, student=alice)
    assert view.result.final == D("15.0")
    assert FinalGrade.objects.get(student=alice).released


@time_machine.travel(dt.datetime(2023, 3, 10, 12, tzinfo=dt.UTC), tick=False)
def test_mid_term_a_student_sees_a_provisional_grade(course):
    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Mid")
    hand_in(course.hw1, group)
    grade(course.hw1, group, 18, actor=course.ta, release=True)
    view = selectors.student_view(edition=course.edition, student=alice)
    assert view.result.final is None
    assert view.result.provisional == D(18)


@pytest.mark.django_db
def test_migrate_gives_staff_groups_the_permissions_to_grade():
    from django.contrib.auth.models import Group

    ta_perms = set(
        Group.objects.get(name="Teaching assistants").permissions.values_list("codename", flat=True)
    )
    assert {"view_submissiontograde", "change_grade", "add_extension"} <= ta_perms
    assert "delete_edition" not in ta_perms
    instructor_perms = set(
        Group.objects.get(name="Instructors").permissions.values_list("codename", flat=True)
    )
    assert {"change_edition", "change_gradingscheme", "add_exammark"} <= instructor_perms
