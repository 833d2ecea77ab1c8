"""A cloned edition's prose follows its dates (issue 14, point 9): no stale "May 19"."""

from __future__ import annotations

import datetime as dt

import pytest

from assignments import services
from assignments.prose_dates import shift_prose_dates
from courses.models import EditionSection
from tests.factories import AssignmentFactory, EditionFactory, LectureFactory


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("submitted by **May 19** on Gradescope", "submitted by **May 17** on Gradescope"),
        ("due by May 19, 2023.", "due by May 17, 2024."),
        ("on 19 May 2023", "on 17 May 2024"),
        ("the 1st: March 1st", "the 1st: February 28th"),
        ("nothing here, May I ask?", "nothing here, May I ask?"),
        ("February 30 stays", "February 30 stays"),
    ],
)
def test_prose_dates_move_by_whole_weeks(text, expected):
    # 52 weeks = 364 days; 2024 is a leap year.
    assert shift_prose_dates(text, days=364, default_year=2023) == expected


def test_no_shift_leaves_the_text_alone():
    assert shift_prose_dates("May 19", days=0, default_year=2023) == "May 19"


@pytest.mark.django_db
def test_a_cloned_edition_moves_the_dates_of_its_prose():
    source = EditionFactory(slug="info8010-2023", term="Spring 2023")
    LectureFactory(edition=source, date=dt.date(2023, 2, 10))
    EditionSection.objects.create(
        edition=source,
        heading="Reading assignment",
        body="Your report should be submitted by **May 19**. This is a **hard** deadline.",
        position=0,
    )
    AssignmentFactory(
        edition=source, title="Project", due_date=dt.date(2023, 5, 19), description="Due May 19."
    )
    clone = services.edition_clone(
        source=source, new_slug="info8010-2024", start=dt.date(2024, 2, 9)
    )
    [section] = clone.sections.all()
    [project] = clone.assignments.all()
    assert project.due_date == dt.date(2024, 5, 17)
    assert "submitted by **May 17**" in section.body
    assert project.description == "Due May 17."
