"""Grades of the INFO8010 Spring 2023 demo edition: the 2023 scheme, the project's rubric,
groups, hand-ins dated 2023, released marks, oral-exam marks and released final grades.

Chosen so that the grade table shows every rule: both homeworks, one homework, no homework,
a missed reading report (not admitted), an individual mark and an absence at the exam.
Idempotent: nothing is done once the edition has a grading scheme.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal as D
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F

from accounts.models import User
from assignments.models import Assignment
from courses.models import Edition, Membership
from grading import services
from grading.models import Grade, GradingScheme, MarkChange, RegradeRequest, RubricCriterion
from submissions.models import GroupMembership, StudentGroup, Submission
from submissions.services import submission_receipt

VIA = MarkChange.Via.SYSTEM

# Staff permissions on grading models, added to the demo's permission groups.
GRADING_PERMISSIONS = {
    "Instructors": {
        "grade": "vacd",
        "gradeoverride": "vacd",
        "rubriccriterion": "vacd",
        "rubricscore": "vacd",
        "exammark": "vac",
        "gradingscheme": "vacd",
        "schemecomponent": "vacd",
        "finalgrade": "v",
        "markchange": "v",
        "submissiontograde": "v",
    },
    "Teaching assistants": {
        "grade": "vac",
        "gradeoverride": "vac",
        "rubriccriterion": "v",
        "rubricscore": "vac",
        "exammark": "v",
        "gradingscheme": "v",
        "schemecomponent": "v",
        "finalgrade": "v",
        "markchange": "v",
        "submissiontograde": "v",
    },
}
ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}

# (group name, students by number, homeworks handed in, reading report handed in)
GROUPS_2023 = [
    ("Tensor Titans", [1, 2], (1, 2), True),
    ("Gradient Gang", [3, 4], (1,), True),
    ("Solo Descent", [5], (), True),
    ("Late Readers", [6], (1, 2), False),
]
# Marks out of 20 (the project as rubric points: quality and originality /14, presentation /6).
MARKS_2023: dict[str, dict[str, Any]] = {
    "Tensor Titans": {
        "homework-1": "17.5",
        "homework-2": "16",
        "reading": "15",
        "project": (12, 5),
    },
    "Gradient Gang": {"homework-1": "14", "reading": "13.5", "project": ("10.5", "4.5")},
    "Solo Descent": {"reading": "12", "project": (9, 4)},
    "Late Readers": {"homework-1": "11", "homework-2": "12.5", "project": (8, "3.5")},
}
FEEDBACK = {
    "project": "Clear problem statement and honest evaluation; the related work could go deeper.",
    "reading": "A faithful summary; the critical discussion is the strongest part.",
}
# Oral exam out of 20 by student number; None: absent.
EXAM_2023 = {1: "14", 2: "16.5", 3: "12", 4: "11", 5: "13", 6: None}
OVERRIDE_2023 = (4, "project", "8", "Did not take part in the experiments (agreed with the group).")


def staff_grading_permissions_ensure() -> None:
    for name, models in GRADING_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [f"{ACTIONS[a]}_{model}" for model, actions in models.items() for a in actions]
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="grading", codename__in=codenames)
        )


def _pdf(title: str) -> bytes:
    """A small valid one-page PDF with ``title`` on it, built in code."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _notebook(title: str) -> bytes:
    return json.dumps(
        {
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": [f"# {title}"]},
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": ["import torch\n", "torch.ones(2, 2) @ torch.ones(2, 2)"],
                },
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    ).encode()


def _hand_in(
    assignment: Assignment,
    group: StudentGroup,
    members: list[User],
    submitted_at: dt.datetime | None = None,
) -> Submission:
    """A version handed in two days before the deadline (or at ``submitted_at``), recorded
    directly: the acceptance service would (rightly) refuse a hand-in dated in the past."""
    if "notebook" in assignment.accepted_kinds:
        data, kind, name = _notebook(f"{assignment.title} — {group.name}"), "notebook", "work.ipynb"
    else:
        data, kind, name = _pdf(f"{assignment.title} - {group.name}"), "pdf", "report.pdf"
    submission = Submission(
        assignment=assignment,
        group=group,
        version=1,
        original_name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content_kind=kind,
        pages=1 if kind == "pdf" else None,
        counted_pages=1 if kind == "pdf" else None,
        paper=assignment.papers.first(),
        submitted_by=members[0],
        submitted_at=submitted_at or assignment.due_at - dt.timedelta(days=2),
        deadline_at=assignment.due_at,
        signature="",
    )
    submission.file.save(name, ContentFile(data), save=False)
    submission.save()
    submission.members.set(members)
    submission.signature = submission_receipt(submission=submission).signature
    submission.save(update_fields=["signature"])
    return submission


def scheme_2023(
    *, reading: Assignment, homework_1: Assignment, homework_2: Assignment, project: Assignment
) -> list[services.ComponentSpec]:
    """The INFO8010 Spring 2023 scheme (docs/grading.md): oral exam 50, reading report 10
    and project 30 (both mandatory for admission), homeworks 5 + 5, optional, whose weight
    moves to the project when not handed in. Scale 20, rounded to the half point."""
    spec = services.ComponentSpec
    return [
        spec("oral_exam", "Oral exam", D(50), kind="exam"),
        spec(
            "reading_report",
            "Reading report",
            D(10),
            assignment=reading,
            mandatory_for_admission=True,
        ),
        spec(
            "homework_1",
            "Homework 1",
            D(5),
            assignment=homework_1,
            optional=True,
            transfer_to="project",
        ),
        spec(
            "homework_2",
            "Homework 2",
            D(5),
            assignment=homework_2,
            optional=True,
            transfer_to="project",
        ),
        spec("project", "Project", D(30), assignment=project, mandatory_for_admission=True),
    ]


