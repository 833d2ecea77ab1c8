"""Benchmark data: one published INFO8010 Spring 2023 edition, the shape of the real agenda.

Used by ``bench/run.sh`` only when ``manage.py load_demo`` is absent or did not create the
edition; it does nothing when the edition already exists. 14 dated items of the agenda
(syllabus + lectures 0–12) and 2 archived lectures with their links, 5 deadlines, 1 event.
Runs under whatever settings DJANGO_SETTINGS_MODULE names (run.sh: production + PostgreSQL).

    python bench/seed.py [edition-slug]
"""

import datetime as dt
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402

from assignments.models import Assignment  # noqa: E402
from courses.models import (  # noqa: E402
    Course,
    Edition,
    Event,
    EventLink,
    Lecture,
    LectureLink,
    Membership,
)

SITE = "https://glouppe.github.io/info8010-deep-learning"
CODE = "https://github.com/glouppe/info8010-deep-learning/blob/master/code"

# (date, number or None for the syllabus, title, slug for the URLs, video?, code notebooks)
LECTURES = [
    (dt.date(2023, 2, 10), None, "Course syllabus", "course-syllabus", True, []),
    (dt.date(2023, 2, 10), 0, "Introduction", "lecture0", True, []),
    (dt.date(2023, 2, 10), 1, "Fundamentals of machine learning", "lecture1", True, []),
    (
        dt.date(2023, 2, 17),
        2,
        "Multi-layer perceptron",
        "lecture2",
        True,
        ["lec2-space-stretching.ipynb", "lec2-spiral-classification.ipynb"],
    ),
    (dt.date(2023, 2, 24), 3, "Automatic differentiation", "lecture3", True, ["lec3.ipynb"]),
    (dt.date(2023, 3, 3), 4, "Training neural networks", "lecture4", True, []),
    (dt.date(2023, 3, 10), 5, "Convolutional neural networks", "lecture5", True, ["lec5.ipynb"]),
    (dt.date(2023, 3, 17), 6, "Computer vision", "lecture6", True, []),
    (dt.date(2023, 3, 24), 7, "Attention and transformers", "lecture7", True, []),
    (dt.date(2023, 3, 31), 8, "GPT", "lecture8", False, ["gpt/"]),
    (dt.date(2023, 4, 21), 9, "Graph neural networks", "lecture9", False, []),
    (dt.date(2023, 4, 28), 10, "Uncertainty", "lecture10", True, []),
    (
        dt.date(2023, 5, 5),
        11,
        "Auto-encoders and variational auto-encoders",
        "lecture11",
        True,
        ["lec11-vae.ipynb"],
    ),  # fmt: skip
    (dt.date(2023, 5, 12), 12, "Diffusion models", "lecture12", False, []),
]
ARCHIVED = [
    ("Recurrent neural networks", "archives-lecture-rnn"),
    ("Generative adversarial networks", "archives-lecture-gan"),
]
# (kind, number, title, agenda wording, due date, hard deadline, optional, min group size)
DEADLINES = [
    (Assignment.Kind.HOMEWORK, 1, "Homework 1", "", dt.date(2023, 3, 6), False, True, 2),
    (Assignment.Kind.HOMEWORK, 2, "Homework 2", "", dt.date(2023, 3, 20), False, True, 2),
    (
        Assignment.Kind.PROJECT_PROPOSAL,
        None,
        "Project proposal",
        "the project proposal",
        dt.date(2023, 3, 20),
        False,
        False,
        1,
    ),  # fmt: skip
    (
        Assignment.Kind.READING_REPORT,
        None,
        "Reading assignment",
        "the reading assignment",
        dt.date(2023, 5, 19),
        True,
        False,
        1,
    ),  # fmt: skip
    (
        Assignment.Kind.PROJECT,
        None,
        "Project",
        "the project",
        dt.date(2023, 5, 19),
        False,
        False,
        1,
    ),  # fmt: skip
]


