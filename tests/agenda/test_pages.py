"""The public course site: what a visitor reads on the list, the course page and the archives."""

import datetime as dt

import pytest
from django.urls import reverse

from assignments.models import Assignment
from courses.models import Edition, LectureLink, Membership
from tests.agenda.html_tree import parse
from tests.factories import (
    AssignmentFactory,
    CourseFactory,
    EditionFactory,
    EditionInfoFactory,
    EditionSectionFactory,
    EventFactory,
    EventLinkFactory,
    LectureFactory,
    LectureLinkFactory,
    MembershipFactory,
    PaperFactory,
    PreviousEditionFactory,
    StaffMembershipFactory,
    UserFactory,
    build_full_edition,
)

pytestmark = pytest.mark.django_db

SITE = "https://glouppe.github.io/info8010-deep-learning"
Kind = LectureLink.Kind


def _lecture(edition, date, position, number, title, slug, *links, **fields):
    lecture = LectureFactory(
        edition=edition, date=date, position=position, number=number, title=title, **fields
    )
    LectureLinkFactory(lecture=lecture, kind=Kind.SLIDES, label="", url=f"{SITE}/?p={slug}.md")
    for i, (kind, label, url) in enumerate(links, start=1):
        LectureLinkFactory(lecture=lecture, kind=kind, label=label, url=url, position=i)
    return lecture


@pytest.fixture
def info8010():
    """A slice of INFO8010 Spring 2023, as its README shows it."""
    edition = EditionFactory(
        slug="info8010-2023",
        course=CourseFactory(),
        intro="Lectures for INFO8010 - Deep Learning, ULiège, Spring 2023.",
    )
    StaffMembershipFactory(
        edition=edition, role=Membership.Role.INSTRUCTOR, display_name="Gilles Louppe"
    )
    for position, name in enumerate(["Arnaud Delaunoy", "François Rozet"], start=1):
        StaffMembershipFactory(edition=edition, display_name=name, position=position)
    MembershipFactory(
        edition=edition, user=UserFactory(first_name="Stu", last_name="Dent"), role="student"
    )
    EditionInfoFactory(
        edition=edition, label="Discord", value="[INFO8010 server](https://discord.test/x)"
    )
    feb10 = dt.date(2023, 2, 10)
    syllabus = LectureFactory(
        edition=edition,
        date=feb10,
        position=0,
        kind="syllabus",
        number=None,
        title="Course syllabus",
    )
    LectureLinkFactory(lecture=syllabus, kind=Kind.SLIDES, label="", url=f"{SITE}/?p=syllabus")
    LectureLinkFactory(
        lecture=syllabus, kind=Kind.PDF, label="PDF", url=f"{SITE}/pdf/syllabus.pdf", position=1
    )
    _lecture(edition, feb10, 1, 0, "Introduction", "lecture0")
    _lecture(edition, feb10, 2, 1, "Fundamentals of machine learning", "lecture1")
    _lecture(
        edition,
        dt.date(2023, 2, 17),
        0,
        2,
        "Multi-layer perceptron",
        "lecture2",
        (Kind.PDF, "PDF", f"{SITE}/pdf/lec2.pdf"),
        (Kind.VIDEO, "video", "https://www.youtube.com/watch?v=OF6AkE9Fnjc"),
        (Kind.CODE, "code 1", "https://github.test/lec2-space-stretching.ipynb"),
        (Kind.CODE, "code 2", "https://github.test/lec2-spiral-classification.ipynb"),
    )
    _lecture(edition, dt.date(2023, 3, 31), 0, 8, "GPT", "lecture8", note="(Optional)")
    EventFactory(
        edition=edition,
        date=dt.date(2023, 4, 28),
        position=1,
        label="Tutorial",
        title="Weight and Biases",
        speaker="Thomas Capelle, ML engineer at `wandb.ai`",
    )
    undated = EventFactory(edition=edition, date=None, label="", title="All slides", speaker="")
    EventLinkFactory(event=undated, label="PDF", url=f"{SITE}/pdf/all.pdf")
    archived = LectureFactory(
        edition=edition, date=None, archived=True, number=None, title="Recurrent neural networks"
    )
    LectureLinkFactory(lecture=archived, kind=Kind.SLIDES, label="", url=f"{SITE}/?p=rnn.md")
    LectureLinkFactory(lecture=archived, kind=Kind.PDF, label="PDF", url=f"{SITE}/rnn.pdf")
    AssignmentFactory(
        edition=edition,
        number=1,
        title="Homework 1",
        summary="Tensor operations, `autograd` and `nn`.",
        handout_url="https://github.test/homework1.ipynb",
        due_date=dt.date(2023, 3, 6),
    )
    reading = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading report",
        agenda_title="the reading assignment",
        due_date=dt.date(2023, 5, 19),
        hard_deadline=True,
    )
    PaperFactory(assignment=reading)
    PaperFactory(
        assignment=reading,
        authors="Jumper et al",
        title="Highly accurate protein structure prediction with AlphaFold",
        year=2021,
        url="https://www.nature.com/articles/s41586-021-03819-2",
        position=2,
    )
    EditionSectionFactory(
        edition=edition,
        kind="homeworks",
        heading="Homeworks",
        body="Each homework must be submitted **before 23:59 on the due date**.",
        position=0,
    )
    EditionSectionFactory(
        edition=edition,
        kind="reading",
        heading="Reading assignment",
        body="Read and summarize a paper.",
        position=1,
    )
    PreviousEditionFactory(edition=edition, label="2021-2022", position=0)
    PreviousEditionFactory(
        edition=edition,
        label="2020-2021",
        url="https://github.com/glouppe/info8010-deep-learning/tree/v4-info8010-2021",
        position=1,
    )
    return edition


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return parse(response.content)


