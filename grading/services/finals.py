"""Stored final grades: recomputed with the engine after every change of their inputs and
nightly, and released to the students."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from courses.models import Edition, Membership

from .. import engine, selectors
from ..models import (
    FinalGrade,
    GradingScheme,
)
from . import _current
from ._common import recompute_after_commit

logger = logging.getLogger(__name__)


def final_grades_recompute_queue(*, edition_id: int) -> None:
    """Recompute the edition's stored final grades in the background, after commit."""
    recompute_after_commit(edition_id)


def assignments_changed_received(
    sender: object, *, edition_ids: list[int], **kwargs: object
) -> None:
    """``assignments.signals.assignments_changed``: deadlines and maximum scores are inputs
    of the final grades of the editions that have a scheme."""
    for edition_id in GradingScheme.objects.filter(edition_id__in=edition_ids).values_list(
        "edition_id", flat=True
    ):
        recompute_after_commit(edition_id)


@transaction.atomic
def final_grades_recompute(
    *, edition: Edition, now: dt.datetime | None = None, force: bool = False
) -> int:
    """Recompute and store every student's final grade in ``edition`` with the engine.

    A fixed number of queries whatever the number of students: everything is loaded with a
    few queries, computed in memory and written with one upsert of the rows whose inputs
    changed (``inputs_digest``). When the cache knows that nothing they depend on changed
    since the last time (``_current``), nothing is loaded at all, unless ``force`` (the
    nightly job). Runs under the scheme's row lock, so two recomputations of one edition
    never interleave. Returns the number of students.
    """
    scheme = GradingScheme.objects.select_for_update().filter(edition=edition).first()
    if scheme is None:
        FinalGrade.objects.filter(edition=edition).delete()
        return 0
    now = now or timezone.now()
    loaded = selectors.scheme_load(edition=edition)
    assert loaded is not None
    students = list(
        Membership.objects.filter(edition=edition, role=Membership.Role.STUDENT)
        .exclude(user=None)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    released = scheme.final_released_at is not None
    scheme_key = repr((loaded.engine, released))
    check = _current.is_current(edition=edition, students=students, scheme_key=scheme_key, now=now)
    if check.current and not force:
        # Rows deleted behind the services' back are not current: compute them.
        if FinalGrade.objects.filter(edition=edition).order_by().count() == len(students):
            return len(students)
    marks = selectors.marks_for_students(
        loaded=loaded, student_ids=students, exam_marks_visible=True, now=now
    )
    computed_at = timezone.now()
    stored = dict(
        FinalGrade.objects.filter(edition=edition)
        .order_by()
        .values_list("student_id", "inputs_digest")
    )
    # The engine is pure: students with the same marks (a group, before the exam) share one
    # computation and one digest, and a student whose inputs have not changed keeps the
    # stored row. The digest is sha256(repr((scheme_key, signature))), its common prefix
    # hashed once.
    prefix = hashlib.sha256(f"({scheme_key!r}, ".encode())
    digests: dict[tuple, str] = {}
    results: dict[tuple, _Row] = {}
    rows: list[tuple[int, str, _Row]] = []  # (student, inputs digest, result)
    for student_id in students:
        mine = marks[student_id]
        # Keys are unique: sorting the items sorts the triples.
        signature = tuple((k, m.handed_in, m.mark) for k, m in sorted(mine.items()))
        digest = digests.get(signature)
        if digest is None:
            hasher = prefix.copy()
            hasher.update(f"{signature!r})".encode())
            digest = digests[signature] = hasher.hexdigest()
        if stored.get(student_id) == digest:
            continue
        row = results.get(signature)
        if row is None:
            row = results[signature] = _row(selectors.compute_safely(loaded.engine, mine))
        rows.append((student_id, digest, row))
    # The rows of those who are no longer students here (read above with the others).
    if gone := set(stored).difference(students):
        FinalGrade.objects.filter(edition=edition, student_id__in=gone).delete()
    if rows:
        _store(edition=edition, rows=rows, computed_at=computed_at, released=released)
    _current.remember(check=check, loaded=loaded, now=now)
    return len(students)


@dataclass(frozen=True)
class _Row:
    """What one engine result writes, shared by every student with the same inputs."""

    final: Decimal | None
    unrounded: Decimal | None
    provisional: Decimal | None
    admitted: bool
    breakdown: dict
    reasons: list[str]

    @cached_property
    def copy_text(self) -> str:
        """The row's columns from ``final`` to ``reasons`` in COPY's text format."""
        return "\t".join(
            [
                _copy_text(self.final),
                _copy_text(self.unrounded),
                _copy_text(self.provisional),
                "t" if self.admitted else "f",
                _copy_text(json.dumps(self.breakdown)),
                _copy_text(json.dumps(self.reasons)),
            ]
        )


def _row(outcome: engine.FinalResult | list[str]) -> _Row:
    if isinstance(outcome, list):  # the problems that kept the engine from computing
        return _Row(None, None, None, False, {}, outcome)
    payload = engine.result_as_dict(outcome)
    return _Row(
        outcome.final,
        outcome.unrounded,
        outcome.provisional,
        outcome.admitted,
        payload,
        payload["reasons"],
    )


_UPDATED = (
    "final",
    "unrounded",
    "provisional",
    "admitted",
    "breakdown",
    "reasons",
    "computed_at",
    "released",
    "inputs_digest",
)


def _store(
    *,
    edition: Edition,
    rows: list[tuple[int, str, _Row]],
    computed_at: dt.datetime,
    released: bool,
) -> None:
    """Insert or update the rows of these students (caller is in a transaction).

    On PostgreSQL the rows are streamed with ``COPY`` into temporary tables — each distinct
    result once, with its breakdown, then (student, result, digest) — and upserted from them
    in one statement: each breakdown is serialized and parsed once per distinct result and
    no model instance is built. Elsewhere, one ``bulk_create`` upsert.
    """
    if connection.vendor != "postgresql":
        FinalGrade.objects.bulk_create(
            [
                FinalGrade(
                    edition=edition,
                    student_id=student_id,
                    final=row.final,
                    unrounded=row.unrounded,
                    provisional=row.provisional,
                    admitted=row.admitted,
                    breakdown=row.breakdown,
                    reasons=row.reasons,
                    computed_at=computed_at,
                    released=released,
                    inputs_digest=digest,
                )
                for student_id, digest, row in rows
            ],
            update_conflicts=True,
            unique_fields=["edition", "student"],
            update_fields=list(_UPDATED),
        )
        return
    table = connection.ops.quote_name(FinalGrade._meta.db_table)
    numbers: dict[int, int] = {}  # id(result) → its number in the results table
    for _, _, row in rows:
        numbers.setdefault(id(row), len(numbers))
    distinct = {id(row): row for _, _, row in rows}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE lectern_final_results (result_id integer, final numeric,"
            " unrounded numeric, provisional numeric, admitted boolean, breakdown jsonb,"
            " reasons jsonb) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMPORARY TABLE lectern_final_grades_in (student_id bigint,"
            " result_id integer, inputs_digest varchar(64)) ON COMMIT DROP"
        )
        # Each distinct result once (its JSON parsed once), then a short line per student.
        _copy(
            cursor,
            "COPY lectern_final_results FROM STDIN",
            "".join(f"{numbers[key]}\t{row.copy_text}\n" for key, row in distinct.items()),
        )
        _copy(
            cursor,
            "COPY lectern_final_grades_in FROM STDIN",
            "".join(f"{student}\t{numbers[id(row)]}\t{digest}\n" for student, digest, row in rows),
        )
        cursor.execute(
            f"INSERT INTO {table} (edition_id, student_id, {', '.join(_UPDATED)})"  # noqa: S608
            " SELECT %s, g.student_id, r.final, r.unrounded, r.provisional, r.admitted,"
            " r.breakdown, r.reasons, %s, %s, g.inputs_digest"
            " FROM lectern_final_grades_in g JOIN lectern_final_results r USING (result_id)"
            " ON CONFLICT (edition_id, student_id) DO UPDATE SET "
            + ", ".join(f"{column} = EXCLUDED.{column}" for column in _UPDATED),
            [edition.pk, computed_at, released],
        )
        cursor.execute("DROP TABLE lectern_final_grades_in, lectern_final_results")


def _copy_text(value: object) -> str:
    """``value`` in COPY's text format: NULL as ``\\N``; backslash, tab and line breaks
    escaped (JSON escapes its own control characters, so only its backslashes remain)."""
    if value is None:
        return "\\N"
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _copy(cursor: Any, sql: str, data: str) -> None:
    """Stream ``data`` to ``COPY … FROM STDIN`` with whichever psycopg Django runs on."""
    raw = cursor.cursor
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, io.StringIO(data))
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(data)


@transaction.atomic
def final_grades_release(*, actor: User, edition: Edition) -> int:
    """Make the edition's final grades and exam marks visible to its students."""
    scheme = GradingScheme.objects.select_for_update().filter(edition=edition).first()
    if scheme is None:
        raise ValidationError(f"{edition} has no grading scheme.")
    if scheme.final_released_at is None:
        scheme.final_released_at = timezone.now()
        scheme.save(update_fields=["final_released_at"])
    return final_grades_recompute(edition=edition)
