"""The Django permission groups of edition staff, kept in step on every ``migrate``.

Model permissions say what an instructor or a TA may do in the admin at all; every admin
then narrows the rows to the editions the person teaches (``courses/permissions.py``). This
module sits in the top app of the layers so that it can name the models of every app.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

INSTRUCTORS = "Instructors"
TEACHING_ASSISTANTS = "Teaching assistants"

ALL = "view add change delete"

# group -> app label -> model -> actions
STAFF_PERMISSIONS: dict[str, dict[str, dict[str, str]]] = {
    INSTRUCTORS: {
        "courses": {
            "course": ALL,
            "edition": ALL,
            "editioninfo": ALL,
            "editionsection": ALL,
            "previousedition": ALL,
            "membership": ALL,
            "lecture": ALL,
            "lecturelink": ALL,
            "event": ALL,
            "eventlink": ALL,
        },
        "assignments": {"assignment": ALL, "paper": ALL},
        "submissions": {
            "studentgroup": ALL,
            "groupmembership": ALL,
            "groupchange": "view",
            "extension": ALL,
            "proposalreview": ALL,
            "submission": "view add",
        },
        "grading": {
            "grade": ALL,
            "rubriccriterion": ALL,
            "rubricscore": ALL,
            "gradeoverride": ALL,
            "gradingscheme": ALL,
            "schemecomponent": ALL,
            "exammark": ALL,
            "finalgrade": "view change",
            "markchange": "view",
            "submissiontograde": "view",
        },
        # Named, not imported: the autograder sits above grading.
        "autograder": {"graderbundle": ALL},
    },
    TEACHING_ASSISTANTS: {
        "courses": {
            "edition": "view",
            "lecture": ALL,
            "lecturelink": ALL,
            "event": ALL,
            "eventlink": ALL,
        },
        "assignments": {"assignment": "view change", "paper": "view"},
        "submissions": {
            "studentgroup": "view change",
            "groupmembership": "view add delete",
            "groupchange": "view",
            "extension": ALL,
            "proposalreview": ALL,
            "submission": "view add",
        },
        "grading": {
            "grade": ALL,
            "rubriccriterion": "view",
            "rubricscore": ALL,
            "gradeoverride": ALL,
            "gradingscheme": "view",
            "schemecomponent": "view",
            "exammark": ALL,
            "finalgrade": "view",
            "markchange": "view",
            "submissiontograde": "view",
        },
        "autograder": {"graderbundle": "view"},
    },
}


@transaction.atomic
def staff_groups_ensure() -> dict[str, Group]:
    """Create or update the staff permission groups (idempotent)."""
    groups = {}
    for name, apps in STAFF_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms: list[Permission] = []
        for app_label, models in apps.items():
            codenames = [
                f"{action}_{model}"
                for model, actions in models.items()
                for action in actions.split()
            ]
            perms += Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        group.permissions.set(perms)
        groups[name] = group
    return groups


def sync_after_migrate(sender: object, **kwargs: object) -> None:
    staff_groups_ensure()
