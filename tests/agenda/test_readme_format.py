"""The README parser and renderer: plain tests, no database."""

import datetime as dt

import pytest

from agenda import readme_format as fmt
from agenda.readme_format import parse_readme, render_readme
from tests.agenda.readmes import fixture_text, without_lines


def _links(entry):
    return [(link.kind, link.label) for link in entry.all_links()]


@pytest.fixture(scope="module")
def readme_2023():
    return parse_readme(fixture_text("info8010-2023.md"))


@pytest.fixture(scope="module")
def quirks():
    return parse_readme(fixture_text("quirks.md"))


def test_2023_readme_has_no_problems_and_reads_the_header(readme_2023):
    assert readme_2023.problems == []
    assert readme_2023.warnings == []
    assert (readme_2023.course_code, readme_2023.course_title) == ("INFO8010", "Deep Learning")
    assert readme_2023.intro == "Lectures for INFO8010 - Deep Learning, ULiège, Spring 2023."
    assert (readme_2023.term, readme_2023.year, readme_2023.institution) == (
        "Spring 2023",
        2023,
        "ULiège",
    )
    assert readme_2023.schedule_text == "Spring 2023, Friday 8:30 AM"
    assert readme_2023.meeting_weekday == 4
    assert readme_2023.meeting_time == dt.time(8, 30)
    assert readme_2023.meeting_room == "R3 / B28"
    assert [(s.role, s.name) for s in readme_2023.staff] == [
        ("instructor", "Gilles Louppe"),
        ("ta", "Arnaud Delaunoy"),
        ("ta", "François Rozet"),
        ("ta", "Yann Claes"),
        ("ta", "Victor Dachet"),
    ]


def test_2023_agenda_items_in_order_of_appearance(readme_2023):
    got = [(e.date, e.kind, e.number, e.title) for e in readme_2023.agenda]
    d = dt.date
    assert got == [
        (d(2023, 2, 10), "syllabus", None, "Course syllabus"),
        (d(2023, 2, 10), "lecture", 0, "Introduction"),
        (d(2023, 2, 10), "lecture", 1, "Fundamentals of machine learning"),
        (d(2023, 2, 17), "lecture", 2, "Multi-layer perceptron"),
        (d(2023, 2, 24), "lecture", 3, "Automatic differentiation"),
        (d(2023, 3, 3), "lecture", 4, "Training neural networks"),
        (d(2023, 3, 6), "deadline", None, "Homework 1"),
        (d(2023, 3, 10), "lecture", 5, "Convolutional neural networks"),
        (d(2023, 3, 17), "lecture", 6, "Computer vision"),
        (d(2023, 3, 20), "deadline", None, "Homework 2"),
        (d(2023, 3, 20), "deadline", None, "Project proposal"),
        (d(2023, 3, 24), "lecture", 7, "Attention and transformers"),
        (d(2023, 3, 31), "lecture", 8, "GPT"),
        (d(2023, 4, 21), "lecture", 9, "Graph neural networks"),
        (d(2023, 4, 28), "lecture", 10, "Uncertainty"),
        (d(2023, 4, 28), "event", None, "Weight and Biases"),
        (d(2023, 5, 5), "lecture", 11, "Auto-encoders and variational auto-encoders"),
        (d(2023, 5, 12), "lecture", 12, "Diffusion models"),
        (d(2023, 5, 19), "deadline", None, "Reading assignment"),
        (d(2023, 5, 19), "deadline", None, "Project"),
    ]
    positions = [e.position for e in readme_2023.agenda]
    assert positions[:4] == [0, 1, 2, 10]
    assert positions == sorted(positions)


def test_2023_links_keep_kind_and_label_as_written(readme_2023):
    lecture2 = next(e for e in readme_2023.agenda if e.number == 2)
    assert _links(lecture2) == [
        ("slides", "Slides"),
        ("pdf", "PDF"),
        ("video", "video"),
        ("code", "code 1"),
        ("code", "code 2"),
    ]
    assert lecture2.all_links()[0].url == (
        "https://glouppe.github.io/info8010-deep-learning/?p=lecture2.md"
    )
    lecture8 = next(e for e in readme_2023.agenda if e.number == 8)
    assert _links(lecture8) == [("slides", "Slides"), ("pdf", "PDF"), ("code", "code")]


