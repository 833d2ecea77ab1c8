"""The autograder's blocks on other apps' pages: its panel in the TA's grading workspace
(``grading.queue_selectors.workspace_panel``) and its section on the student's assignment
page (``submissions.sections.assignment_section``). Registered from ``AppConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from assignments.models import Assignment
from grading.queue_selectors import Panel, workspace_panel
from submissions.models import StudentGroup, Submission
from submissions.sections import Section, assignment_section

from . import selectors
from .models import AutogradeRun, GraderBundle


@workspace_panel
def autograder_panel(submission: Submission) -> Panel | None:
    """The latest run on the version shown, for the TA (always visible to staff)."""
    run = selectors.run_latest(submission=submission)
    if run is None:
        return None
    return Panel(
        key="autograder",
        title=f"Autograder — {run.get_status_display()}",
        template="admin/autograder/panel.html",
        context={"run": run, "visible": True},
    )


@assignment_section
def autograder_section(
    assignment: Assignment, user: User, group: StudentGroup | None, history: list[Submission]
) -> Section | None:
    """The results on the group's latest version, when the assignment is autograded."""
    if group is None or not history:
        return None
    bundle = GraderBundle.objects.filter(assignment=assignment).first()
    if bundle is None:
        return None
    latest = history[0]
    latest.assignment = assignment  # loaded with its edition already
    result = selectors.result_for(submission=latest, user=user)
    return Section(
        key="autograder",
        title=_("Autograder"),
        template="autograder/_results.html",
        context={
            "submission": latest,
            "run": result.run if result else None,
            "visible": result.visible if result else False,
            "visible_from": result.visible_from if result else None,
            "pending": result is not None
            and result.run.status in (AutogradeRun.Status.QUEUED, AutogradeRun.Status.RUNNING),
        },
    )
