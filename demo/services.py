"""Load the demo: the INFO8010 Spring 2023 edition, a live edition cloned from it, and the
demo accounts. Idempotent: running it again changes nothing that is already there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assignments.models import Assignment, Paper
from assignments.services import edition_clone
from courses.models import (
    Course,
    Edition,
    EditionSection,
    Event,
    Lecture,
    LectureLink,
    Membership,
    PreviousEdition,
)
from courses.services import content_save, edition_publish
from grading.services import INSTRUCTORS, TEACHING_ASSISTANTS, staff_groups_ensure
from submissions.services import group_create, group_join

from . import autograding, data, grading

DEMO_SLUG = "info8010-demo"


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str]] = field(default_factory=list)


def _user(
    email: str, first: str, last: str, *, student_id: str = "", staff: bool = False
) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    created = user is None
    if user is None:
        user = User.objects.create_user(
            email=email,
            password=data.DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            student_id=student_id,
            is_staff=staff,
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def _build_2023(course: Course, instructor: User, ta: User) -> Edition:
    edition = Edition.objects.create(course=course, status=Edition.Status.ARCHIVED, **data.EDITION)
    position = 0
    for name in data.INSTRUCTORS:
        Membership.objects.create(
            edition=edition,
            role=Membership.Role.INSTRUCTOR,
            display_name=name,
            user=instructor if name == data.INSTRUCTORS[0] else None,
            position=position,
        )
        position += 1
    for index, name in enumerate(data.TEACHING_ASSISTANTS):
        Membership.objects.create(
            edition=edition,
            role=Membership.Role.TA,
            display_name=name,
            user=ta if index == 0 else None,
            position=position,
        )
        position += 1

    links = []
    for index, item in enumerate(data.AGENDA):
        position = index * 10
        if "deadline" in item:
            spec = dict(data.ASSIGNMENTS[item["deadline"]])
            papers = spec.pop("papers", [])
            assignment = Assignment.objects.create(edition=edition, position=position, **spec)
            Paper.objects.bulk_create(
                Paper(assignment=assignment, authors=a, title=t, year=y, url=u, position=i)
                for i, (a, t, y, u) in enumerate(papers)
            )
        elif "event" in item:
            Event.objects.create(edition=edition, position=position, **item["event"])
        else:
            links += _lecture(edition, item, position)
    for index, item in enumerate(data.ARCHIVED_LECTURES):
        links += _lecture(edition, item, index, archived=True)
    LectureLink.objects.bulk_create(links)

    EditionSection.objects.bulk_create(
        EditionSection(edition=edition, kind=kind, heading=heading, body=body, position=i)
        for i, (kind, heading, body) in enumerate(data.SECTIONS)
    )
    PreviousEdition.objects.bulk_create(
        PreviousEdition(edition=edition, label=label, url=url, position=i)
        for i, (label, url) in enumerate(data.PREVIOUS_EDITIONS)
    )
    return edition


def _lecture(
    edition: Edition, item: dict[str, Any], position: int, archived: bool = False
) -> list[LectureLink]:
    lecture = Lecture.objects.create(
        edition=edition,
        date=item["date"],
        number=item["number"],
        title=item["title"],
        kind=item["kind"],
        position=position,
        archived=archived,
    )
    return [
        LectureLink(lecture=lecture, kind=kind, label=label, url=url, position=i)
        for i, (kind, label, url) in enumerate(item["links"])
    ]


def demo_start_date(*, today: dt.date) -> dt.date:
    """The first agenda date of the live demo edition: whole weeks after 10 Feb 2023 (so
    lectures stay on Fridays), chosen so that Homework 2 is the next deadline after today —
    Homework 1 has passed, the rest of the term is ahead."""
    first = data.AGENDA[0]["date"]
    homework_2 = data.ASSIGNMENTS["homework-2"]["due_date"]
    weeks = (today - homework_2).days // 7 + 1
    return first + dt.timedelta(weeks=weeks)


@transaction.atomic
def demo_load(*, today: dt.date | None = None) -> DemoReport:
    """Create whatever part of the demo is missing."""
    today = today or timezone.localdate()
    report = DemoReport()
    groups = staff_groups_ensure()

    instructor, _ = _user(*data.INSTRUCTOR, staff=True)
    ta, _ = _user(*data.TA, staff=True)
    instructor.groups.add(groups[INSTRUCTORS])
    ta.groups.add(groups[TEACHING_ASSISTANTS])
    students = [
        _user(email, first, last, student_id=sid)[0] for email, first, last, sid in data.STUDENTS
    ]
    report.accounts = [
        (u.email, role)
        for u, role in [(instructor, "instructor"), (ta, "TA")] + [(s, "student") for s in students]
    ]

    course, _ = Course.objects.get_or_create(code=data.COURSE["code"], defaults=data.COURSE)
    source = Edition.objects.filter(slug=data.EDITION["slug"]).first()
    if source is None:
        source = _build_2023(course, instructor, ta)
        report.created.append(source.slug)

    if not Edition.objects.filter(slug=DEMO_SLUG).exists():
        start = demo_start_date(today=today)
        demo = edition_clone(
            source=source,
            new_slug=DEMO_SLUG,
            start=start,
            term=f"Live demo term (from {start:%d %b %Y})",
        )
        demo.schedule_text = ""
        demo.intro = "A live copy of the Spring 2023 edition, shifted so that today is mid-term."
        edition_publish(edition=content_save(instance=demo))
        Membership.objects.bulk_create(
            Membership(edition=demo, user=s, role=Membership.Role.STUDENT) for s in students
        )
        for name, numbers in data.DEMO_GROUPS:
            founder, *others = [students[n - 1] for n in numbers]
            group = group_create(user=founder, edition=demo, name=name)
            for student in others:
                group_join(user=student, code=group.join_code)
        report.created.append(demo.slug)
    grading.demo_grading_load(edition=source, students=students, ta=ta, instructor=instructor)
    live = Edition.objects.filter(slug=DEMO_SLUG).first()
    if live is not None:
        grading.demo_queue_load(live=live, archive=source, now=timezone.now())
        autograding.demo_autograder_load(live=live)
    return report