def _agenda_rows(doc):
    """[(date cell text, [item text, …], [(link text, href), …])] of the agenda table."""
    table = doc.find("table", "agenda")
    rows = []
    for tr in table.find("tbody").find_all("tr"):
        items = [li.text() for li in tr.find("td").find_all("li")]
        rows.append((tr.find("th").text(), items, tr.find("td").links()))
    return rows


# --- The list of editions ------------------------------------------------------------------


def test_home_lists_published_and_archived_editions_but_no_draft(client):
    EditionFactory(term="Spring 2023", status=Edition.Status.PUBLISHED)
    EditionFactory(term="Spring 2022", status=Edition.Status.ARCHIVED)
    EditionFactory(term="Spring 2027", status=Edition.Status.DRAFT)

    text = _page(client, "/").find("main").text()

    assert "Spring 2023" in text
    assert "Spring 2022" in text
    assert "Spring 2027" not in text


def test_home_shows_a_draft_to_its_staff_and_to_no_other_staff(client):
    draft = EditionFactory(term="Spring 2027", status=Edition.Status.DRAFT)
    ta = StaffMembershipFactory(edition=draft).user
    other_ta = StaffMembershipFactory(edition=EditionFactory()).user

    client.force_login(ta)
    assert "Spring 2027" in _page(client, "/").find("main").text()
    client.force_login(other_ta)
    assert "Spring 2027" not in _page(client, "/").find("main").text()


def test_home_links_each_edition_to_its_page(client):
    edition = EditionFactory(term="Spring 2023")

    links = _page(client, "/").find("main").links()

    assert ("INFO8010 – Deep Learning, Spring 2023", edition.get_absolute_url()) in links


# --- The course page -----------------------------------------------------------------------


def test_course_page_header_shows_title_intro_staff_schedule_room_and_infos(client, info8010):
    header = _page(client, info8010.get_absolute_url()).find("article").find("header")

    assert header.find("h1").text() == "INFO8010 - Deep Learning"
    assert "Lectures for INFO8010 - Deep Learning, ULiège, Spring 2023." in header.text()
    facts = [(dt_.text(), dd.text()) for dt_, dd in zip(
        header.find_all("dt"), header.find_all("dd"), strict=True
    )]  # fmt: skip
    assert facts == [
        ("Instructor", "Gilles Louppe"),
        ("Teaching assistants", "Arnaud Delaunoy, François Rozet"),
        ("When", "Spring 2023, Friday 8:30 AM"),
        ("Classroom", "R3 / B28"),
        ("Discord", "INFO8010 server"),
    ]
    assert ("INFO8010 server", "https://discord.test/x") in header.links()


def test_course_page_never_lists_students(client, info8010):
    assert "Stu Dent" not in _page(client, info8010.get_absolute_url()).text()


def test_agenda_has_one_row_per_date_with_every_item_of_that_date(client, info8010):
    rows = _agenda_rows(_page(client, info8010.get_absolute_url()))

    dates = [date for date, _, _ in rows]
    assert dates == [
        "February 10",
        "February 17",
        "March 6",
        "March 31",
        "April 28",
        "May 19",
        "",  # the undated row comes last
    ]
    assert rows[0][1] == [
        "Course syllabus [PDF]",
        "Lecture 0: Introduction",
        "Lecture 1: Fundamentals of machine learning",
    ]


