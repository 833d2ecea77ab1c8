"""The shipped demo: INFO8010 Spring 2023 exactly as it was, and a live term around today."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from icalendar import Calendar
from rest_framework.test import APIClient

from accounts.models import User
from assignments.models import Assignment
from demo.services import DEMO_SLUG, demo_load, demo_start_date
from submissions.models import StudentGroup, Submission
from tests.submissions import filegen

TODAY = dt.date(2026, 11, 26)

EXPECTED_2023 = [
    ("2023-02-10", "syllabus", "Course syllabus", None, 3),
    ("2023-02-10", "lecture", "Introduction", 0, 3),
    ("2023-02-10", "lecture", "Fundamentals of machine learning", 1, 3),
    ("2023-02-17", "lecture", "Multi-layer perceptron", 2, 5),
    ("2023-02-24", "lecture", "Automatic differentiation", 3, 4),
    ("2023-03-03", "lecture", "Training neural networks", 4, 3),
    ("2023-03-06", "deadline", "Deadline for Homework 1", None, None),
    ("2023-03-10", "lecture", "Convolutional neural networks", 5, 4),
    ("2023-03-17", "lecture", "Computer vision", 6, 3),
    ("2023-03-20", "deadline", "Deadline for Homework 2", None, None),
    ("2023-03-20", "deadline", "Deadline for the project proposal", None, None),
    ("2023-03-24", "lecture", "Attention and transformers", 7, 3),
    ("2023-03-31", "lecture", "GPT", 8, 3),
    ("2023-04-21", "lecture", "Graph neural networks", 9, 2),
    ("2023-04-28", "lecture", "Uncertainty", 10, 3),
    ("2023-04-28", "event", "Weight and Biases", None, 0),
    ("2023-05-05", "lecture", "Auto-encoders and variational auto-encoders", 11, 4),
    ("2023-05-12", "lecture", "Diffusion models", 12, 2),
    ("2023-05-19", "deadline", "Deadline for the reading assignment", None, None),
    ("2023-05-19", "deadline", "Deadline for the project", None, None),
]


@pytest.fixture
def demo(db):
    return demo_load(today=TODAY)


@pytest.mark.django_db
def test_the_2023_schedule_api_lists_the_agenda_exactly(demo):
    body = APIClient().get("/api/v1/editions/info8010-2023/schedule/").json()
    rows = [
        (
            i["date"],
            i["kind"],
            i["title"],
            i["number"],
            None if i["kind"] == "deadline" else len(i["links"]),
        )
        for i in body["items"]
    ]
    assert rows == EXPECTED_2023
    homework_1 = next(i for i in body["items"] if i["title"] == "Deadline for Homework 1")
    assert homework_1["due_at"] == "2023-03-06T23:59:00+01:00"


@pytest.mark.django_db
def test_the_2023_course_page_shows_every_lecture_and_deadline(client, demo):
    html = client.get(reverse("agenda:edition", args=["info8010-2023"])).content.decode()
    for _, _, title, _, _ in EXPECTED_2023:
        assert title in html
    for name in [
        "Gilles Louppe",
        "Arnaud Delaunoy",
        "François Rozet",
        "Yann Claes",
        "Victor Dachet",
    ]:
        assert name in html
    assert "R3 / B28" in html
    assert "Thomas Capelle" in html
    assert "lec2-spiral-classification.ipynb" in html


@pytest.mark.django_db
def test_the_2023_calendar_gives_homework_1_at_2359_brussels(client, demo):
    response = client.get("/editions/info8010-2023/calendar.ics")
    assert "DTSTART;TZID=Europe/Brussels:20230306T235900" in response.content.decode()
    calendar = Calendar.from_ical(response.content)
    assert len(list(calendar.walk("VEVENT"))) == len(EXPECTED_2023)


@pytest.mark.django_db
def test_demo_load_is_idempotent(demo):
    counts = (User.objects.count(), Assignment.objects.count(), StudentGroup.objects.count())
    demo_load(today=TODAY)
    assert (
        User.objects.count(),
        Assignment.objects.count(),
        StudentGroup.objects.count(),
    ) == counts


def test_the_live_term_puts_today_between_homework_1_and_homework_2():
    start = demo_start_date(today=TODAY)
    assert start.weekday() == 4  # lectures stay on Fridays
    offset = start - dt.date(2023, 2, 10)
    assert dt.date(2023, 3, 6) + offset < TODAY <= dt.date(2023, 3, 20) + offset


@pytest.mark.django_db
def test_live_demo_groups_and_enrolment(demo):
    groups = {
        g.name: sorted(u.email for u in g.members.all())
        for g in StudentGroup.objects.filter(edition__slug=DEMO_SLUG)
    }
    assert groups == {
        "Tensor Titans": [f"student{i}@demo.test" for i in (1, 2, 3)],
        "Gradient Gang": ["student4@demo.test", "student5@demo.test"],
        "Solo Descent": ["student6@demo.test"],
    }
    enrolled = set(
        User.objects.filter(
            memberships__edition__slug=DEMO_SLUG, memberships__role="student"
        ).values_list("email", flat=True)
    )
    assert enrolled == {f"student{i}@demo.test" for i in range(1, 7)}


@pytest.mark.django_db
def test_student1_hands_in_the_reading_report_by_form_and_api_and_late_work_is_refused(
    client, demo
):
    student = User.objects.get(email="student1@demo.test")
    reading = Assignment.objects.get(edition__slug=DEMO_SLUG, kind="reading_report")
    homework_1 = Assignment.objects.get(edition__slug=DEMO_SLUG, kind="homework", number=1)
    paper = reading.papers.first()
    report = filegen.report_pdf(2)
    now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    with time_machine.travel(now, tick=False):
        assert client.login(email="student1@demo.test", password="lectern-demo")
        url = reverse("submissions:assignment", args=[reading.pk])
        response = client.post(
            url, {"file": SimpleUploadedFile("summary.pdf", report), "paper": paper.pk}, follow=True
        )
        # The demo's own hand-in is version 1 (the grading queue has work at once).
        first = Submission.objects.get(assignment=reading, group__name="Tensor Titans", version=2)
        assert first.sha256 in response.content.decode()

        api = APIClient()
        api.force_authenticate(student)
        created = api.post(
            reverse("submissions-api:submission-create", args=[reading.pk]),
            {"file": SimpleUploadedFile("summary-v2.pdf", report), "paper": paper.pk},
            format="multipart",
        )
        assert created.status_code == 201
        assert created.json()["version"] == 3

        late = api.post(
            reverse("submissions-api:submission-create", args=[homework_1.pk]),
            {"file": SimpleUploadedFile("hw1.ipynb", filegen.notebook())},
            format="multipart",
        )
    assert late.status_code == 403
    assert late.json()["code"] == "deadline_passed"


# --- grades of the 2023 edition (grading issue) ---------------------------------------------


def _final_2023(email):
    from grading.models import FinalGrade

    return FinalGrade.objects.get(edition__slug="info8010-2023", student__email=email)


@pytest.mark.django_db
def test_the_2023_grade_table_shows_every_rule_of_the_scheme(demo):
    def weights(email):
        return [c["weight_used"] for c in _final_2023(email).breakdown["components"]]

    assert weights("student1@demo.test") == ["50", "10", "5", "5", "30"]  # both homeworks
    assert weights("student3@demo.test") == ["50", "10", "5", "0", "35"]  # one homework
    assert weights("student5@demo.test") == ["50", "10", "0", "0", "40"]  # no homework
    late = _final_2023("student6@demo.test")
    assert late.admitted is False
    assert "Reading report not handed in: it is mandatory for exam admission." in late.reasons
    assert all(_final_2023(f"student{i}@demo.test").final is not None for i in range(1, 7))
    assert _final_2023("student4@demo.test").breakdown["components"][4]["mark"] == "8"


@pytest.mark.django_db
def test_demo_load_with_grades_is_idempotent(demo):
    from grading.models import FinalGrade, Grade, MarkChange

    counts = (Grade.objects.count(), MarkChange.objects.count(), FinalGrade.objects.count())
    demo_load(today=TODAY)
    assert (Grade.objects.count(), MarkChange.objects.count(), FinalGrade.objects.count()) == counts


@pytest.mark.django_db
def test_a_demo_student_reads_their_2023_breakdown_and_the_demo_ta_grades_in_the_admin(
    client, demo, mailoutbox
):
    client.force_login(User.objects.get(email="student5@demo.test"))
    html = client.get(reverse("grading:mine", args=["info8010-2023"])).content.decode()
    assert "Homework 1 not handed in: its 5% moved to Project." in html
    assert "quality and originality" in html
    assert mailoutbox == []  # the demo's 2023 releases e-mail no one
    client.force_login(User.objects.get(email="ta@demo.test"))
    response = client.get(reverse("admin:grading_submissiontograde_changelist"))
    assert response.status_code == 200 and "Tensor Titans" in response.content.decode()
    assert client.get(reverse("grading:staff", args=["info8010-2023"])).status_code == 200


@pytest.mark.django_db
def test_the_live_demo_has_work_to_grade_and_2023_an_open_regrade_request(client, demo):
    from grading.models import Grade, RegradeRequest

    reading = Assignment.objects.get(edition__slug=DEMO_SLUG, kind="reading_report")
    homework_1 = Assignment.objects.get(edition__slug=DEMO_SLUG, kind="homework", number=1)
    assert Submission.objects.filter(assignment=reading).count() == 3
    assert Submission.objects.filter(assignment=homework_1).count() == 2
    assert not Grade.objects.filter(assignment__edition__slug=DEMO_SLUG).exists()
    open_requests = RegradeRequest.objects.filter(status="open")
    assert [r.grade.assignment.edition.slug for r in open_requests] == ["info8010-2023"]
    client.force_login(User.objects.get(email="ta@demo.test"))
    html = client.get(reverse("grading-admin:queue", args=[reading.pk])).content.decode()
    assert "graded 0 of 3" in html
    demo_load(today=TODAY)  # idempotent
    assert Submission.objects.filter(assignment=reading).count() == 3
    assert RegradeRequest.objects.count() == 1
