"""Exam marks: one at a time (the admin, the API) or a whole CSV file (all or nothing)."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from courses.models import Membership

from ..models import (
    ExamMark,
    MarkChange,
    SchemeComponent,
)
from ._common import Via, decimal_or_none, exam_mark_change, num, recompute_after_commit, record

logger = logging.getLogger(__name__)


def _exam_component(component: SchemeComponent) -> SchemeComponent:
    if component.kind != SchemeComponent.Kind.EXAM:
        raise ValidationError(f"{component.name} is not an exam component.")
    return component


@transaction.atomic
def exam_mark_set(
    *,
    actor: User,
    component: SchemeComponent,
    student: User,
    via: str,
    score: Decimal | str | None,
) -> ExamMark:
    """Record a student's exam mark; ``score=None`` records that the student did not sit it."""
    _exam_component(component)
    edition_id = component.scheme.edition_id
    if not Membership.objects.filter(
        edition_id=edition_id, user=student, role=Membership.Role.STUDENT
    ).exists():
        raise ValidationError(f"{student} is not a student of this edition.")
    score = decimal_or_none(score, "Mark")
    if score is not None and (score < 0 or score > component.max_mark):
        raise ValidationError(f"Mark: {score} is outside 0–{num(component.max_mark)}.")
    mark = ExamMark.objects.select_for_update().filter(component=component, student=student).first()
    before = None if mark is None else {"score": num(mark.score)}
    if mark is None:
        mark = ExamMark(component=component, student=student, edition_id=edition_id)
    mark.score = score
    mark.entered_by = actor
    mark.save()
    change = record(
        edition_id=edition_id,
        actor=actor,
        via=via,
        kind=MarkChange.Kind.EXAM,
        object_id=mark.pk,
        object_repr=f"{component.name} — {student.email}",
        before=before,
        after={"score": num(score)},
    )
    if change is not None:
        recompute_after_commit(edition_id)
    return mark


ABSENT_WORDS = {"absent", "abs", "a"}


@dataclass
class ImportReport:
    """Row errors (line number, message) and what was imported; nothing when any error."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    imported: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def exam_marks_import_csv(
    *, actor: User, component: SchemeComponent, text: str, via: str = Via.CSV
) -> ImportReport:
    """Import exam marks from CSV with the columns ``student`` (student ID or e-mail) and
    ``mark`` (a number, or "absent"). Every row is checked first; if any is wrong, the
    report lists each error by line and nothing is imported."""
    _exam_component(component)
    edition_id = component.scheme.edition_id
    report = ImportReport()
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [(n, row) for n, row in enumerate(reader, start=1) if any(c.strip() for c in row)]
    if not rows:
        report.errors.append((1, "The file is empty: expected a header 'student,mark'."))
        return report
    header_line, header = rows[0]
    columns = [c.strip().lower() for c in header]
    if "student" not in columns or "mark" not in columns:
        report.errors.append(
            (header_line, "The first line must name the columns 'student' and 'mark'.")
        )
        return report
    student_col, mark_col = columns.index("student"), columns.index("mark")

    students = list(
        User.objects.filter(
            memberships__edition_id=edition_id, memberships__role=Membership.Role.STUDENT
        )
    )
    by_email = {u.email.lower(): u for u in students}
    by_sid = {u.student_id.strip().lower(): u for u in students if u.student_id.strip()}
    parsed: dict[int, tuple[User, Decimal | None]] = {}
    seen: dict[int, int] = {}
    for line, row in rows[1:]:
        cells = [c.strip() for c in row]
        if len(cells) <= max(student_col, mark_col):
            report.errors.append((line, "Missing a column: expected a student and a mark."))
            continue
        who, raw = cells[student_col], cells[mark_col]
        student = by_email.get(who.lower()) or by_sid.get(who.lower())
        if student is None:
            report.errors.append(
                (line, f"No student of this edition has the ID or e-mail {who!r}.")
            )
            continue
        if student.pk in seen:
            report.errors.append((line, f"{who} already has a mark on line {seen[student.pk]}."))
            continue
        seen[student.pk] = line
        if raw.lower() in ABSENT_WORDS:
            parsed[student.pk] = (student, None)
            continue
        try:
            mark = decimal_or_none(raw, "Mark")
        except ValidationError as exc:
            report.errors.append((line, " ".join(exc.messages)))
            continue
        if mark is None:
            report.errors.append((line, "The mark is empty: give a number or 'absent'."))
        elif mark < 0 or mark > component.max_mark:
            report.errors.append((line, f"The mark {raw} is outside 0–{num(component.max_mark)}."))
        else:
            parsed[student.pk] = (student, mark)
    if report.errors:
        return report

    with transaction.atomic():
        current = {
            m.student_id: m
            for m in ExamMark.objects.select_for_update().filter(component=component)
        }
        new, changed, history = [], [], []
        for student, mark in parsed.values():
            existing = current.get(student.pk)
            if existing is not None and existing.score == mark:
                report.unchanged += 1
                continue
            if existing is None:
                existing = ExamMark(component=component, student=student, edition_id=edition_id)
                new.append(existing)
                before = None
            else:
                before = {"score": num(existing.score)}
                changed.append(existing)
            existing.score = mark
            existing.entered_by = actor
            history.append((existing, student, before, {"score": num(mark)}))
        ExamMark.objects.bulk_create(new)
        ExamMark.objects.bulk_update(changed, ["score", "entered_by", "updated_at"])
        if new:  # ids of rows created by bulk_create are not returned on every database
            ids = dict(
                ExamMark.objects.filter(
                    component=component, student_id__in=[m.student_id for m in new]
                ).values_list("student_id", "pk")
            )
            for m in new:
                m.pk = ids[m.student_id]
        MarkChange.objects.bulk_create(
            exam_mark_change(
                edition_id=edition_id,
                actor=actor,
                via=via,
                mark_id=mark.pk,
                component_name=component.name,
                student_email=student.email,
                before=before,
                after=after,
            )
            for mark, student, before, after in history
        )
        report.imported = len(history)
        if history:
            recompute_after_commit(edition_id)
    return report