def test_agenda_links_the_slides_on_the_title_then_every_other_link_in_order(client, info8010):
    _, items, links = _agenda_rows(_page(client, info8010.get_absolute_url()))[1]

    assert items == ["Lecture 2: Multi-layer perceptron [PDF] [video] [code 1] [code 2]"]
    assert links == [
        ("Multi-layer perceptron", f"{SITE}/?p=lecture2.md"),
        ("PDF", f"{SITE}/pdf/lec2.pdf"),
        ("video", "https://www.youtube.com/watch?v=OF6AkE9Fnjc"),
        ("code 1", "https://github.test/lec2-space-stretching.ipynb"),
        ("code 2", "https://github.test/lec2-spiral-classification.ipynb"),
    ]


def test_agenda_link_text_names_the_lecture_for_screen_readers(client, info8010):
    row = _page(client, info8010.get_absolute_url()).find("table", "agenda").find_all("tr")[2]

    spoken = [a.text(hidden=True) for a in row.find_all("a")]

    assert "PDF, Lecture 2: Multi-layer perceptron" in spoken
    assert "code 2, Lecture 2: Multi-layer perceptron" in spoken


def test_agenda_shows_deadlines_in_the_edition_zone_across_dst(client, info8010):
    rows = dict((date, items) for date, items, _ in _agenda_rows(
        _page(client, info8010.get_absolute_url())
    ))  # fmt: skip

    assert rows["March 6"] == [
        "Deadline for Homework 1, Mon 6 Mar 2023, 23:59 Brussels time (CET) [Handout]"
    ]
    assert rows["May 19"] == [
        "Deadline for the reading assignment, Fri 19 May 2023, 23:59 Brussels time (CEST) "
        "(hard deadline)"
    ]


def test_agenda_shows_events_with_speaker_and_lecture_notes(client, info8010):
    rows = dict((date, items) for date, items, _ in _agenda_rows(
        _page(client, info8010.get_absolute_url())
    ))  # fmt: skip

    assert rows["April 28"] == [
        "Tutorial: Weight and Biases (Thomas Capelle, ML engineer at wandb.ai)"
    ]
    assert rows["March 31"] == ["Lecture 8: GPT (Optional)"]
    assert rows[""] == ["All slides [PDF]"]


def test_agenda_leaves_archived_lectures_out(client, info8010):
    agenda = _page(client, info8010.get_absolute_url()).find("table", "agenda")

    assert "Recurrent neural networks" not in agenda.text()


def test_sections_render_markdown_with_the_homework_list_and_papers(client, info8010):
    doc = _page(client, info8010.get_absolute_url())
    sections = {s.find("h2").text(): s for s in doc.find_all("section")}

    homeworks = sections["Homeworks"]
    assert homeworks.find("strong").text() == "before 23:59 on the due date"
    assert homeworks.find("ul", "homeworks").text() == (
        "Homework 1: Tensor operations, autograd and nn. "
        "Due by Mon 6 Mar 2023, 23:59 Brussels time (CET)."
    )
    assert homeworks.find("code").text() == "autograd"
    assert ("Homework 1", "https://github.test/homework1.ipynb") in homeworks.links()

    reading = sections["Reading assignment"]
    assert [li.text() for li in reading.find("ul", "papers").find_all("li")] == [
        "Rombach et al, “High-Resolution Image Synthesis with Latent Diffusion Models”, 2022.",
        "Jumper et al, “Highly accurate protein structure prediction with AlphaFold”, 2021.",
    ]
    assert "This is a hard deadline." in reading.text()


def test_homeworks_are_listed_even_without_a_homeworks_section(client):
    edition = EditionFactory()
    AssignmentFactory(edition=edition, title="Homework 1")

    doc = _page(client, edition.get_absolute_url())

    titles = [h2.text() for h2 in doc.find_all("h2")]
    assert "Homeworks" in titles


def test_course_page_lists_previous_editions_and_links_to_the_archives(client, info8010):
    archives = {s.find("h2").text(): s for s in _page(
        client, info8010.get_absolute_url()
    ).find_all("section")}["Archives"]  # fmt: skip

    links = archives.links()
    assert links[0][0] == "2021-2022"
    assert links[1] == (
        "2020-2021",
        "https://github.com/glouppe/info8010-deep-learning/tree/v4-info8010-2021",
    )
    assert links[2] == (
        "Archived lectures of INFO8010",
        reverse("agenda:archives", kwargs={"slug": "info8010-2023"}),
    )


def test_previous_edition_links_to_its_lectern_page_only_once_public(client):
    edition = EditionFactory()
    older = EditionFactory(status=Edition.Status.ARCHIVED)
    draft = EditionFactory(status=Edition.Status.DRAFT)
    PreviousEditionFactory(edition=edition, label="2022", url="", linked_edition=older)
    PreviousEditionFactory(edition=edition, label="2028", url="", linked_edition=draft)

    links = _page(client, edition.get_absolute_url()).find("main").links()

    assert ("2022", older.get_absolute_url()) in links
    assert all(text != "2028" for text, _ in links)


