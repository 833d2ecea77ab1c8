"""README import and export against the database (agenda.readme_services and the commands)."""

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agenda.readme_export import readme_export
from agenda.readme_services import ReadmeImportError, readme_import
from assignments.models import Assignment, Paper
from courses.models import (
    Edition,
    EditionInfo,
    EditionSection,
    Event,
    EventLink,
    Lecture,
    LectureLink,
    Membership,
    PreviousEdition,
)
from tests.factories import EditionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "readmes"
README_2023 = (FIXTURES / "info8010-2023.md").read_text(encoding="utf-8")
QUIRKS = (FIXTURES / "quirks.md").read_text(encoding="utf-8")
BROKEN = (FIXTURES / "broken.md").read_text(encoding="utf-8")
EDITIONS = {
    name: (FIXTURES / f"{name}.md").read_text(encoding="utf-8")
    for name in ("info8010-2022", "info8010-2024", "shapes")
}


def _links(obj):
    return [(link.kind, link.label, link.url) for link in obj.links.order_by("position", "id")]


def dump(edition: Edition) -> dict:
    """Everything the README sets on an edition, without ids and bookkeeping fields."""
    edition.refresh_from_db()
    return {
        "edition": (
            edition.course.code,
            edition.course.title,
            edition.term,
            edition.intro,
            edition.schedule_text,
            edition.meeting_weekday,
            edition.meeting_time,
            edition.meeting_room,
            edition.timezone,
        ),
        "staff": [
            (m.role, m.name, m.position, m.user_id)
            for m in Membership.objects.filter(edition=edition).order_by("position", "id")
        ],
        "infos": list(
            EditionInfo.objects.filter(edition=edition).values_list("label", "value", "position")
        ),
        "lectures": [
            (
                x.kind,
                x.number,
                x.title,
                x.note,
                x.date,
                x.position,
                x.archived,
                x.cancelled,
                _links(x),
            )
            for x in Lecture.objects.filter(edition=edition).order_by(
                "archived", "date", "position"
            )
        ],
        "events": [
            (x.label, x.title, x.speaker, x.date, x.position, x.cancelled, _links(x))
            for x in Event.objects.filter(edition=edition).order_by("date", "position")
        ],
        "assignments": [
            (
                a.kind,
                a.number,
                a.title,
                a.agenda_title,
                a.summary,
                a.handout_url,
                a.handout_in_agenda,
                a.due_date,
                a.due_time,
                a.due_at,
                a.position,
                a.hard_deadline,
                [(p.authors, p.title, p.year, p.url, p.position) for p in a.papers.all()],
            )
            for a in Assignment.objects.filter(edition=edition).order_by(
                "due_date", "due_time", "position"
            )
        ],
        "sections": list(
            EditionSection.objects.filter(edition=edition).values_list(
                "kind", "heading", "body", "position"
            )
        ),
        "previous": list(
            PreviousEdition.objects.filter(edition=edition).values_list("label", "url", "position")
        ),
    }


def _counts() -> tuple:
    return tuple(
        m.objects.count()
        for m in (Edition, Lecture, LectureLink, Event, EventLink, Assignment, Paper, Membership)
        + (EditionInfo, EditionSection, PreviousEdition)
    )


