"""Every write of the grading app, one module per sub-domain, one function per use case,
keyword-only and transactional:

- ``grades``: grades, rubric points, individual marks, releases and their e-mails, sharing
  the work among TAs;
- ``exams``: exam marks, one by one or from a CSV file;
- ``scheme``: the grading scheme and the rubrics;
- ``finals``: stored final grades, recomputed and released;
- ``regrades``: regrade requests and their answers;
- ``staff``: the Django permission groups of edition staff.

Every change of a mark writes a ``MarkChange`` (no signals). Callers use this package's
names: ``from grading import services; services.grade_save(...)``.
"""

from ._common import Via
from .exams import ImportReport, exam_mark_set, exam_marks_import_csv
from .finals import final_grades_recompute, final_grades_recompute_queue, final_grades_release
from .grades import (
    ReleaseReport,
    grade_override_set,
    grade_release,
    grade_released_emails_send,
    grade_save,
    grades_assign_evenly,
    latest_submission,
)
from .regrades import (
    regrade_answer_email_send,
    regrade_request_answer,
    regrade_request_create,
    regrade_window_end,
)
from .scheme import (
    ComponentSpec,
    rubric_criterion_check,
    rubric_criterion_delete,
    rubric_criterion_save,
    rubric_set,
    scheme_delete,
    scheme_problems,
    scheme_set,
)
from .staff import INSTRUCTORS, TEACHING_ASSISTANTS, staff_groups_ensure

__all__ = [
    "INSTRUCTORS",
    "TEACHING_ASSISTANTS",
    "ComponentSpec",
    "ImportReport",
    "ReleaseReport",
    "Via",
    "exam_mark_set",
    "exam_marks_import_csv",
    "final_grades_recompute",
    "final_grades_recompute_queue",
    "final_grades_release",
    "grade_override_set",
    "grade_release",
    "grade_released_emails_send",
    "grade_save",
    "grades_assign_evenly",
    "latest_submission",
    "regrade_answer_email_send",
    "regrade_request_answer",
    "regrade_request_create",
    "regrade_window_end",
    "rubric_criterion_check",
    "rubric_criterion_delete",
    "rubric_criterion_save",
    "rubric_set",
    "scheme_delete",
    "scheme_problems",
    "scheme_set",
    "staff_groups_ensure",
]