def _add_lecture(edition, position, date, number, title, slug, video, notebooks, archived=False):
    lecture = Lecture.objects.create(
        edition=edition,
        date=date,
        position=position,
        kind=Lecture.Kind.SYLLABUS if number is None and not archived else Lecture.Kind.LECTURE,
        number=number,
        title=title,
        archived=archived,
    )
    pdf = slug.replace(
        "lecture", "lec"
    )  # lecture3 -> lec3, archives-lecture-rnn -> archives-lec-rnn
    links = [
        LectureLink(lecture=lecture, kind="slides", label="", url=f"{SITE}/?p={slug}.md"),
        LectureLink(lecture=lecture, kind="pdf", label="PDF", url=f"{SITE}/pdf/{pdf}.pdf"),
    ]
    if video:
        links.append(
            LectureLink(
                lecture=lecture, kind="video", label="video", url=f"https://youtu.be/{slug}"
            )
        )
    for index, notebook in enumerate(notebooks, start=1):
        label = "code" if len(notebooks) == 1 else f"code {index}"
        links.append(
            LectureLink(lecture=lecture, kind="code", label=label, url=f"{CODE}/{notebook}")
        )
    for position_, link in enumerate(links):
        link.position = position_
    LectureLink.objects.bulk_create(links)


@transaction.atomic
def seed(slug: str = "info8010-2023") -> bool:
    """Create the edition unless it exists; True when something was created."""
    if Edition.objects.filter(slug=slug).exists():
        return False
    course, _ = Course.objects.get_or_create(
        code="INFO8010", defaults={"title": "Deep Learning", "institution": "ULiège"}
    )
    edition = Edition.objects.create(
        course=course,
        slug=slug,
        term="Spring 2023",
        academic_year="2022-2023",
        intro="Lectures for INFO8010 - Deep Learning, ULiège, Spring 2023.",
        timezone="Europe/Brussels",
        meeting_weekday=Edition.Weekday.FRIDAY,
        meeting_time=dt.time(8, 30),
        meeting_room="R3 / B28",
        status=Edition.Status.PUBLISHED,
    )
    staff = [("Gilles Louppe", Membership.Role.INSTRUCTOR)] + [
        (name, Membership.Role.TA)
        for name in ("Arnaud Delaunoy", "François Rozet", "Yann Claes", "Victor Dachet")
    ]
    Membership.objects.bulk_create(
        Membership(edition=edition, role=role, display_name=name, position=position)
        for position, (name, role) in enumerate(staff)
    )
    for position, (date, number, title, url_slug, video, notebooks) in enumerate(LECTURES):
        _add_lecture(edition, position, date, number, title, url_slug, video, notebooks)
    for title, url_slug in ARCHIVED:
        _add_lecture(edition, 0, None, None, title, url_slug, True, [], archived=True)
    for position, (kind, number, title, wording, due, hard, optional, min_size) in enumerate(
        DEADLINES
    ):
        # due_at is derived from the local date and time and the edition's zone when read.
        Assignment.objects.create(
            edition=edition,
            kind=kind,
            number=number,
            title=title,
            agenda_title=wording,
            due_date=due,
            hard_deadline=hard,
            optional=optional,
            min_group_size=min_size,
            position=position,
        )
    event = Event.objects.create(
        edition=edition,
        date=dt.date(2023, 4, 28),
        position=1,
        label="Tutorial",
        title="Weight and Biases",
        speaker="Thomas Capelle, ML engineer at wandb.ai",
    )
    EventLink.objects.create(event=event, kind="other", label="wandb.ai", url="https://wandb.ai")
    return True


if __name__ == "__main__":
    edition_slug = sys.argv[1] if len(sys.argv) > 1 else "info8010-2023"
    created = seed(edition_slug)
    print(f"bench seed: {edition_slug} {'created' if created else 'already present'}")
