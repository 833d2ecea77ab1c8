"""Every write of the autograder: saving a bundle, queuing runs (on hand-in, or all again
after a change), executing one run in the sandbox and storing its results, pre-filling the
draft grade (docs/decisions/0024-autograder.md)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import close_old_connections, transaction
from django.utils import timezone

from assignments.models import Assignment
from config.tasks import enqueue_on_commit
from grading.errors import GradeConflict
from grading.models import Grade, MarkChange
from grading.services import grade_save
from submissions.models import Submission

from . import environments, sandbox
from .models import AutogradeRun, GraderBundle

logger = logging.getLogger(__name__)

TWO_PLACES = Decimal("0.01")
LIMIT_FIELDS = ("tests", "environment", "wall_seconds", "cpu_seconds", "memory_mb", "output_kb")


# --- bundles ------------------------------------------------------------------------------


@transaction.atomic
def bundle_save(*, bundle: GraderBundle) -> GraderBundle:
    """Create or change an assignment's autograder. A change of its tests, environment or
    limits raises its version (results of older versions are kept; re-run them with
    ``runs_requeue_all``)."""
    try:
        compile(bundle.tests, "tests.py", "exec")
    except SyntaxError as exc:
        raise ValidationError({"tests": f"Line {exc.lineno}: {exc.msg}"}) from exc
    try:
        environments.check_name(bundle.environment)
    except environments.EnvironmentUnavailable as exc:
        raise ValidationError({"environment": str(exc)}) from exc
    if bundle.pk is not None:
        before = GraderBundle.objects.select_for_update().get(pk=bundle.pk)
        if any(getattr(before, f) != getattr(bundle, f) for f in LIMIT_FIELDS):
            bundle.version = before.version + 1
    bundle.full_clean()
    bundle.save()
    return bundle


# --- queuing ------------------------------------------------------------------------------


def run_queue(*, submission: Submission, bundle: GraderBundle) -> AutogradeRun:
    """A queued run of ``bundle`` on ``submission``, executed after the transaction commits
    (by the ``autograde`` queue, or a background thread of the embedded default)."""
    run = AutogradeRun.objects.create(
        submission=submission,
        bundle=bundle,
        bundle_version=bundle.version,
        environment=bundle.environment,
    )
    _dispatch(run.pk)
    return run


def submission_created_received(
    sender: object, *, submission: Submission, **kwargs: object
) -> None:
    """``submissions.signals.submission_created``: autograde the hand-in if its assignment
    has an autograder. Inside the hand-in's transaction; the run starts after its commit."""
    bundle = GraderBundle.objects.filter(assignment_id=submission.assignment_id).first()
    if bundle is not None:
        run_queue(submission=submission, bundle=bundle)


@transaction.atomic
def runs_requeue_all(*, assignment: Assignment) -> int:
    """Queue a run of the current bundle on each group's latest version (after a change of
    the bundle); older results are kept. Returns how many were queued."""
    bundle = GraderBundle.objects.filter(assignment=assignment).first()
    if bundle is None:
        raise ValidationError(f"{assignment} has no autograder.")
    latest: dict[int, Submission] = {}
    for submission in Submission.objects.filter(assignment=assignment).order_by(
        "group_id", "-version"
    ):
        latest.setdefault(submission.group_id, submission)
    for submission in latest.values():
        run_queue(submission=submission, bundle=bundle)
    return len(latest)


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


def _thread_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.LECTERN_AUTOGRADE_THREADS)
        return _slots


def _dispatch(run_id: int) -> None:
    from config.celery import app

    from .tasks import autograde_submission  # tasks import services

    if app.conf.task_always_eager and settings.LECTERN_AUTOGRADE_IN_THREAD:
        # The embedded default runs tasks in-process: the run goes to a background thread
        # (at most LECTERN_AUTOGRADE_THREADS at once), so the hand-in answers before it ends.
        transaction.on_commit(lambda: _start_thread(run_id), robust=True)
    else:
        enqueue_on_commit(autograde_submission, run_id)


def _start_thread(run_id: int) -> None:
    thread = threading.Thread(
        target=_run_in_thread, args=(run_id,), name=f"autograde-{run_id}", daemon=True
    )
    thread.start()


def _run_in_thread(run_id: int) -> None:
    with _thread_slots():
        close_old_connections()
        try:
            run_execute(run_id=run_id)
        except Exception:
            logger.exception("autograde run %s failed in its thread", run_id)
        finally:
            close_old_connections()
            from django.db import connection

            connection.close()


# --- running ------------------------------------------------------------------------------


