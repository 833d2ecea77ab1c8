"""Sections that apps above this one add to a student's assignment page (e.g. the
autograder's results), registered with ``assignment_section`` from their
``AppConfig.ready``: the page shows them without importing those apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from assignments.models import Assignment

from .models import StudentGroup, Submission


@dataclass
class Section:
    """One block of the assignment page: a template and its context."""

    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)


# A builder gets the assignment, the viewer, their group (or None) and the group's versions
# (newest first), and returns a Section or None.
Builder = Callable[[Assignment, User, StudentGroup | None, list[Submission]], Section | None]
SECTIONS: list[Builder] = []


def assignment_section(builder: Builder) -> Builder:
    """Register a section builder (usable as a decorator)."""
    SECTIONS.append(builder)
    return builder


def sections_for(
    *, assignment: Assignment, user: User, group: StudentGroup | None, history: list[Submission]
) -> list[Section]:
    built = (build(assignment, user, group, history) for build in SECTIONS)
    return [s for s in built if s is not None]
