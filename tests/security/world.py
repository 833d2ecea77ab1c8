"""The fixture world of the security tests: who is who, and what each of them may reach.

Three editions of two courses:

- ``pub``, published: an instructor, a TA, group "Alpha" (``member``) and group "Beta"
  (``other_student``), each with one hand-in of ``homework``; a lecture, an event, an
  extension and a proposal review, so that every edition-scoped admin has a row to open;
- ``elsewhere``, published, of another course: ``ta_elsewhere`` and ``student_elsewhere``;
- ``draft``, a draft of ``pub``'s course staffed by ``pub``'s instructor only.

Alpha's homework is graded and released; Beta's is graded but still a draft, so no student
may see it.

Staff users get every model permission on the course apps, so that the tests prove the
per-edition scoping, not Django's model permissions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from accounts.models import User
from accounts.services import api_token_create
from assignments.models import Assignment
from autograder.models import AutogradeRun, GraderBundle
from courses.models import Course, Edition, Event, Lecture, Membership
from grading import services as grading
from grading.models import (
    ExamMark,
    FinalGrade,
    Grade,
    GradingScheme,
    MarkChange,
    RubricCriterion,
    SchemeComponent,
)
from submissions import services
from submissions.models import (
    CalendarFeedToken,
    Extension,
    GroupChange,
    ProposalReview,
    StudentGroup,
    Submission,
)
from tests.factories import (
    AssignmentFactory,
    CourseFactory,
    EditionFactory,
    EventFactory,
    LectureFactory,
    MembershipFactory,
    UserFactory,
)
from tests.submissions.conftest import pdf_upload

# Apps whose model admins edition staff use; everything else is for superusers.
STAFF_APPS = ("courses", "assignments", "submissions", "grading", "autograder")

ROLES = (
    "anonymous",
    "student_elsewhere",  # a student of another edition
    "other_student",  # a student of the edition, in the other group
    "member",  # a student of the edition, in the group whose objects are asked for
    "ta_elsewhere",  # a TA of another edition
    "ta",
    "instructor",
)


@dataclass
class World:
    pub: Edition
    elsewhere: Edition
    draft: Edition
    homework: Assignment
    proposal: Assignment
    group_a: StudentGroup
    group_b: StudentGroup
    sub_a: Submission
    sub_b: Submission
    receipt_a: str
    calendar_token: CalendarFeedToken
    lecture: Lecture
    event: Event
    extension: Extension
    review: ProposalReview
    group_change: GroupChange
    staff_group: Group
    email_address: EmailAddress
    grade_a: Grade  # released
    grade_b: Grade  # a draft: no student may see it
    scheme: GradingScheme
    criterion: RubricCriterion
    exam_mark: ExamMark
    final_grade: FinalGrade
    mark_change: MarkChange
    bundle: GraderBundle  # Homework 1's autograder; Alpha's hand-in has a finished run
    users: dict[str, User]

    def value(self, path: str):
        """``"sub_a.pk"`` → ``self.sub_a.pk``; ``"users.member.pk"`` works too."""
        head, _, rest = path.partition(".")
        if head == "users":
            name, _, rest = rest.partition(".")
            obj = self.users[name]
        else:
            obj = getattr(self, head)
        return attrgetter(rest)(obj) if rest else obj

    def user(self, role: str) -> User | None:
        return self.users.get(role)


def _staff(edition: Edition, role: str, email: str) -> User:
    user = UserFactory(email=email, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=STAFF_APPS))
    MembershipFactory(edition=edition, user=user, role=role)
    return user


def _student(edition: Edition, email: str) -> User:
    user = UserFactory(email=email)
    MembershipFactory(edition=edition, user=user, role=Membership.Role.STUDENT)
    return user


def build_world() -> World:
    course = CourseFactory(code="INFO8010")
    other_course: Course = CourseFactory(code="MATH0001", title="Analysis")
    pub = EditionFactory(course=course, slug="secpub-2025", status=Edition.Status.PUBLISHED)
    elsewhere = EditionFactory(
        course=other_course, slug="secother-2025", status=Edition.Status.PUBLISHED
    )
    draft = EditionFactory(
        course=course, slug="secdraft-2026", term="Secret Spring 2026", status=Edition.Status.DRAFT
    )

    instructor = _staff(pub, Membership.Role.INSTRUCTOR, "instructor@sec.test")
    MembershipFactory(edition=draft, user=instructor, role=Membership.Role.INSTRUCTOR)
    ta = _staff(pub, Membership.Role.TA, "ta@sec.test")
    ta_elsewhere = _staff(elsewhere, Membership.Role.TA, "ta-elsewhere@sec.test")
    member = _student(pub, "member@sec.test")
    other_student = _student(pub, "other@sec.test")
    student_elsewhere = _student(elsewhere, "student-elsewhere@sec.test")

    # Far enough ahead that hand-ins made by the tests are on time.
    due = timezone.now().date() + dt.timedelta(days=60)
    homework = AssignmentFactory(edition=pub, title="Homework 1", due_date=due)
    proposal = AssignmentFactory(
        edition=pub,
        kind=Assignment.Kind.PROJECT_PROPOSAL,
        number=None,
        title="Project proposal",
        due_date=due,
    )
    AssignmentFactory(edition=elsewhere, title="Exercise sheet 1", due_date=due)
    group_a = services.group_create(user=member, edition=pub, name="Alpha")
    group_b = services.group_create(user=other_student, edition=pub, name="Beta")
    sub_a = services.submission_create(
        user=member, assignment=homework, upload=pdf_upload(1, name="alpha-hand-in.pdf")
    )
    sub_b = services.submission_create(
        user=other_student, assignment=homework, upload=pdf_upload(2, name="beta-hand-in.pdf")
    )
    extension = services.extension_grant(
        actor=instructor, assignment=homework, group=group_a, days=1, reason="Ill"
    )
    review = services.proposal_review(
        reviewer=ta, assignment=proposal, group=group_a, approved=True, comment="Go ahead"
    )
    services.calendar_token_rotate(user=member)
    grade_a = grading.grade_save(
        actor=ta,
        assignment=homework,
        group=group_a,
        score=Decimal("15"),
        feedback="ALPHA-RELEASED-FEEDBACK",
        via=MarkChange.Via.SYSTEM,
    )
    grading.grade_release(actor=ta, assignment=homework, via=MarkChange.Via.SYSTEM)
    grade_b = grading.grade_save(
        actor=ta,
        assignment=homework,
        group=group_b,
        score=Decimal("9"),
        feedback="BETA-DRAFT-FEEDBACK",
        via=MarkChange.Via.SYSTEM,
    )
    scheme = GradingScheme.objects.create(edition=pub, scale=Decimal(20))
    oral = SchemeComponent.objects.create(
        scheme=scheme, key="oral", name="Oral exam", weight=Decimal(1), kind="exam"
    )
    users = {
        "student_elsewhere": student_elsewhere,
        "other_student": other_student,
        "member": member,
        "ta_elsewhere": ta_elsewhere,
        "ta": ta,
        "instructor": instructor,
    }
    bundle = GraderBundle.objects.create(assignment=homework, tests="", environment="sec")
    for sub in (sub_a, sub_b):
        AutogradeRun.objects.create(
            submission=sub, bundle=bundle, bundle_version=1, environment="sec",
            status="done", score=Decimal(1), max_score=Decimal(2),
        )  # fmt: skip
    for user in users.values():
        # The key is shown once: the world keeps it on the user for the API clients.
        user.api_key = api_token_create(user=user).key
    return World(
        pub=pub,
        elsewhere=elsewhere,
        draft=draft,
        homework=homework,
        proposal=proposal,
        group_a=group_a,
        group_b=group_b,
        sub_a=sub_a,
        sub_b=sub_b,
        receipt_a=services.submission_receipt(submission=sub_a).to_json(),
        calendar_token=CalendarFeedToken.objects.get(user=member),
        lecture=LectureFactory(edition=pub, title="Sec lecture"),
        event=EventFactory(edition=pub),
        extension=extension,
        review=review,
        group_change=GroupChange.objects.filter(group=group_a).first(),
        staff_group=Group.objects.create(name="Security matrix"),
        email_address=EmailAddress.objects.create(
            user=member, email=member.email, verified=True, primary=True
        ),
        grade_a=grade_a,
        grade_b=grade_b,
        scheme=scheme,
        criterion=RubricCriterion.objects.create(
            assignment=homework, name="Clarity", max_points=Decimal(5)
        ),
        exam_mark=ExamMark.objects.create(
            edition=pub, student=member, component=oral, score=Decimal(12)
        ),
        final_grade=FinalGrade.objects.create(
            edition=pub, student=member, computed_at=timezone.now()
        ),
        mark_change=MarkChange.objects.filter(edition=pub).first(),
        bundle=bundle,
        users=users,
    )
