"""Every edition's README shape, hostile READMEs and the render/parse round trip (no database).

The fixtures are copies: info8010-2022/2023/2024.md of the course repository's READMEs,
shapes.md one synthetic README with each shape other editions use, hostile-urls.md links
that a browser would run.
"""

import datetime as dt
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenda import readme_format as fmt
from agenda.readme_format import parse_readme, render_readme
from config.validators import link_url_problem
from tests.agenda.readmes import fixture_text, without_lines

EDITIONS = ["info8010-2022.md", "info8010-2023.md", "info8010-2024.md", "quirks.md", "shapes.md"]


@pytest.fixture(scope="module")
def shapes():
    return parse_readme(fixture_text("shapes.md"))


def _item(readme, title):
    return next(e for e in readme.agenda if e.title == title)


@pytest.mark.parametrize("name", EDITIONS)
def test_every_edition_reads_with_no_unread_row_and_round_trips(name):
    first = parse_readme(fixture_text(name))
    assert first.problems == []
    assert not any(e.unread for e in first.agenda)
    rendered = render_readme(first)
    second = parse_readme(rendered)
    assert second.problems == []
    assert without_lines(second) == without_lines(first)
    assert render_readme(second) == rendered


def test_link_groups_labelled_by_titles_take_their_kind_from_the_url(shapes):
    lecture1 = _item(shapes, "Fundamentals of machine learning")
    assert [(x.kind, x.label) for x in lecture1.links] == [
        ("pdf", "PDF"),
        ("tutorial", "Installation and tensor operations"),
    ]
    lecture2 = _item(shapes, "Multi-layer perceptron")
    assert [(x.kind, x.label) for x in lecture2.links] == [
        ("pdf", "PDF"),
        ("video", "video"),
        ("pdf", "Slides, annotated"),
        ("pdf", "Lecture notes"),
        ("tutorial", "Tutorial"),
    ]
    handout = _item(shapes, "Attention and transformers").links[-1]
    assert (handout.kind, handout.label, handout.url) == (
        "handout",
        "handout",
        "homeworks/attention.zip",
    )


def test_a_code_list_of_notebooks_is_an_event_with_every_link(shapes):
    code = _item(shapes, "Polynomial regression")
    assert (code.kind, code.label, code.date) == ("event", "Code", dt.date(2025, 2, 21))
    assert [(x.kind, x.label) for x in code.all_links()] == [
        ("code", "Code"),
        ("notebook", "Spiral classification"),
    ]
    assert code.all_links()[0].url.endswith("lec2-polynomial.ipynb")


def test_cancelled_lectures_and_events_are_kept_as_cancelled(shapes):
    lecture = _item(shapes, "Recurrent neural networks")
    assert (lecture.kind, lecture.number, lecture.cancelled) == ("lecture", 3, True)
    assert [x.label for x in lecture.all_links()] == ["Slides", "PDF"]
    talk = _item(shapes, "Jane Doe")
    assert (talk.label, talk.speaker, talk.cancelled) == ("Invited talk", "Example Labs", True)
    assert not _item(shapes, "Attention and transformers").cancelled
    assert fmt.render_item(lecture).startswith("~~Lecture 3: [Recurrent neural networks](")
    assert fmt.render_item(lecture).endswith("~~ _(Cancelled)_")


def test_rows_without_a_lecture_are_events(shapes):
    assert [(e.kind, e.title, e.speaker) for e in shapes.agenda if e.label == "" and
            e.kind == "event" and e.date] == [
        ("event", "No lecture", "Carnival"),
        ("event", "Easter break", ""),
    ]  # fmt: skip


def test_deadline_rows_link_their_handout_and_names_map_to_kinds(shapes):
    got = [
        (a.kind, a.number, a.title, a.agenda_title, a.handout_in_agenda) for a in shapes.assignments
    ]
    assert got == [
        ("homework", 1, "Homework 1", "Homework 1", True),
        ("project_proposal", None, "Project proposal", "the project proposal", False),
        ("homework", 2, "Homework 2", "Homework 2", True),
        ("reading_report", None, "Reading assignment", "the reading report", False),
        ("project", None, "Project", "the project (code and report)", False),
    ]
    assert shapes.assignments[0].handout_url.endswith("/homeworks/homework1.zip")
    assert shapes.warnings == []


def test_reading_deadline_is_found_without_the_hard_deadline_sentence():
    text = fixture_text("info8010-2023.md").replace("This is a **hard** deadline.", "")
    readme = parse_readme(text)
    assert readme.problems == []
    reading = next(a for a in readme.assignments if a.kind == "reading_report")
    assert reading.hard_deadline is None
    assert len(readme.papers) == 3


