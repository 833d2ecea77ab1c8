"""factory_boy factories shared by the whole suite."""

import datetime as dt

import factory

from accounts.models import User
from assignments.models import Assignment, Paper
from courses.models import Course, Edition, Event, Lecture, LectureLink, Membership
from submissions.models import GroupMembership, StudentGroup, Submission


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("lectern-test")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = "INFO8010"
    title = "Deep Learning"
    institution = "ULiège"


class EditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Edition

    course = factory.SubFactory(CourseFactory)
    slug = factory.Sequence(lambda n: f"info8010-{2000 + n}")
    term = "Spring 2023"
    academic_year = "2022-2023"
    timezone = "Europe/Brussels"
    meeting_weekday = Edition.Weekday.FRIDAY
    meeting_time = dt.time(8, 30)
    meeting_room = "R3 / B28"
    status = Edition.Status.PUBLISHED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    edition = factory.SubFactory(EditionFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.STUDENT


class LectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lecture

    edition = factory.SubFactory(EditionFactory)
    date = dt.date(2023, 2, 17)
    number = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Topic {n}")
    kind = Lecture.Kind.LECTURE


class LectureLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LectureLink

    lecture = factory.SubFactory(LectureFactory)
    kind = LectureLink.Kind.PDF
    label = "PDF"
    url = factory.Sequence(lambda n: f"https://example.test/lec{n}.pdf")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    edition = factory.SubFactory(EditionFactory)
    date = dt.date(2023, 4, 28)
    label = "Tutorial"
    title = "Weights & Biases"
    speaker = "Thomas Capelle"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    edition = factory.SubFactory(EditionFactory)
    kind = Assignment.Kind.HOMEWORK
    number = 1
    title = "Homework 1"
    due_date = dt.date(2023, 3, 6)


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper

    assignment = factory.SubFactory(AssignmentFactory, kind=Assignment.Kind.READING_REPORT)
    authors = "Rombach et al"
    title = "High-Resolution Image Synthesis with Latent Diffusion Models"
    year = 2022
    url = "https://arxiv.org/abs/2112.10752"


# Groups and hand-ins.


def make_student(edition, email, student_id=""):
    """An account enrolled as a student of ``edition``."""
    user = UserFactory(email=email, student_id=student_id)
    MembershipFactory(edition=edition, user=user, role=Membership.Role.STUDENT)
    return user


class StudentGroupFactory(factory.django.DjangoModelFactory):
    """A group; ``members=[...]`` puts those students in it."""

    class Meta:
        model = StudentGroup
        skip_postgeneration_save = True

    edition = factory.SubFactory(EditionFactory)
    name = factory.Sequence(lambda n: f"Group {n}")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        for user in extracted or ():
            GroupMembership.objects.create(group=self, user=user, edition=self.edition)


def make_group(edition, *users, name=None):
    return StudentGroupFactory(edition=edition, members=users, **({"name": name} if name else {}))


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A version recorded as the submission service would record it, without its clock
    check (an hour before the deadline); ``members`` default to the group's members."""

    class Meta:
        model = Submission
        skip_postgeneration_save = True

    assignment = factory.SubFactory(AssignmentFactory)
    group = factory.SubFactory(
        StudentGroupFactory, edition=factory.SelfAttribute("..assignment.edition")
    )
    version = 1
    original_name = "work.pdf"
    size = 10
    sha256 = "0" * 64
    content_kind = "pdf"
    submitted_by = factory.LazyAttribute(lambda s: s.group.members.first())
    submitted_at = factory.LazyAttribute(lambda s: s.assignment.due_at - dt.timedelta(hours=1))
    deadline_at = factory.LazyAttribute(lambda s: s.assignment.due_at)
    signature = "x"
    file = factory.django.FileField(filename="work.pdf", data=b"%PDF-1.4 test")

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        self.members.set(extracted if extracted is not None else self.group.members.all())


# Course page and admin (agenda pages, admin, clone_edition).


class EditionInfoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.EditionInfo"

    edition = factory.SubFactory(EditionFactory)
    label = "Discord"
    value = "[Join the server](https://discord.example.test/info8010)"
    position = factory.Sequence(lambda n: n)


class EditionSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.EditionSection"

    edition = factory.SubFactory(EditionFactory)
    kind = "other"
    heading = factory.Sequence(lambda n: f"Section {n}")
    body = "Some **prose**."
    position = factory.Sequence(lambda n: n)


class PreviousEditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.PreviousEdition"

    edition = factory.SubFactory(EditionFactory)
    label = "2021-2022"
    url = "https://github.com/glouppe/info8010-deep-learning/tree/v5-info8010-2022"
    position = factory.Sequence(lambda n: n)


class EventLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "courses.EventLink"

    event = factory.SubFactory(EventFactory)
    kind = "other"
    label = "Slides"
    url = factory.Sequence(lambda n: f"https://example.test/event{n}.pdf")


class StaffMembershipFactory(MembershipFactory):
    """An instructor or TA of an edition who can log in to the admin."""

    user = factory.SubFactory(UserFactory, is_staff=True)
    role = Membership.Role.TA
    display_name = ""


def build_full_edition(
    *,
    lectures: int = 3,
    links_per_lecture: int = 3,
    events: int = 1,
    homeworks: int = 2,
    papers: int = 3,
    **edition_fields,
) -> Edition:
    """An edition with something of every kind on its page, sized by the arguments.

    Lectures fall on consecutive Fridays from 10 Feb 2023 (two on the first date, after the
    syllabus), each with slides and ``links_per_lecture`` other links; one more is archived.
    """
    edition = EditionFactory(**edition_fields)
    StaffMembershipFactory(
        edition=edition, role=Membership.Role.INSTRUCTOR, display_name="Gilles Louppe"
    )
    StaffMembershipFactory(edition=edition, display_name="Arnaud Delaunoy")
    MembershipFactory(edition=edition)  # a student, never on the page
    EditionInfoFactory(edition=edition)
    EditionSectionFactory(edition=edition, kind="homeworks", heading="Homeworks")
    EditionSectionFactory(edition=edition, kind="reading", heading="Reading assignment")
    PreviousEditionFactory(edition=edition)
    first = dt.date(2023, 2, 10)
    syllabus = LectureFactory(
        edition=edition, date=first, kind=Lecture.Kind.SYLLABUS, number=None, title="Syllabus"
    )
    LectureLinkFactory(lecture=syllabus, kind=LectureLink.Kind.SLIDES, label="")
    for n in range(lectures):
        lecture = LectureFactory(
            edition=edition,
            date=first + dt.timedelta(weeks=max(n - 1, 0)),
            position=n + 1,
            number=n,
            title=f"Lecture topic {n}",
        )
        LectureLinkFactory(lecture=lecture, kind=LectureLink.Kind.SLIDES, label="")
        for k in range(links_per_lecture):
            LectureLinkFactory(
                lecture=lecture, kind=LectureLink.Kind.CODE, label=f"code {k + 1}", position=k + 1
            )
    archived = LectureFactory(edition=edition, date=None, archived=True, number=None)
    LectureLinkFactory(lecture=archived)
    for n in range(events):
        event = EventFactory(edition=edition, date=first + dt.timedelta(weeks=n, days=3))
        EventLinkFactory(event=event)
    undated = EventFactory(edition=edition, date=None, label="", title="All lectures", speaker="")
    EventLinkFactory(event=undated, label="PDF")
    for n in range(homeworks):
        AssignmentFactory(
            edition=edition,
            number=n + 1,
            title=f"Homework {n + 1}",
            due_date=first + dt.timedelta(weeks=n + 3, days=3),
            handout_url=f"https://example.test/homework{n + 1}.ipynb",
        )
    reading = AssignmentFactory(
        edition=edition,
        kind=Assignment.Kind.READING_REPORT,
        number=None,
        title="Reading assignment",
        agenda_title="the reading assignment",
        due_date=dt.date(2023, 5, 19),
        hard_deadline=True,
    )
    for n in range(papers):
        PaperFactory(assignment=reading, title=f"Paper {n}", position=n)
    return edition