def test_import_creates_the_edition_with_the_exact_2023_agenda():
    report = readme_import(text=README_2023, edition_slug="info8010-2023")
    assert report.edition_created
    edition = Edition.objects.get(slug="info8010-2023")
    assert (edition.course.code, edition.course.title) == ("INFO8010", "Deep Learning")
    assert (edition.term, edition.academic_year, edition.status) == (
        "Spring 2023",
        "2022-2023",
        Edition.Status.DRAFT,
    )
    assert (edition.meeting_weekday, edition.meeting_time, edition.meeting_room) == (
        Edition.Weekday.FRIDAY,
        dt.time(8, 30),
        "R3 / B28",
    )
    assert edition.schedule_text == "Spring 2023, Friday 8:30 AM"
    lectures = Lecture.objects.filter(edition=edition, archived=False).order_by("date", "position")
    d = dt.date
    assert [(x.date, x.kind, x.number) for x in lectures] == [
        (d(2023, 2, 10), "syllabus", None),
        (d(2023, 2, 10), "lecture", 0),
        (d(2023, 2, 10), "lecture", 1),
        (d(2023, 2, 17), "lecture", 2),
        (d(2023, 2, 24), "lecture", 3),
        (d(2023, 3, 3), "lecture", 4),
        (d(2023, 3, 10), "lecture", 5),
        (d(2023, 3, 17), "lecture", 6),
        (d(2023, 3, 24), "lecture", 7),
        (d(2023, 3, 31), "lecture", 8),
        (d(2023, 4, 21), "lecture", 9),
        (d(2023, 4, 28), "lecture", 10),
        (d(2023, 5, 5), "lecture", 11),
        (d(2023, 5, 12), "lecture", 12),
    ]
    # Every link: slides (the title), PDF, and video / code where the README has them.
    kinds = {x.number: [k for k, _, _ in _links(x)] for x in lectures if x.number is not None}
    assert kinds == {
        0: ["slides", "pdf", "video"],
        1: ["slides", "pdf", "video"],
        2: ["slides", "pdf", "video", "code", "code"],
        3: ["slides", "pdf", "video", "code"],
        4: ["slides", "pdf", "video"],
        5: ["slides", "pdf", "video", "code"],
        6: ["slides", "pdf", "video"],
        7: ["slides", "pdf", "video"],
        8: ["slides", "pdf", "code"],
        9: ["slides", "pdf"],
        10: ["slides", "pdf", "video"],
        11: ["slides", "pdf", "video", "code"],
        12: ["slides", "pdf"],
    }
    syllabus = lectures[0]
    assert (syllabus.title, syllabus.number) == ("Course syllabus", None)
    assert _links(syllabus)[1] == (
        "pdf",
        "PDF",
        "https://glouppe.github.io/info8010-deep-learning/pdf/course-syllabus.pdf",
    )
    lecture2 = lectures.get(number=2)
    assert [label for _, label, _ in _links(lecture2)] == [
        "Slides",
        "PDF",
        "video",
        "code 1",
        "code 2",
    ]
    deadlines = Assignment.objects.filter(edition=edition).order_by(
        "due_date", "due_time", "position"
    )
    assert [(a.kind, a.number, a.title, a.agenda_title, a.due_date) for a in deadlines] == [
        ("homework", 1, "Homework 1", "Homework 1", d(2023, 3, 6)),
        ("homework", 2, "Homework 2", "Homework 2", d(2023, 3, 20)),
        ("project_proposal", None, "Project proposal", "the project proposal", d(2023, 3, 20)),
        ("reading_report", None, "Reading assignment", "the reading assignment", d(2023, 5, 19)),
        ("project", None, "Project", "the project", d(2023, 5, 19)),
    ]
    tutorial = Event.objects.get(edition=edition)
    assert (tutorial.date, tutorial.label, tutorial.title, tutorial.speaker) == (
        d(2023, 4, 28),
        "Tutorial",
        "Weight and Biases",
        "Thomas Capelle, ML engineer at `wandb.ai`",
    )
    # Items of one date sort in order of appearance.
    assert tutorial.position > lectures.get(number=10).position
    archived = Lecture.objects.filter(edition=edition, archived=True).order_by("position")
    assert [(x.title, x.date) for x in archived] == [
        ("Recurrent neural networks", None),
        ("Generative adversarial networks", None),
    ]


def test_import_sets_staff_sections_papers_and_previous_editions():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    edition = Edition.objects.get(slug="info8010-2023")
    staff = Membership.objects.filter(edition=edition).order_by("position")
    assert [(m.role, m.display_name, m.user_id) for m in staff] == [
        ("instructor", "Gilles Louppe", None),
        ("ta", "Arnaud Delaunoy", None),
        ("ta", "François Rozet", None),
        ("ta", "Yann Claes", None),
        ("ta", "Victor Dachet", None),
    ]
    assert list(edition.sections.values_list("kind", "heading")) == [
        ("homeworks", "Homeworks"),
        ("project", "Project"),
        ("reading", "Reading assignment"),
        ("other", "Archives"),
    ]
    reading = Assignment.objects.get(edition=edition, kind="reading_report")
    assert reading.hard_deadline
    assert list(reading.papers.values_list("authors", "year")) == [
        ("Rombach et al", 2022),
        ("Chen et al", 2021),
        ("Jumper et al", 2021),
    ]
    assert list(edition.previous_editions.values_list("label", flat=True)) == [
        "2021-2022",
        "2020-2021",
        "2019-2020",
        "2018-2019",
    ]


