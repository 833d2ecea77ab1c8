"""The README import against the database: unsafe links, --status, --allow-problems, and
cancelled items on the page, in the API and in the feed."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from agenda.readme_services import ReadmeImportError, readme_import
from assignments.models import Assignment
from courses.models import Edition, Event, Lecture, LectureLink, PreviousEdition
from tests.factories import EditionFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "readmes"
README_2023 = (FIXTURES / "info8010-2023.md").read_text(encoding="utf-8")
HOSTILE = (FIXTURES / "hostile-urls.md").read_text(encoding="utf-8")
SHAPES = (FIXTURES / "shapes.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("allow_problems", [False, True])
def test_a_readme_with_unsafe_links_is_refused_and_nothing_is_written(allow_problems):
    with pytest.raises(ReadmeImportError) as excinfo:
        readme_import(text=HOSTILE, edition_slug="info8010-2023", allow_problems=allow_problems)
    assert sorted({p.line for p in excinfo.value.problems}) == [3, 11, 12, 13, 14, 15, 16, 20, 24]
    assert not Edition.objects.exists()
    assert LectureLink.objects.count() == 0


def test_unsafe_links_do_not_reach_an_existing_edition():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    before = list(LectureLink.objects.values_list("url", flat=True))
    edited = README_2023.replace(
        "https://glouppe.github.io/info8010-deep-learning/pdf/lec2.pdf", "javascript:alert(1)"
    )
    with pytest.raises(ReadmeImportError):
        readme_import(text=edited, edition_slug="info8010-2023", allow_problems=True)
    assert list(LectureLink.objects.values_list("url", flat=True)) == before


def test_the_command_prints_unsafe_links_with_their_line_numbers(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(HOSTILE, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_readme", str(path), "--edition", "x-2023", stderr=err)
    assert f"{path}:11: the URL 'javascript:alert(document.cookie)' is not allowed" in (
        err.getvalue()
    )
    assert f"{path}:24:" in err.getvalue()


def test_a_nul_byte_is_refused():
    with pytest.raises(ReadmeImportError) as excinfo:
        readme_import(text=README_2023.replace("Spring 2023.", "Spring\x002023."), edition_slug="x")
    assert [p.line for p in excinfo.value.problems] == [3]
    assert not Edition.objects.exists()


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (LectureLink, {"kind": "pdf", "label": "PDF", "position": 0}),
        (PreviousEdition, {"label": "2021-2022", "position": 0}),
    ],
)
@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.test/a"])
def test_the_models_and_so_the_admin_refuse_the_same_urls(model, fields, url):
    edition = EditionFactory()
    if model is LectureLink:
        lecture = Lecture.objects.create(edition=edition, title="L", date="2023-02-10")
        obj = model(lecture=lecture, url=url, **fields)
    else:
        obj = model(edition=edition, url=url, **fields)
    with pytest.raises(ValidationError, match="only http"):
        obj.full_clean()
    obj.url = "slides/lec1.pdf"
    obj.full_clean()


def test_status_published_publishes_an_existing_draft():
    readme_import(text=README_2023, edition_slug="info8010-2023")
    assert Edition.objects.get().status == Edition.Status.DRAFT
    report = readme_import(text=README_2023, edition_slug="info8010-2023", status="published")
    assert Edition.objects.get().status == Edition.Status.PUBLISHED
    assert report.changed
    again = readme_import(text=README_2023, edition_slug="info8010-2023", status="published")
    assert not again.changed
    readme_import(text=README_2023, edition_slug="info8010-2023", status="archived")
    assert Edition.objects.get().status == Edition.Status.ARCHIVED


def test_status_through_the_command(tmp_path):
    path = tmp_path / "README.md"
    path.write_text(README_2023, encoding="utf-8")
    call_command("import_readme", str(path), "--edition", "e-2023", stdout=io.StringIO())
    call_command(
        "import_readme", str(path), "--edition", "e-2023", "--status", "published",
        stdout=io.StringIO(),
    )  # fmt: skip
    assert Edition.objects.get(slug="e-2023").status == Edition.Status.PUBLISHED


def test_allow_problems_keeps_an_unreadable_row_as_an_other_item_with_its_text_and_links():
    broken = README_2023.replace(
        "| March 10 | Lecture 5:", "| March 10 | Lecture five: [Convnets](https://x.test/c) "
        "[[PDF](https://x.test/c.pdf)] Lecture 5:",
    )  # fmt: skip
    with pytest.raises(ReadmeImportError):
        readme_import(text=broken, edition_slug="info8010-2023")
    report = readme_import(text=broken, edition_slug="info8010-2023", allow_problems=True)
    assert [p.line for p in report.problems] == [19]
    kept = Event.objects.get(title__startswith="Lecture five")
    assert kept.date.isoformat() == "2023-03-10"
    assert [(x.label, x.url) for x in kept.links.all()][:2] == [
        ("Convnets", "https://x.test/c"),
        ("PDF", "https://x.test/c.pdf"),
    ]


@pytest.fixture
def shapes_edition():
    readme_import(text=SHAPES, edition_slug="info8010-2025", status="published")
    return Edition.objects.get(slug="info8010-2025")


def test_cancelled_lecture_is_struck_through_on_the_page(client, shapes_edition):
    html = client.get(reverse("agenda:edition", kwargs={"slug": "info8010-2025"})).content.decode()
    start = html.index('<del class="cancelled">Lecture 3: ')
    assert "Recurrent neural networks" in html[start : html.index("</del>", start)]
    assert '<em class="cancelled-note">(Cancelled)</em>' in html
    assert 'data-kind="tutorial"' in html
    assert 'data-kind="notebook"' in html


def test_cancelled_items_in_the_api_and_the_feed(client, shapes_edition):
    url = reverse("api:edition-schedule", kwargs={"slug": "info8010-2025"})
    items = client.get(url).json()["items"]
    cancelled = {(i["kind"], i["title"]) for i in items if i["cancelled"]}
    assert cancelled == {("lecture", "Recurrent neural networks"), ("event", "Jane Doe")}
    feed = client.get(reverse("edition-calendar", kwargs={"slug": "info8010-2025"}))
    events = feed.content.decode().replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
    statuses = {
        next(line for line in e.split("\r\n") if line.startswith("SUMMARY:")): (
            "STATUS:CANCELLED" in e
        )
        for e in events
    }
    assert statuses["SUMMARY:Lecture 3: Recurrent neural networks"] is True
    assert statuses["SUMMARY:Invited talk: Jane Doe (Example Labs)"] is True
    assert statuses["SUMMARY:Lecture 4: Attention and transformers"] is False


def test_a_deadline_row_linking_its_handout_round_trips():
    readme_import(text=SHAPES, edition_slug="info8010-2025")
    homework = Assignment.objects.get(kind="homework", number=1)
    assert homework.handout_in_agenda
    assert homework.handout_url.endswith("/homeworks/homework1.zip")
