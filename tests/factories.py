"""factory_boy factories shared by the whole suite."""

import datetime as dt

import factory

from accounts.models import User
from assignments.models import Assignment, Paper
from courses.models import Course, Edition, Event, Lecture, LectureLink, Membership


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