def test_extra_agenda_columns_attach_their_links_to_the_row_lecture():
    text = (
        "# INFO8010 - Deep Learning\n\nSpring 2025.\n\n## Agenda\n\n"
        "| Date | Lecture | Tutorial |\n| --- | --- | --- |\n"
        "| February 14 | Lecture 1: [Basics](https://x.test/1) | "
        "[Installation](https://x.test/tutorials/lecture_01) |\n"
        "| February 21 | | Tutorial on [PyTorch](https://x.test/tutorials/torch) |\n"
    )
    readme = parse_readme(text)
    assert readme.problems == []
    lecture, tutorial = readme.agenda
    assert [(x.kind, x.label) for x in lecture.links] == [("tutorial", "Installation")]
    assert (tutorial.kind, tutorial.label, tutorial.date) == (
        "event",
        "Tutorial",
        dt.date(2025, 2, 21),
    )


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("the project (code and report)", ("project", None, "Project")),
        ("the final project", ("project", None, "Project")),
        ("the reading report", ("reading_report", None, "Reading assignment")),
        ("the report", ("reading_report", None, "Reading assignment")),
        ("the proposal", ("project_proposal", None, "Project proposal")),
        ("Homework 3", ("homework", 3, "Homework 3")),
    ],
)
def test_deadline_names_map_to_assignment_kinds(what, expected):
    assert fmt.classify_deadline(what) == expected


def test_hostile_links_are_refused_with_their_line_numbers():
    readme = parse_readme(fixture_text("hostile-urls.md"))
    assert sorted({p.line for p in readme.problems}) == [3, 11, 12, 13, 14, 15, 16, 20, 24]
    assert all(p.unsafe for p in readme.problems)
    messages = " ".join(p.message for p in readme.problems)
    for scheme in ("javascript:", "JaVaScRiPt:", "data:", "vbscript:", "file:", "//evil"):
        assert scheme in messages
    # Nothing unsafe is kept, not even as an unread row.
    urls = [x.url for e in readme.agenda for x in e.all_links()]
    assert all(link_url_problem(url) is None for url in urls)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "ftp://example.org/x",
        "java%09script:alert(1)",
        "//evil.example/x",
        "https://",
        "https://exa mple.org",
        "https://example.org/" + "x" * 500,
    ],
)
def test_the_link_rule_refuses(url):
    assert link_url_problem(url) is not None


@pytest.mark.parametrize(
    "url",
    ["https://example.org/a?b=c#d", "http://example.org", "homeworks/h1.zip", "../a.pdf", "#x"],
)
def test_the_link_rule_accepts_http_and_relative_links(url):
    assert link_url_problem(url) is None


def test_a_nul_byte_is_refused_with_its_line():
    readme = parse_readme("# INFO8010 - Deep Learning\n\nSpring 2023.\x00\n")
    assert [(p.line, p.unsafe) for p in readme.problems] == [(3, True)]


def test_an_empty_row_is_a_warning_not_a_lost_row():
    text = (
        "# INFO8010 - Deep Learning\n\nSpring 2023.\n\n## Agenda\n\n| Date | Topic |\n"
        "| --- | --- |\n| March 3 | |\n"
    )
    readme = parse_readme(text)
    assert readme.problems == []
    assert [(w.line, w.message) for w in readme.warnings] == [
        (9, "an agenda row without an item: not imported")
    ]


# --------------------------------------------------------------------------- property

_words = (
    st.text(alphabet=string.ascii_letters + " -,", min_size=1, max_size=30)
    .map(lambda s: " ".join(s.replace(",", " ").split()))
    .filter(lambda s: s and s[0].isalpha() and s.casefold() not in ("course syllabus", "syllabus"))
)
_url = st.sampled_from(
    [
        "https://example.org/a.pdf",
        "https://youtu.be/x",
        "https://example.org/tutorials/t1",
        "https://example.org/n.ipynb",
        "https://example.org/page",
        "homeworks/h.zip",
    ]
)
_link = st.builds(
    lambda label, url: fmt.LinkEntry(fmt.link_kind(label, url), label, url), _words, _url
)


@st.composite
def _editions(draw):
    readme = fmt.ParsedReadme(
        course_code="INFO8010",
        course_title="Deep Learning",
        intro="Lectures for INFO8010 - Deep Learning, ULiège, Spring 2025.",
        term="Spring 2025",
        year=2025,
        institution="ULiège",
    )
    count = draw(st.integers(min_value=1, max_value=6))
    for index in range(count):
        date = dt.date(2025, 2, 1) + dt.timedelta(days=7 * index)
        if draw(st.booleans()):
            entry = fmt.AgendaEntry(
                fmt.LECTURE, date, index * fmt.ROW_STEP, draw(_words), number=index
            )
            entry.title_url = draw(_url)
        else:
            entry = fmt.AgendaEntry(
                fmt.EVENT,
                date,
                index * fmt.ROW_STEP,
                draw(_words),
                label=draw(st.sampled_from(["", "Tutorial", "Invited talk"])),
            )
        entry.links = draw(st.lists(_link, max_size=3))
        entry.cancelled = draw(st.booleans())
        readme.agenda.append(entry)
    return readme


@settings(max_examples=60, deadline=None)
@given(_editions())
def test_render_then_parse_is_lossless_on_generated_editions(readme):
    again = parse_readme(render_readme(readme))
    assert again.problems == []
    got = [
        (e.kind, e.number, e.label, e.title, e.title_url, e.cancelled, e.date, e.links)
        for e in again.agenda
    ]
    want = [
        (e.kind, e.number, e.label, e.title, e.title_url, e.cancelled, e.date, e.links)
        for e in readme.agenda
    ]
    assert got == want