def test_homework_due_date_is_2359_brussels_time():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    homework = Assignment.objects.get(edition__slug="info8010-2023", kind="homework", number=1)
    assert homework.due_date == dt.date(2023, 3, 6)
    assert homework.due_time == dt.time(23, 59)
    # 23:59 CET (UTC+1) is 22:59 UTC.
    assert homework.due_at == dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)
    assert homework.summary == "Tensor operations, `autograd` and `nn`."
    assert homework.handout_url.endswith("/homeworks/homework1.ipynb")


def test_timezone_option_applies_to_a_created_edition():
    readme_import(text=README_2023, edition_slug="info8010-2023", timezone="America/New_York")
    homework = Assignment.objects.get(edition__slug="info8010-2023", kind="homework", number=1)
    assert homework.due_at == dt.datetime(2023, 3, 7, 4, 59, tzinfo=dt.UTC)


def test_reimport_updates_in_place_and_duplicates_nothing():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    edition = Edition.objects.get(slug="info8010-2023")
    before = dump(edition)
    counts = _counts()
    ids = sorted(Lecture.objects.values_list("id", "sequence"))
    report = readme_import(text=README_2023, edition_slug="info8010-2023")
    assert _counts() == counts
    assert dump(edition) == before
    # Unchanged rows are not saved again: calendar SEQUENCE numbers do not move.
    assert sorted(Lecture.objects.values_list("id", "sequence")) == ids
    assert not report.changed


def test_reimport_of_an_edited_readme_updates_the_same_rows():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    lecture = Lecture.objects.get(number=9)
    edited = (
        README_2023.replace("[Graph neural networks]", "[Graph networks]")
        .replace("| March  6 | Deadline for Homework 1 |", "| March  7 | Deadline for Homework 1 |")
        .replace("**March 6, 2023**", "**March 7, 2023**")
    )
    report = readme_import(text=edited, edition_slug="info8010-2023")
    lecture.refresh_from_db()
    assert (lecture.title, lecture.sequence) == ("Graph networks", 1)
    homework = Assignment.objects.get(kind="homework", number=1)
    assert homework.due_date == dt.date(2023, 3, 7)
    assert report.updated["lecture"] == 1
    assert report.updated["assignment"] == 1


def test_rows_gone_from_the_readme_are_deleted_but_assignments_are_kept():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    lines = [
        line
        for line in README_2023.split("\n")
        if not line.startswith("| March 10 |") and "Deadline for the project |" not in line
    ]
    report = readme_import(text="\n".join(lines), edition_slug="info8010-2023")
    assert not Lecture.objects.filter(number=5).exists()
    assert Assignment.objects.filter(kind="project").exists()
    assert report.deleted["lecture"] == 1
    assert report.kept == ["assignment Project (assignments are never deleted)"]


def test_unreadable_row_is_reported_with_its_line_and_nothing_is_written():
    with pytest.raises(ReadmeImportError) as excinfo:
        readme_import(text=BROKEN, edition_slug="info8010-broken")
    assert [p.line for p in excinfo.value.problems] == [12, 13]
    assert not Edition.objects.filter(slug="info8010-broken").exists()
    assert Lecture.objects.count() == 0


def test_allow_problems_imports_readable_rows_and_deletes_nothing():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    lecture_count = Lecture.objects.count()
    broken = README_2023.replace("| March 10 |", "| Marhc 10 |")
    report = readme_import(text=broken, edition_slug="info8010-2023", allow_problems=True)
    assert [p.line for p in report.problems] == [19]
    assert Lecture.objects.count() == lecture_count
    assert Lecture.objects.filter(number=5).exists()
    assert report.deleted == {}


