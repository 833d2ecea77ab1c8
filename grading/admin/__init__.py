"""The TA's and the instructor's grading workflow in the Django admin.

Staff see only the editions they teach (``courses.admin.EditionScopedAdmin``). Every save of
a mark or of the scheme goes through ``grading.services`` (so the history records it and the
final grades follow); actions call services or queue tasks by id.
"""

from . import grades, scheme, workspace  # noqa: F401 — each registers its admins