@transaction.atomic
def demo_grading_load(
    *, edition: Edition, students: list[User], ta: User, instructor: User
) -> bool:
    """Give the 2023 edition its scheme, hand-ins and marks; False when already there."""
    staff_grading_permissions_ensure()
    if GradingScheme.objects.filter(edition=edition).exists():
        return False
    for student in students:
        Membership.objects.get_or_create(
            edition=edition, user=student, defaults={"role": Membership.Role.STUDENT}
        )
    assignments = {
        key: Assignment.objects.get(edition=edition, title=title)
        for key, title in [
            ("homework-1", "Homework 1"),
            ("homework-2", "Homework 2"),
            ("reading", "Reading assignment"),
            ("project", "Project"),
        ]
    }
    services.scheme_set(
        actor=instructor,
        edition=edition,
        scale=D(20),
        rounding_step=D("0.5"),
        components=scheme_2023(
            reading=assignments["reading"],
            homework_1=assignments["homework-1"],
            homework_2=assignments["homework-2"],
            project=assignments["project"],
        ),
    )
    quality, presentation = services.rubric_set(
        assignment=assignments["project"],
        criteria=[("quality and originality", D(14)), ("presentation", D(6))],
    )

    groups: dict[str, StudentGroup] = {}
    for name, numbers, homeworks, reading in GROUPS_2023:
        members = [students[n - 1] for n in numbers]
        group = StudentGroup.objects.create(edition=edition, name=name)
        GroupMembership.objects.bulk_create(
            GroupMembership(group=group, user=u, edition=edition) for u in members
        )
        groups[name] = group
        work = [f"homework-{n}" for n in homeworks] + (["reading"] if reading else []) + ["project"]
        for key in work:
            _hand_in(assignments[key], group, members)
            mark = MARKS_2023[name][key]
            if key == "project":
                services.grade_save(
                    actor=ta,
                    assignment=assignments[key],
                    group=group,
                    rubric={quality.pk: D(str(mark[0])), presentation.pk: D(str(mark[1]))},
                    feedback=FEEDBACK["project"],
                    grader=ta,
                    via=VIA,
                )
            else:
                services.grade_save(
                    actor=ta,
                    assignment=assignments[key],
                    group=group,
                    score=D(mark),
                    feedback=FEEDBACK.get(key, ""),
                    grader=ta,
                    via=VIA,
                )
    number, key, score, reason = OVERRIDE_2023
    student = students[number - 1]
    grade = Grade.objects.get(assignment=assignments[key], group__memberships__user=student)
    services.grade_override_set(
        actor=instructor, grade=grade, student=student, score=D(score), reason=reason, via=VIA
    )
    for assignment in assignments.values():
        services.grade_release(actor=ta, assignment=assignment, via=VIA)
    # A term long past: its students are not e-mailed again when the demo loads.
    Grade.objects.filter(assignment__edition=edition).update(released_emailed_at=F("released_at"))
    exam = edition.grading_scheme.components.get(key="oral_exam")
    for number, mark in EXAM_2023.items():
        services.exam_mark_set(
            actor=instructor,
            component=exam,
            student=students[number - 1],
            score=None if mark is None else D(mark),
            via=VIA,
        )
    services.final_grades_release(actor=instructor, edition=edition)
    return True


# The live demo's work to grade: hand-ins of several groups, ungraded, so the grading queue
# has work at once (docs/grading.md). The reading assignment gets a rubric of three items.
READING_RUBRIC = [
    ("Summary of the paper", D(8)),
    ("Critical discussion", D(8)),
    ("Writing", D(4)),
]
DEMO_QUEUE = {"Reading assignment": ["Tensor Titans", "Gradient Gang", "Solo Descent"],
              "Homework 1": ["Tensor Titans", "Gradient Gang"]}  # fmt: skip
REGRADE_2023 = (
    "Gradient Gang",
    "Reading assignment",
    "student3@demo.test",
    "We think the critical discussion of section 4 was missed: it is on page 2.",
)


@transaction.atomic
def demo_queue_load(*, live: Edition, archive: Edition, now: dt.datetime) -> bool:
    """Ungraded hand-ins in the live demo, and one open regrade request in 2023; False
    when already there (the reading assignment has its rubric)."""
    reading = Assignment.objects.select_related("edition").get(
        edition=live, title="Reading assignment"
    )
    if RubricCriterion.objects.filter(assignment=reading).exists():
        return False
    services.rubric_set(assignment=reading, criteria=READING_RUBRIC)
    for title, names in DEMO_QUEUE.items():
        assignment = Assignment.objects.select_related("edition").get(edition=live, title=title)
        when = min(now - dt.timedelta(hours=3), assignment.due_at - dt.timedelta(days=2))
        for name in names:
            group = StudentGroup.objects.filter(edition=live, name=name).first()
            if (
                group is None
                or Submission.objects.filter(assignment=assignment, group=group).exists()
            ):
                continue
            _hand_in(assignment, group, list(group.members.all()), submitted_at=when)
    group_name, title, email, message = REGRADE_2023
    grade = Grade.objects.filter(
        assignment__edition=archive, assignment__title=title, group__name=group_name
    ).first()
    if grade is not None and not RegradeRequest.objects.filter(grade=grade).exists():
        # Recorded directly: the service would (rightly) refuse it, the 2023 window is long past.
        RegradeRequest.objects.create(
            grade=grade,
            requested_by=User.objects.filter(email=email).first(),
            message=message,
            score_before=grade.score,
        )
    return True