def test_tutorial_is_an_event_with_label_and_speaker(readme_2023):
    event = next(e for e in readme_2023.agenda if e.kind == "event")
    assert (event.label, event.title, event.speaker) == (
        "Tutorial",
        "Weight and Biases",
        "Thomas Capelle, ML engineer at `wandb.ai`",
    )
    assert event.position == 121  # second item of the row after Lecture 10


def test_deadline_rows_become_assignments_merged_with_the_homework_list(readme_2023):
    got = [(a.kind, a.number, a.title, a.agenda_title, a.due_date) for a in readme_2023.assignments]
    d = dt.date
    assert got == [
        ("homework", 1, "Homework 1", "Homework 1", d(2023, 3, 6)),
        ("homework", 2, "Homework 2", "Homework 2", d(2023, 3, 20)),
        ("project_proposal", None, "Project proposal", "the project proposal", d(2023, 3, 20)),
        ("reading_report", None, "Reading assignment", "the reading assignment", d(2023, 5, 19)),
        ("project", None, "Project", "the project", d(2023, 5, 19)),
    ]
    homework1 = readme_2023.assignments[0]
    assert homework1.handout_url.endswith("/homeworks/homework1.ipynb")
    assert homework1.summary == "Tensor operations, `autograd` and `nn`."
    assert readme_2023.assignments[3].hard_deadline is True
    assert readme_2023.assignments[4].hard_deadline is None


def test_papers_are_structured_and_constraints_stay_in_the_body(readme_2023):
    assert [(p.authors, p.year) for p in readme_2023.papers] == [
        ("Rombach et al", 2022),
        ("Chen et al", 2021),
        ("Jumper et al", 2021),
    ]
    assert readme_2023.papers[1].title == "Evaluating Large Language Models Trained on Code"
    reading = next(s for s in readme_2023.sections if s.kind == "reading")
    assert fmt.MARKER_PAPERS in reading.body.split("\n")
    assert "- 2 pages (excluding references, if any)." in reading.body
    assert "Rombach" not in reading.body


def test_homework_section_body_keeps_prose_around_the_marker(readme_2023):
    homeworks = next(s for s in readme_2023.sections if s.kind == "homeworks")
    lines = homeworks.body.split("\n")
    assert lines.count(fmt.MARKER_HOMEWORKS) == 1
    assert "[Homework 1](" not in homeworks.body
    assert lines[-1].startswith("Homeworks are optional.")


def test_archives_previous_editions_and_archived_lectures(readme_2023):
    assert [p.label for p in readme_2023.previous_editions] == [
        "2021-2022",
        "2020-2021",
        "2019-2020",
        "2018-2019",
    ]
    archived = readme_2023.archived_lectures
    assert [(a.title, a.date, a.archived, a.number) for a in archived] == [
        ("Recurrent neural networks", None, True, None),
        ("Generative adversarial networks", None, True, None),
    ]
    assert _links(archived[0]) == [("slides", "Slides"), ("pdf", "PDF"), ("video", "video")]
    archives = next(s for s in readme_2023.sections if s.heading == "Archives")
    assert archives.body.split("\n") == [
        "### Previous editions",
        "",
        fmt.MARKER_PREVIOUS_EDITIONS,
        "",
        "### Archived lectures",
        "",
        "Due to progress in the field, some of the lectures have become less relevant. "
        "However, they are still available for those who are interested.",
        "",
        fmt.MARKER_ARCHIVED_LECTURES,
    ]


