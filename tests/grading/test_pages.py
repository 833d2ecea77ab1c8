"""Student and staff grade pages, the what-if simulator, the CSV export and import."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from grading import services
from grading.models import ExamMark, MarkChange
from tests.grading.conftest import SYSTEM, grade, hand_in

pytestmark = pytest.mark.django_db

SECRET_SCORE = "17.25"
SECRET_FEEDBACK = "DRAFT-FEEDBACK-NOT-FOR-STUDENTS"
SECRET_EXAM = "19.75"


@pytest.fixture
def term(course):
    """Alice and Bob: reading report, project and homework 1 released; homework 2 never
    handed in. A draft grade (not released) on a late extra hand-in and an exam mark exist."""
    group, (alice, bob) = course.group_of(
        "alice@x.test", "bob@x.test", name="Titans", student_ids=["s1", "s2"]
    )
    quality, presentation = services.rubric_set(
        assignment=course.project,
        criteria=[("quality and originality", D(14)), ("presentation", D(6))],
    )
    for assignment in (course.reading, course.hw1):
        hand_in(assignment, group)
        grade(assignment, group, 15, actor=course.ta)
    hand_in(course.project, group)
    services.grade_save(
        actor=course.ta,
        assignment=course.project,
        group=group,
        rubric={quality.pk: D(12), presentation.pk: D(4)},
        feedback="Clear report, original idea.",
        via=SYSTEM,
    )
    for assignment in (course.reading, course.hw1, course.project):
        services.grade_release(actor=course.ta, assignment=assignment, via=SYSTEM)
    # Carol's group: the reading report is missing; a draft project grade.
    other, (carol,) = course.group_of("carol@x.test", name="Late", student_ids=["s3"])
    hand_in(course.project, other)
    services.grade_save(
        actor=course.ta,
        assignment=course.project,
        group=other,
        rubric={quality.pk: D("13.25"), presentation.pk: D(4)},
        feedback=SECRET_FEEDBACK,
        via=SYSTEM,
    )
    services.exam_mark_set(
        actor=course.instructor, component=course.exam, student=carol, score=SECRET_EXAM, via=SYSTEM
    )
    services.final_grades_recompute(edition=course.edition)
    return {"alice": alice, "bob": bob, "carol": carol, "group": group}


def _mine(course):
    return reverse("grading:mine", args=[course.edition.slug])


def test_a_student_sees_released_grades_rubric_feedback_and_the_breakdown(client, course, term):
    client.force_login(term["alice"])
    html = client.get(_mine(course)).content.decode()
    assert "Project: 16 / 20" in html
    assert "quality and originality" in html and "12 / 14" in html
    assert "Clear report, original idea." in html
    assert "Homework 2 not handed in: its 5% moved to Project." in html
    assert "Admitted to the exam." in html
    assert "Oral exam" in html and "nothing recorded yet" in html
    assert "provisional" in html


def test_a_student_without_the_reading_report_is_told_why_not_admitted(client, course, term):
    client.force_login(term["carol"])
    html = client.get(_mine(course)).content.decode()
    assert "Not admitted to the exam." in html
    assert "Reading report not handed in: it is mandatory for exam admission." in html


def test_the_what_if_simulator_computes_with_the_same_engine(client, course, term):
    client.force_login(term["alice"])
    html = client.get(_mine(course), {"mark_oral_exam": "12"}).content.decode()
    # 12/20 × 50% + (15×10 + 15×5 + 16×35)/20 × 20/100 = 6 + 7.85 = 13.85 → 14.0
    assert "Simulated result" in html
    assert "Final grade: 14 / 20" in html
    response = client.get(_mine(course), {"mark_oral_exam": "25"})
    assert "Simulated result" not in response.content.decode()
    assert "less than or equal to 20" in response.content.decode()


def _student_surfaces(client, course, student):
    client.force_login(student)
    api = APIClient()
    api.force_authenticate(student)
    slug = course.edition.slug
    bodies = [
        client.get(_mine(course)).content.decode(),
        client.get(_mine(course), {"mark_oral_exam": "10"}).content.decode(),
        client.get(reverse("submissions:dashboard", args=[slug])).content.decode(),
        api.get(reverse("grading-api:my-grades")).content.decode(),
    ]
    for name in ("staff", "export", "exam-import"):
        response = client.get(reverse(f"grading:{name}", args=[slug]))
        assert response.status_code == 404
        bodies.append(response.content.decode())
    response = api.get(reverse("grading-api:edition-grades", args=[slug]))
    assert response.status_code == 404
    bodies.append(response.content.decode())
    return "\n".join(bodies)


def test_unreleased_marks_are_visible_to_no_student_anywhere(client, course, term):
    for who in ("alice", "bob", "carol"):
        everything = _student_surfaces(client, course, term[who])
        assert SECRET_FEEDBACK not in everything
        assert SECRET_SCORE not in everything and "17.25" not in everything
        assert SECRET_EXAM not in everything
    # Carol's project is handed in but its grade is a draft: "not graded yet" for her.
    client.force_login(term["carol"])
    html = client.get(_mine(course)).content.decode()
    assert "not graded yet" in html and "No grade has been released yet." in html


def test_released_exam_marks_appear_only_after_the_final_release(client, course, term):
    services.final_grades_release(actor=course.instructor, edition=course.edition)
    client.force_login(term["carol"])
    assert "19.75 / 20" in client.get(_mine(course)).content.decode()


def test_staff_table_labels_drafts_and_charts_distributions(client, course, term):
    client.force_login(course.ta)
    html = client.get(reverse("grading:staff", args=[course.edition.slug])).content.decode()
    assert 'class="badge draft">draft' in html
    assert "17.25 / 20" in html  # staff see the draft, labelled
    assert "Final grade" in html and "Distributions" in html
    assert 'class="bar"' in html
    assert "Reading report not handed in: it is mandatory for exam admission." in html


def test_staff_pages_run_a_fixed_number_of_queries(
    client, course, term, django_assert_max_num_queries
):
    client.force_login(course.ta)
    url = reverse("grading:staff", args=[course.edition.slug])
    with django_assert_max_num_queries(12):
        client.get(url)
    for i in range(5):
        group, _ = course.group_of(f"more{i}@x.test", f"more{i}b@x.test", name=f"More {i}")
        for assignment in (course.reading, course.hw1):
            hand_in(assignment, group)
            grade(assignment, group, 10 + i, actor=course.ta, release=True)
    services.final_grades_recompute(edition=course.edition)
    with django_assert_max_num_queries(12):
        client.get(url)
    with django_assert_max_num_queries(10):
        client.get(reverse("grading:export", args=[course.edition.slug]))
    client.force_login(term["alice"])
    with django_assert_max_num_queries(22):
        client.get(_mine(course))


def test_csv_export_has_one_line_per_student_with_components_final_and_admission(
    client, course, term
):
    client.force_login(course.instructor)
    response = client.get(reverse("grading:export", args=[course.edition.slug]))
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "student_id",
        "name",
        "email",
        "Oral exam",
        "Reading report",
        "Homework 1",
        "Homework 2",
        "Project",
        "final",
        "admitted",
    ]
    by_email = {r[2]: r for r in rows[1:]}
    assert by_email["alice@x.test"][3:] == [
        "pending",
        "15",
        "15",
        "not handed in",
        "16",
        "",
        "yes",
    ]
    carol = by_email["carol@x.test"]
    assert carol[0] == "s3" and carol[4] == "not handed in" and carol[-1] == "no"
    assert carol[7] == "pending"  # the draft project grade is not exported
    assert carol[3] == SECRET_EXAM  # staff export: exam marks entered


def _upload(text):
    return SimpleUploadedFile("marks.csv", text.encode(), "text/csv")


def test_exam_import_reports_every_wrong_row_and_imports_nothing(client, course, term):
    client.force_login(course.instructor)
    url = reverse("grading:exam-import", args=[course.edition.slug])
    before = ExamMark.objects.count()
    text = "student,mark\ns1,14\nnobody@x.test,12\nbob@x.test,twelve\ncarol@x.test,21\ns1,15\n"
    response = client.post(url, {"component": course.exam.pk, "file": _upload(text)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported: 4 lines to fix." in html
    rows = dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", html))
    assert sorted(rows) == ["3", "4", "5", "6"]
    assert rows["3"].startswith("No student of this edition has the ID or e-mail")
    assert "is not a number" in rows["4"]
    assert "outside 0–20" in rows["5"]
    assert "already has a mark on line 2" in rows["6"]
    assert ExamMark.objects.count() == before
    assert not MarkChange.objects.filter(via=MarkChange.Via.CSV).exists()


def test_exam_import_of_a_correct_file_records_every_mark_and_its_history(client, course, term):
    client.force_login(course.instructor)
    url = reverse("grading:exam-import", args=[course.edition.slug])
    text = "Student;Mark\ns1;14,5\nbob@x.test;absent\ncarol@x.test;12\n"
    response = client.post(url, {"component": course.exam.pk, "file": _upload(text)})
    assert response.status_code == 302
    marks = dict(ExamMark.objects.values_list("student__email", "score"))
    assert marks == {"alice@x.test": D("14.5"), "bob@x.test": None, "carol@x.test": D(12)}
    history = MarkChange.objects.filter(via=MarkChange.Via.CSV).order_by("object_repr")
    assert [(h.before, h.after) for h in history] == [
        (None, {"score": "14.5"}),
        (None, {"score": None}),
        ({"score": SECRET_EXAM}, {"score": "12"}),
    ]
    assert all(h.actor == course.instructor for h in history)


def test_staff_of_another_edition_get_404_on_every_staff_page(client, course, term):
    from tests.grading.conftest import Course2023

    other = Course2023("elsewhere")
    client.force_login(other.ta)
    for name in ("staff", "export", "exam-import"):
        assert client.get(reverse(f"grading:{name}", args=[course.edition.slug])).status_code == 404