def test_dry_run_writes_nothing():
    report = readme_import(text=README_2023, edition_slug="info8010-2023", dry_run=True)
    assert report.edition_created
    assert report.created["lecture"] == 16
    assert not Edition.objects.filter(slug="info8010-2023").exists()


def test_readme_of_another_course_is_refused():
    EditionFactory(slug="other-2023", course__code="INFO0000")
    with pytest.raises(ReadmeImportError, match="INFO8010"):
        readme_import(text=README_2023, edition_slug="other-2023")


def test_staff_with_an_account_is_matched_not_duplicated():
    edition = EditionFactory(slug="info8010-2023")
    user = UserFactory(first_name="Gilles", last_name="Louppe")
    MembershipFactory(edition=edition, user=user, role=Membership.Role.INSTRUCTOR)
    readme_import(text=README_2023, edition_slug="info8010-2023")
    instructors = Membership.objects.filter(edition=edition, role="instructor")
    assert [(m.user_id, m.display_name) for m in instructors] == [(user.pk, "")]


@pytest.mark.parametrize(
    "fixture",
    [README_2023, QUIRKS, *EDITIONS.values()],
    ids=["2023", "quirks", *EDITIONS],
)
def test_export_then_import_round_trips(fixture):
    readme_import(text=fixture, edition_slug="source")
    source = Edition.objects.get(slug="source")
    before = dump(source)
    exported = readme_export(edition=source)
    report = readme_import(text=exported, edition_slug="source")
    assert dump(source) == before
    assert not report.changed
    # Into a fresh edition, the export gives the same data too.
    readme_import(text=exported, edition_slug="copy")
    assert dump(Edition.objects.get(slug="copy")) == before
    assert readme_export(edition=Edition.objects.get(slug="copy")) == exported


def test_quirks_import_undated_event_and_other_assignment():
    report = readme_import(text=QUIRKS, edition_slug="quirks")
    edition = Edition.objects.get(slug="quirks")
    undated = Event.objects.get(edition=edition, date=None)
    assert (undated.title, _links(undated)) == (
        "All lectures",
        [("pdf", "PDF", "https://example.org/all.pdf")],
    )
    code = Event.objects.get(edition=edition, label="Code")
    assert _links(code) == [("code", "Code", "https://example.org/gpt/")]
    assert Lecture.objects.get(edition=edition, number=9).note == "(Optional)"
    other = Assignment.objects.get(edition=edition, kind="other")
    assert other.title == "Exam registration"
    assert [w.line for w in report.warnings] == [22]
    assert list(edition.infos.values_list("label", flat=True)) == ["Discord"]


def test_import_command_prints_problems_with_line_numbers_and_fails(tmp_path):
    path = tmp_path / "broken.md"
    path.write_text(BROKEN, encoding="utf-8")
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_readme", str(path), "--edition", "x", stderr=stderr)
    assert f"{path}:12: cannot read the date 'Februry 17'" in stderr.getvalue()
    assert f"{path}:13: " in stderr.getvalue()
    assert not Edition.objects.filter(slug="x").exists()


def test_import_and_export_commands(tmp_path):
    source = tmp_path / "README.md"
    source.write_text(README_2023, encoding="utf-8")
    stdout = io.StringIO()
    call_command(
        "import_readme",
        str(source),
        "--edition",
        "info8010-2023",
        "--status",
        "published",
        stdout=stdout,
    )
    assert "Created edition info8010-2023." in stdout.getvalue()
    assert Edition.objects.get(slug="info8010-2023").status == "published"
    output = tmp_path / "out.md"
    call_command(
        "export_readme", "--edition", "info8010-2023", "--output", str(output), stderr=io.StringIO()
    )
    exported = output.read_text(encoding="utf-8")
    assert exported.startswith("# INFO8010 - Deep Learning\n")
    assert "| March 6 | Deadline for Homework 1 |" in exported
    stdout = io.StringIO()
    call_command("export_readme", "--edition", "info8010-2023", stdout=stdout)
    assert stdout.getvalue() == exported
    with pytest.raises(CommandError, match="No edition"):
        call_command("export_readme", "--edition", "nope")