def test_quirks_of_other_editions(quirks):
    assert quirks.problems == []
    by_title = {e.title: e for e in quirks.agenda}
    assert [(s.role, s.name) for s in quirks.staff][1:] == [
        ("ta", "Arnaud Delaunoy"),
        ("ta", "François Rozet"),
    ]
    assert [(i.label, i.value) for i in quirks.infos] == [
        ("Discord", "[https://discord.gg/example](https://discord.gg/example)")
    ]
    # "March  7" with two spaces, a trailing "|" and a lower-case "homework".
    homework = by_title["Homework 1"]
    assert (homework.date, homework.agenda_title) == (dt.date(2022, 3, 7), "homework 1")
    assert by_title["Graph neural networks"].note == "(Optional)"
    talk = by_title["François Lievens"]
    assert (talk.kind, talk.label, talk.speaker) == ("event", "Invited talk", "aiHerd")
    code = by_title["GPT, from scratch!"]
    assert (code.kind, code.label, code.speaker) == ("event", "Code", "")
    assert [(x.kind, x.label, x.url) for x in code.all_links()] == [
        ("code", "Code", "https://example.org/gpt/")
    ]
    assert _links(by_title["LLMs"])[-2:] == [("code", "code 1"), ("code", "code 2")]
    undated = by_title["All lectures"]
    assert (undated.kind, undated.date, undated.label) == ("event", None, "")
    assert _links(undated) == [("pdf", "PDF")]
    assert by_title["Project proposal"].assignment_kind == "project_proposal"
    assert [p.label for p in quirks.previous_editions] == ["2020-2021", "2019-2020"]


def test_unknown_deadline_is_kind_other_with_a_warning(quirks):
    other = next(a for a in quirks.assignments if a.kind == "other")
    assert (other.title, other.agenda_title) == ("Exam registration", "the exam registration")
    assert [w.line for w in quirks.warnings] == [22]


def test_homework_due_date_with_ordinal_suffix(quirks):
    assert quirks.homeworks[0].due_date == dt.date(2022, 3, 7)


def test_unreadable_rows_are_reported_with_their_line_numbers():
    readme = parse_readme(fixture_text("broken.md"))
    assert [p.line for p in readme.problems] == [12, 13]
    assert "Februry" in readme.problems[0].message
    # The readable rows around them are still read.
    assert [e.title for e in readme.agenda if not e.unread] == ["Introduction", "Homework 1"]
    # The unreadable ones are kept as unread events (imported with --allow-problems only).
    assert [(e.line, e.kind, e.date) for e in readme.agenda if e.unread] == [
        (12, "event", None),
        (13, "event", dt.date(2023, 2, 24)),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("| March 3 | Lecture four: [X](https://x.test) |", "cannot read the lecture"),
        ("| March 3 | Lecture 4: [X](https://x.test) [[PDF](https://x.test/p) |", "links"),
        ("| March 3 | Lecture 4: [X](https://x.test) trailing words |", "after the links"),
        ("| March 3 | Lecture 4: X | extra |", "expected 2 cells"),
        ("| March 33 | Lecture 4: X |", "day is out of range"),
        ("| --- | Lecture 4: X |", "needs a date"),
        (
            "| March 3 | Deadline for [Homework 1](https://x.test) [[b](https://y.test)] |",
            "one link at most",
        ),
        ("| March 3 | Lecture 4: [X](https://x.test) [[PDF](https://x.test/p)]] |", "links"),
    ],
)
def test_each_kind_of_unreadable_row_is_a_problem(row, message):
    text = "# INFO8010 - Deep Learning\n\nSpring 2023.\n\n## Agenda\n\n| Date | Topic |\n"
    text += "| --- | --- |\n" + row + "\n"
    readme = parse_readme(text)
    assert [p.line for p in readme.problems] == [9]
    assert message in readme.problems[0].message


def test_duplicate_lecture_number_is_a_problem():
    text = (
        "# INFO8010 - Deep Learning\n\nSpring 2023.\n\n## Agenda\n\n| Date | Topic |\n"
        "| --- | --- |\n| March 3 | Lecture 4: A |\n| March 10 | Lecture 4: B |\n"
    )
    readme = parse_readme(text)
    assert [(p.line, p.message) for p in readme.problems] == [
        (10, "Lecture 4 already appears on line 9")
    ]


def test_missing_title_and_term_are_problems():
    readme = parse_readme("## Agenda\n\n| Date | Topic |\n| --- | --- |\n")
    assert any("heading" in p.message for p in readme.problems)


