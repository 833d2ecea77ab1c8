"""The TA's workflow in the admin: scoping, the to-grade list, the grade form through the
services (history), actions, the scheme's validation and fixed query counts."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from grading import services
from grading.models import (
    ExamMark,
    FinalGrade,
    Grade,
    GradingScheme,
    MarkChange,
    RubricCriterion,
)
from tests.grading.conftest import SYSTEM, Course2023, grade, hand_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed(course):
    groups = []
    for i in range(3):
        group, _ = course.group_of(f"s{i}a@x.test", f"s{i}b@x.test", name=f"Group {i}")
        hand_in(course.project, group)
        groups.append(group)
    return groups


@pytest.fixture
def elsewhere(db):
    other = Course2023("elsewhere")
    group, _ = other.group_of("far@x.test", name="Faraway")
    hand_in(other.project, group)
    grade(other.project, group, 9, actor=other.ta)
    return other


def _grade_form(grade, **fields):
    data = {
        "grader": grade.grader_id or "",
        "score": "",
        "feedback": "",
        "overrides-TOTAL_FORMS": "0",
        "overrides-INITIAL_FORMS": "0",
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def test_a_ta_sees_only_the_work_of_editions_they_teach(client, course, handed, elsewhere):
    client.force_login(course.ta)
    html = client.get(reverse("admin:grading_submissiontograde_changelist")).content.decode()
    assert "Group 0" in html and "Faraway" not in html
    html = client.get(reverse("admin:grading_grade_changelist")).content.decode()
    assert "Faraway" not in html
    theirs = Grade.objects.get(group__name="Faraway")
    response = client.get(reverse("admin:grading_grade_change", args=[theirs.pk]))
    assert response.status_code == 302  # "does not exist" for them
    response = client.post(
        reverse("admin:grading_grade_change", args=[theirs.pk]), _grade_form(theirs, score="20")
    )
    theirs.refresh_from_db()
    assert theirs.score == D(9)


def test_the_to_grade_list_shows_latest_versions_file_links_and_filters(client, course, handed):
    hand_in(course.project, handed[0], version=2)
    grade(course.project, handed[1], 12, actor=course.ta)
    client.force_login(course.ta)
    url = reverse("admin:grading_submissiontograde_changelist")
    html = client.get(url).content.decode()
    latest = handed[0].submissions.get(version=2)
    assert reverse("submissions:file", args=[latest.pk]) in html
    assert reverse("submissions:file", args=[handed[0].submissions.get(version=1).pk]) not in html
    assert reverse("admin:grading_grade_add") + f"?assignment={course.project.pk}" in html
    html = client.get(url, {"grade": "none"}).content.decode()
    assert "Group 0" in html and "Group 1" not in html
    html = client.get(url, {"grade": "draft"}).content.decode()
    assert "Group 1" in html and "Group 0" not in html


def test_grading_in_the_admin_goes_through_the_service_and_is_recorded(client, course, handed):
    quality, presentation = services.rubric_set(
        assignment=course.project,
        criteria=[("quality and originality", D(14)), ("presentation", D(6))],
    )
    client.force_login(course.ta)
    add = (
        reverse("admin:grading_grade_add")
        + "?"
        + f"assignment={course.project.pk}&group={handed[0].pk}"
    )
    html = client.get(add).content.decode()
    assert "quality and originality (out of 14)" in html
    response = client.post(
        add,
        {
            "assignment": course.project.pk,
            "group": handed[0].pk,
            "grader": course.ta.pk,
            f"criterion_{quality.pk}": "11",
            f"criterion_{presentation.pk}": "5.5",
            "feedback": "Good.",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    g = Grade.objects.get(group=handed[0])
    assert (g.score, g.feedback, g.status) == (D("16.5"), "Good.", "draft")
    response = client.post(
        reverse("admin:grading_grade_change", args=[g.pk]),
        _grade_form(
            g,
            **{
                f"criterion_{quality.pk}": "12",
                f"criterion_{presentation.pk}": "5.5",
                "feedback": "Good.",
            },
        ),
    )
    assert response.status_code == 302
    history = list(MarkChange.objects.filter(kind="grade").order_by("id"))
    assert [(h.via, h.actor, h.after["score"]) for h in history] == [
        ("admin", course.ta, "16.5"),
        ("admin", course.ta, "17.5"),
    ]
    assert history[1].before["rubric"] == {"quality and originality": "11", "presentation": "5.5"}


def test_a_score_above_the_maximum_is_refused_in_the_admin_and_nothing_changes(
    client, course, handed
):
    g = grade(course.project, handed[0], 10, actor=course.ta)
    client.force_login(course.ta)
    client.post(reverse("admin:grading_grade_change", args=[g.pk]), _grade_form(g, score="25"))
    g.refresh_from_db()
    assert g.score == D(10)
    assert MarkChange.objects.filter(via="admin").count() == 0


def test_an_individual_mark_set_in_the_admin_is_recorded(client, course, handed):
    g = grade(course.project, handed[0], 14, actor=course.ta)
    member = g.submission.members.order_by("pk").first()
    client.force_login(course.instructor)
    data = _grade_form(g, score="14")
    data.update(
        {
            "overrides-TOTAL_FORMS": "1",
            "overrides-0-student": member.pk,
            "overrides-0-score": "9",
            "overrides-0-reason": "Absent from the group's work",
            "overrides-0-grade": g.pk,
        }
    )
    response = client.post(reverse("admin:grading_grade_change", args=[g.pk]), data)
    assert response.status_code == 302
    change = MarkChange.objects.get(kind="override")
    assert (change.via, change.actor, change.after["score"]) == ("admin", course.instructor, "9")


def test_exam_marks_entered_in_the_admin_are_recorded(client, course, handed):
    student = handed[0].members.order_by("pk").first()
    client.force_login(course.instructor)
    response = client.post(
        reverse("admin:grading_exammark_add"),
        {"component": course.exam.pk, "student": student.pk, "score": "13.5"},
    )
    assert response.status_code == 302
    mark = ExamMark.objects.get()
    assert mark.score == D("13.5") and mark.edition == course.edition
    assert MarkChange.objects.get(kind="exam").via == "admin"


def test_actions_spread_release_and_recompute(
    client, course, handed, django_capture_on_commit_callbacks, mailoutbox
):
    from courses.models import Membership
    from tests.factories import MembershipFactory, UserFactory

    ta2 = UserFactory(email="ta2@x.test", is_staff=True)
    MembershipFactory(edition=course.edition, user=ta2, role=Membership.Role.TA)
    client.force_login(course.instructor)
    url = reverse("admin:grading_submissiontograde_changelist")
    ids = [s.pk for g in handed for s in g.submissions.all()]
    client.post(url, {"action": "spread_evenly", "_selected_action": ids})
    graders = list(Grade.objects.values_list("grader__email", flat=True))
    assert sorted(graders).count("ta2@x.test") in (1, 2) and len(graders) == 3
    for g in handed:
        grade(course.project, g, 11, actor=course.ta)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "release_assignments", "_selected_action": ids[:1]})
    assert Grade.objects.filter(status="released").count() == 3
    assert len(mailoutbox) == 3
    assert FinalGrade.objects.count() == 6
    FinalGrade.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):  # queued once the action commits
        client.post(url, {"action": "recompute_from_assignments", "_selected_action": ids[:1]})
    assert FinalGrade.objects.count() == 6


def test_the_scheme_admin_refuses_an_invalid_scheme_with_the_engines_words(client, course):
    client.force_login(course.instructor)
    scheme = GradingScheme.objects.get(edition=course.edition)
    components = list(scheme.components.order_by("position"))
    data = {"edition": course.edition.pk, "scale": "20", "rounding_step": "0.5"}
    prefix = "components"
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(components)),
            f"{prefix}-INITIAL_FORMS": str(len(components)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    for i, c in enumerate(components):
        data.update(
            {
                f"{prefix}-{i}-id": c.pk,
                f"{prefix}-{i}-scheme": scheme.pk,
                f"{prefix}-{i}-position": c.position,
                f"{prefix}-{i}-key": c.key,
                f"{prefix}-{i}-name": c.name,
                f"{prefix}-{i}-weight": str(c.weight + (10 if c.key == "project" else 0)),
                f"{prefix}-{i}-kind": c.kind,
                f"{prefix}-{i}-assignment": c.assignment_id or "",
                f"{prefix}-{i}-transfer_to": c.transfer_to_id or "",
                f"{prefix}-{i}-max_mark": "20",
            }
        )
        if c.optional:
            data[f"{prefix}-{i}-optional"] = "on"
        if c.mandatory_for_admission:
            data[f"{prefix}-{i}-mandatory_for_admission"] = "on"
    response = client.post(reverse("admin:grading_gradingscheme_change", args=[scheme.pk]), data)
    assert response.status_code == 200
    assert "The weights add up to 110%, not 100%." in response.content.decode()
    assert scheme.components.get(key="project").weight == D(30)
    data[f"{prefix}-4-weight"] = "30"
    response = client.post(reverse("admin:grading_gradingscheme_change", args=[scheme.pk]), data)
    assert response.status_code == 302


@pytest.mark.parametrize(
    "name",
    ["submissiontograde", "grade", "exammark", "finalgrade", "markchange", "gradingscheme"],
)
def test_admin_lists_run_a_fixed_number_of_queries(
    client, course, name, django_assert_max_num_queries
):
    client.force_login(course.ta)
    url = reverse(f"admin:grading_{name}_changelist")

    def grow(n):
        for i in range(n):
            group, students = course.group_of(f"{name}{n}-{i}@x.test", name=f"{name}{n}-{i}")
            hand_in(course.project, group)
            grade(course.project, group, 10, actor=course.ta)
            services.exam_mark_set(
                actor=course.ta, component=course.exam, student=students[0], score=10, via=SYSTEM
            )
        services.final_grades_recompute(edition=course.edition)

    grow(1)
    with django_assert_max_num_queries(20) as small:
        assert client.get(url).status_code == 200
    grow(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def _criterion_form(course, name, maximum, position=0):
    return {
        "assignment": course.project.pk,
        "name": name,
        "max_points": str(maximum),
        "position": str(position),
    }


def test_rubric_criteria_are_added_in_the_admin_up_to_the_max_score(client, course):
    client.force_login(course.instructor)
    add = reverse("admin:grading_rubriccriterion_add")

    first = client.post(add, _criterion_form(course, "method", 12), follow=True)
    over = client.post(add, _criterion_form(course, "report", 9, 1))
    last = client.post(add, _criterion_form(course, "report", 8, 1), follow=True)

    assert "add up to 12 of 20: add criteria until they reach it" in first.content.decode()
    assert over.status_code == 200  # the form again, with the reason
    assert "would add up to 21, more than the assignment&#x27;s max score 20" in (
        over.content.decode()
    )
    assert "add criteria" not in last.content.decode()
    assert [(c.name, c.max_points) for c in RubricCriterion.objects.order_by("position")] == [
        ("method", D(12)),
        ("report", D(8)),
    ]


def test_a_rubric_in_use_cannot_change_or_lose_a_criterion_in_the_admin(client, course, handed):
    method, report = services.rubric_set(
        assignment=course.project, criteria=[("method", D(12)), ("report", D(8))]
    )
    services.grade_save(
        actor=course.ta,
        assignment=course.project,
        group=handed[0],
        rubric={method.pk: D(10), report.pk: D(7)},
        via=SYSTEM,
    )
    client.force_login(course.instructor)

    edit = client.post(
        reverse("admin:grading_rubriccriterion_change", args=[report.pk]),
        _criterion_form(course, "report", 4, 1),
    )
    delete = client.post(
        reverse("admin:grading_rubriccriterion_delete", args=[report.pk]), {"post": "yes"}
    )
    bulk = client.post(
        reverse("admin:grading_rubriccriterion_changelist"),
        {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"},
    )

    assert "Grades already use this rubric" in edit.content.decode()
    assert delete.status_code == 403
    assert bulk.status_code == 403
    report.refresh_from_db()
    assert report.max_points == D(8)
    assert RubricCriterion.objects.filter(assignment=course.project).count() == 2


def test_a_scheme_saved_in_the_admin_goes_through_the_scheme_service(
    client, course, after_term, django_capture_on_commit_callbacks, monkeypatch
):
    """The admin saves the scheme whole with services.scheme_set: its rules fire — the
    final grades are recomputed after commit, and an exam component whose key is renamed
    keeps its marks (the service matches it by id)."""
    import time_machine

    from tests.admin_forms import submit

    group, (alice, _) = course.group_of("a@x.test", "b@x.test", name="Admin scheme")
    course.complete(group)
    services.exam_mark_set(
        actor=course.instructor, component=course.exam, student=alice, score=D(16), via=SYSTEM
    )
    with time_machine.travel(after_term, tick=False):
        services.final_grades_recompute(edition=course.edition)
    before = FinalGrade.objects.get(student=alice).breakdown
    scheme = GradingScheme.objects.get(edition=course.edition)
    rows = {c.key: i for i, c in enumerate(scheme.components.order_by("position", "id"))}
    calls = []
    scheme_set = services.scheme_set
    monkeypatch.setattr(
        services, "scheme_set", lambda **kwargs: calls.append(kwargs) or scheme_set(**kwargs)
    )
    client.force_login(course.instructor)
    url = reverse("admin:grading_gradingscheme_change", args=[scheme.pk])
    with time_machine.travel(after_term, tick=False):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = submit(
                client,
                url,
                **{
                    f"components-{rows['oral_exam']}-key": "oral",
                    f"components-{rows['oral_exam']}-weight": "45",
                    f"components-{rows['project']}-weight": "35",
                },
            )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [c["actor"] for c in calls] == [course.instructor]
    assert callbacks, "the service queues the recomputation on commit"
    weights = {c.key: c.weight for c in scheme.components.all()}
    assert weights["oral"] == D(45) and weights["project"] == D(35)
    assert ExamMark.objects.get(student=alice).component.key == "oral"  # the mark stayed
    after = FinalGrade.objects.get(student=alice).breakdown
    assert after != before
    assert {c["key"]: c["weight"] for c in after["components"]}["oral"] == "45"
