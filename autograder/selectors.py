"""Reads of the autograder: a hand-in's latest run and whether its viewer may see the
results yet (docs/decisions/0024-autograder.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from courses import permissions
from submissions.models import Submission

from .models import AutogradeRun, GraderBundle


@dataclass
class Result:
    """A run as a viewer sees it: ``visible`` says whether the results (score, tests,
    output) may be shown; the status always may."""

    run: AutogradeRun
    visible: bool
    visible_from: dt.datetime | None  # when a student sees the results (None: at once)


def run_latest(*, submission: Submission) -> AutogradeRun | None:
    """The newest run on this version, with its bundle. One query."""
    return (
        AutogradeRun.objects.filter(submission=submission)
        .select_related("bundle")
        .order_by("-id")
        .first()
    )


def visible_from(*, bundle: GraderBundle, submission: Submission) -> dt.datetime | None:
    """When students see the results of ``submission``: None for at once, else the group's
    effective deadline at hand-in time (its extension included)."""
    if bundle.visibility == GraderBundle.Visibility.AT_ONCE:
        return None
    return submission.deadline_at


def result_for(
    *, submission: Submission, user: User, now: dt.datetime | None = None
) -> Result | None:
    """The latest run of ``submission`` as ``user`` sees it (precondition: ``user`` may see
    the submission). Staff of its edition always see the results; students per the
    bundle's visibility. None: not autograded. Two queries (three for a student)."""
    run = run_latest(submission=submission)
    if run is None:
        return None
    when = visible_from(bundle=run.bundle, submission=submission)
    staff = permissions.is_edition_staff(user=user, edition=submission.assignment.edition)
    visible = staff or when is None or (now or timezone.now()) >= when
    return Result(run=run, visible=visible, visible_from=when)


def runs_latest_by_submission(*, submission_ids: list[int]) -> dict[int, AutogradeRun]:
    """The newest run of each of these submissions. One query."""
    latest: dict[int, AutogradeRun] = {}
    for run in (
        AutogradeRun.objects.filter(submission_id__in=submission_ids)
        .select_related("bundle")
        .order_by("submission_id", "-id")
    ):
        latest.setdefault(run.submission_id, run)
    return latest