def test_papers_without_a_reading_deadline_are_a_problem():
    text = (
        "# INFO8010 - Deep Learning\n\nSpring 2023.\n\n## Agenda\n\n| Date | Topic |\n"
        '| --- | --- |\n\n## Reading assignment\n\n- Ho et al, "Diffusion", 2020.\n'
    )
    readme = parse_readme(text)
    assert [p.line for p in readme.problems] == [12]


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("Homework 1", ("homework", 1, "Homework 1")),
        ("homework 12", ("homework", 12, "Homework 12")),
        ("the project proposal", ("project_proposal", None, "Project proposal")),
        ("project proposal", ("project_proposal", None, "Project proposal")),
        ("the reading assignment", ("reading_report", None, "Reading assignment")),
        ("the project", ("project", None, "Project")),
        ("the oral exam", ("other", None, "Oral exam")),
    ],
)
def test_classify_deadline(what, expected):
    assert fmt.classify_deadline(what) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("February 10", dt.date(2023, 2, 10)),
        ("March  6", dt.date(2023, 3, 6)),
        ("March 7th, 2022", dt.date(2022, 3, 7)),
        ("Sep 21", dt.date(2023, 9, 21)),
    ],
)
def test_parse_date_takes_the_year_from_the_term(text, expected):
    assert fmt.parse_date(text, term="Spring 2023", year=2023) == expected


def test_january_date_of_a_fall_term_is_in_the_next_year():
    assert fmt.parse_date("January 12", term="Fall 2023", year=2023) == dt.date(2024, 1, 12)
    assert fmt.format_date(dt.date(2024, 1, 12), term="Fall 2023") == "January 12"
    assert fmt.format_date(dt.date(2025, 1, 12), term="Fall 2023") == "January 12, 2025"


@pytest.mark.parametrize("name", ["info8010-2023.md", "quirks.md"])
def test_render_then_parse_reads_back_the_same_data(name):
    first = parse_readme(fixture_text(name))
    rendered = render_readme(first)
    second = parse_readme(rendered)
    assert second.problems == []
    assert without_lines(second) == without_lines(first)
    assert render_readme(second) == rendered


def test_render_keeps_the_2023_text_up_to_whitespace():
    original = fixture_text("info8010-2023.md")
    rendered = render_readme(parse_readme(original))

    def squash(text):
        return [" ".join(line.split()) for line in text.strip().split("\n")]

    # The only non-whitespace change: a missing period after a paper's year is added.
    changed = [(a, b) for a, b in zip(squash(original), squash(rendered), strict=True) if a != b]
    assert changed == [
        (
            '- Chen et al, "Evaluating Large Language Models Trained on Code", 2021 '
            "[[Paper](https://arxiv.org/abs/2107.03374)]",
            '- Chen et al, "Evaluating Large Language Models Trained on Code", 2021. '
            "[[Paper](https://arxiv.org/abs/2107.03374)]",
        )
    ]


def test_expand_markers_shows_a_section_fully(readme_2023):
    homeworks = next(s for s in readme_2023.sections if s.kind == "homeworks")
    full = fmt.expand_markers(homeworks.body, fmt.structured_blocks(readme_2023))
    assert fmt.MARKER_HOMEWORKS not in full
    assert (
        "- [Homework 2](https://github.com/glouppe/info8010-deep-learning/raw/master/homeworks/"
        "homework2.ipynb): Dataset, Dataloader, running on GPU, training a convolutional "
        "neural network. Due by **March 20, 2023**." in full.split("\n")
    )


def test_render_puts_structured_data_without_a_marker_in_a_fallback_section():
    readme = fmt.ParsedReadme(
        course_code="INFO8010", course_title="Deep Learning", term="Spring 2023"
    )
    readme.previous_editions = [fmt.PreviousEditionEntry("2021-2022", "https://x.test/v5")]
    again = parse_readme(render_readme(readme))
    assert [p.label for p in again.previous_editions] == ["2021-2022"]
    assert [s.heading for s in again.sections] == ["Archives"]