def _claim(run_id: int) -> AutogradeRun | None:
    """Mark a queued run running (one worker wins); a run left running by a worker that
    died long ago is taken over."""
    now = timezone.now()
    with transaction.atomic():
        run = (
            AutogradeRun.objects.select_for_update(of=("self",))
            .select_related("bundle", "submission__assignment")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.finished:
            return None
        if run.status == AutogradeRun.Status.RUNNING:
            stale = run.started_at is not None and run.started_at < now - dt.timedelta(
                seconds=run.bundle.wall_seconds + 300
            )
            if not stale:
                return None
        bundle = run.bundle
        run.status = AutogradeRun.Status.RUNNING
        run.started_at = now
        # The bundle as it is now (it may have changed since the run was queued).
        run.bundle_version = bundle.version
        run.environment = bundle.environment
        run.save(update_fields=["status", "started_at", "bundle_version", "environment"])
        return run


def run_execute(*, run_id: int) -> AutogradeRun | None:
    """Execute a queued run in the sandbox and store its results (no transaction is held
    while the notebook runs). None when another worker has it or it is finished."""
    run = _claim(run_id)
    if run is None:
        return None
    bundle = run.bundle
    limits = sandbox.Limits(
        wall_seconds=bundle.wall_seconds,
        cpu_seconds=bundle.cpu_seconds,
        memory_mb=bundle.memory_mb,
        output_kb=bundle.output_kb,
    )
    try:
        env_dir = environments.env_get(bundle.environment)
        with run.submission.file.open("rb") as handle:
            notebook = handle.read()
        outcome = sandbox.run(notebook=notebook, tests=bundle.tests, env_dir=env_dir, limits=limits)
    except (environments.EnvironmentUnavailable, sandbox.SandboxUnavailable, OSError) as exc:
        logger.error("autograde run %s could not start: %s", run_id, exc)
        outcome = sandbox.Outcome(status="failed", error=f"The autograder could not run: {exc}")
    return _store(run, outcome)


def _store(run: AutogradeRun, outcome: sandbox.Outcome) -> AutogradeRun:
    tests = [_clean_test(t) for t in outcome.tests]
    with transaction.atomic():
        run.status = outcome.status
        run.tests = tests
        run.error = outcome.error
        run.stdout_tail = outcome.stdout[-8000:]
        run.stderr_tail = outcome.stderr[-8000:]
        run.output_cut = outcome.output_cut
        run.finished_at = timezone.now()
        if outcome.status == AutogradeRun.Status.DONE:
            run.score = sum((Decimal(str(t["points"])) for t in tests), Decimal(0))
            run.max_score = sum((Decimal(str(t["max_points"])) for t in tests), Decimal(0))
        run.save()
        if run.status == AutogradeRun.Status.DONE and run.bundle.prefill_grade:
            _prefill(run)
    return run


def _clean_test(test: dict) -> dict:
    """A test's result as stored and shown: known keys, bounded sizes."""
    status = test.get("status")

    def number(value: object) -> str:
        try:
            return f"{Decimal(str(value)).quantize(TWO_PLACES).normalize():f}"
        except ArithmeticError:
            return "0"

    return {
        "name": str(test.get("name", "?"))[:200],
        "status": status if status in ("passed", "failed", "error", "timeout") else "error",
        "points": number(test.get("points", 0)),
        "max_points": number(test.get("max_points", 0)),
        "message": str(test.get("message", ""))[:2000],
    }


def _prefill(run: AutogradeRun) -> None:
    """The autograder's score, scaled to the assignment's maximum, as the group's draft
    grade: only while no TA has saved it (its revision is still the autograder's), never
    on a released grade, never for an older version, never over a rubric (its points are
    the TA's)."""
    submission = run.submission
    assignment = submission.assignment
    if assignment.rubric_criteria.exists():
        return
    newest = (
        Submission.objects.filter(assignment=assignment, group_id=submission.group_id)
        .order_by("-version")
        .values_list("pk", flat=True)
        .first()
    )
    if newest != submission.pk:
        return
    grade = Grade.objects.filter(assignment=assignment, group_id=submission.group_id).first()
    if grade is not None:
        if grade.is_released:
            return
        ours = (
            AutogradeRun.objects.filter(
                submission__assignment=assignment,
                submission__group_id=submission.group_id,
                prefilled_revision__isnull=False,
            )
            .order_by("-id")
            .values_list("prefilled_revision", flat=True)
            .first()
        )
        if grade.score is not None and grade.revision != ours:
            return  # a TA graded it: theirs stands
    assert run.score is not None and run.max_score is not None
    score = (
        (run.score / run.max_score * assignment.max_score).quantize(TWO_PLACES)
        if run.max_score
        else Decimal(0)
    )
    try:
        saved = grade_save(
            actor=None,
            assignment=assignment,
            group=submission.group,
            via=MarkChange.Via.SYSTEM,
            score=score,
            expected_revision=grade.revision if grade is not None else 0,
        )
    except GradeConflict:
        return  # a TA saved it meanwhile
    run.prefilled_revision = saved.revision
    run.save(update_fields=["prefilled_revision"])