def test_course_page_renders_staff_markdown_sanitised(client):
    edition = EditionFactory(intro='Hi <script>alert("x")</script>[x](javascript:alert(1))')
    EditionSectionFactory(edition=edition, body='<img src=x onerror="alert(1)"> **ok**')

    html = client.get(edition.get_absolute_url()).content.decode()

    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<strong>ok</strong>" in html


# --- Who may see what ----------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["agenda:edition", "agenda:archives"])
def test_draft_pages_are_404_for_visitors_students_and_other_staff(client, url_name):
    draft = EditionFactory(status=Edition.Status.DRAFT)
    url = reverse(url_name, kwargs={"slug": draft.slug})
    student = MembershipFactory(edition=draft).user
    other_staff = StaffMembershipFactory(edition=EditionFactory()).user

    assert client.get(url).status_code == 404
    client.force_login(student)
    assert client.get(url).status_code == 404
    client.force_login(other_staff)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url_name", ["agenda:edition", "agenda:archives"])
def test_draft_pages_are_shown_to_the_edition_staff_marked_as_draft(client, url_name):
    draft = EditionFactory(status=Edition.Status.DRAFT)
    client.force_login(StaffMembershipFactory(edition=draft).user)

    doc = _page(client, reverse(url_name, kwargs={"slug": draft.slug}))

    assert "Draft." in doc.find("p", "notice").text()


def test_archived_edition_page_is_public(client):
    edition = EditionFactory(status=Edition.Status.ARCHIVED)

    assert client.get(edition.get_absolute_url()).status_code == 200


def test_unknown_edition_is_404(client):
    assert client.get("/editions/no-such-edition/").status_code == 404


# --- Archives ------------------------------------------------------------------------------


def test_archives_page_lists_archived_lectures_with_their_links(client, info8010):
    doc = _page(client, reverse("agenda:archives", kwargs={"slug": info8010.slug}))

    table = doc.find("table", "agenda")
    assert [td.text() for td in table.find_all("td")] == ["Recurrent neural networks [PDF]"]
    assert table.links() == [
        ("Recurrent neural networks", f"{SITE}/?p=rnn.md"),
        ("PDF", f"{SITE}/rnn.pdf"),
    ]
    assert "2021-2022" in [text for text, _ in doc.find("main").links()]


# --- Accessibility and assets --------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["agenda:edition-list", "agenda:edition", "agenda:archives"])
def test_pages_have_landmarks_one_h1_scoped_headers_and_no_script(client, info8010, url_name):
    kwargs = {} if url_name == "agenda:edition-list" else {"slug": info8010.slug}
    response = client.get(reverse(url_name, kwargs=kwargs))
    doc = parse(response.content)

    assert len(doc.find_all("main")) == 1
    assert doc.find_all("nav")
    assert len(doc.find_all("h1")) == 1
    assert all(th.attrs.get("scope") in ("col", "row") for th in doc.find_all("th"))
    assert all(a.text(hidden=True) for a in doc.find_all("a")), "a link without text"
    # Works without JavaScript and without any third-party host.
    assert not doc.find_all("script")
    for link in doc.find_all("link"):
        assert link.attrs["href"].startswith("/static/")


# --- Query counts --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 12])
def test_course_page_queries_do_not_grow_with_the_agenda(
    client, django_assert_max_num_queries, size
):
    edition = build_full_edition(
        lectures=size, links_per_lecture=size, events=size, homeworks=size, papers=size
    )
    with django_assert_max_num_queries(13):
        response = client.get(edition.get_absolute_url())
    assert response.status_code == 200
    assert response.content.count(b"agenda-lecture") == size


@pytest.mark.parametrize("size", [1, 12])
def test_archives_page_queries_do_not_grow_with_the_lectures(
    client, django_assert_max_num_queries, size
):
    edition = build_full_edition(lectures=0)
    for _ in range(size - 1):
        LectureLinkFactory(lecture=LectureFactory(edition=edition, date=None, archived=True))
    with django_assert_max_num_queries(4):
        response = client.get(reverse("agenda:archives", kwargs={"slug": edition.slug}))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_edition_list_queries_do_not_grow_with_the_editions(
    client, django_assert_max_num_queries, size
):
    for _ in range(size):
        EditionFactory()
    user = StaffMembershipFactory(edition=EditionFactory(status=Edition.Status.DRAFT)).user
    client.force_login(user)
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
