"""Input and output serializers of the read-only schedule API.

Output serializers render; they never query: views hand them prefetched objects or
``selectors.ScheduleItem`` dataclasses. Every datetime is written in the edition's zone with
its offset (``2023-03-06T23:59:00+01:00``); views pass the zone as ``context["tz"]``.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assignments.models import FILE_KINDS, Assignment
from config.links import absolute_for
from courses.models import Edition, Lecture, Link

from .selectors import SCHEDULE_KINDS

# --- Input -------------------------------------------------------------------------------


class ScheduleKindsField(serializers.Field):
    """``kind`` given once per value (``?kind=lecture&kind=deadline``), comma-separated
    (``?kind=lecture,deadline``), or both."""

    default_error_messages = {
        "empty": "Give at least one kind.",
        "unknown": "Unknown kind {unknown}; expected one or more of: {expected}.",
    }

    def to_internal_value(self, data):
        values = data if isinstance(data, list | tuple) else [data]
        kinds = [part.strip() for value in values for part in str(value).split(",") if part.strip()]
        if not kinds:
            self.fail("empty")
        unknown = sorted(set(kinds) - set(SCHEDULE_KINDS))
        if unknown:
            self.fail(
                "unknown",
                unknown=", ".join(f'"{kind}"' for kind in unknown),
                expected=", ".join(SCHEDULE_KINDS),
            )
        return tuple(dict.fromkeys(kinds))

    def to_representation(self, value):
        return list(value)


class ScheduleFilterInputSerializer(serializers.Serializer):
    """The schedule's query parameters: ``from``, ``to`` (YYYY-MM-DD, inclusive), ``kind``."""

    def get_fields(self):
        # "from" is a Python keyword, so the fields cannot be class attributes.
        return {
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
            "kind": ScheduleKindsField(required=False),
        }

    @classmethod
    def from_query_params(cls, query_params):
        data = {name: query_params.get(name) for name in ("from", "to") if name in query_params}
        if "kind" in query_params:
            data["kind"] = query_params.getlist("kind")
        return cls(data=data)

    def validate(self, attrs):
        date_from, date_to = attrs.get("from"), attrs.get("to")
        if date_from and date_to and date_from > date_to:
            raise serializers.ValidationError({"to": "Must be on or after from."})
        return attrs

    @property
    def selector_kwargs(self) -> dict:
        data = self.validated_data
        return {
            "date_from": data.get("from"),
            "date_to": data.get("to"),
            "kinds": data.get("kind"),
        }


# --- Output ------------------------------------------------------------------------------


class EditionDateTimeField(serializers.DateTimeField):
    """An aware datetime written in the edition's zone (``context["tz"]``), with its offset.

    DRF's own field would convert it to the server's zone (UTC).
    """

    def to_representation(self, value):
        if value is None:
            return None
        tz = self.context.get("tz")
        if tz is not None:
            value = value.astimezone(tz)
        return value.isoformat()


class LinkOutputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Link.Kind.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    url = serializers.URLField()


class ModelLinkOutputSerializer(LinkOutputSerializer):
    label = serializers.CharField(source="display_label")


class ScheduleItemOutputSerializer(serializers.Serializer):
    uid = serializers.CharField(help_text='Stable identifier, e.g. "lecture-12"')
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=[(kind, kind) for kind in SCHEDULE_KINDS])
    title = serializers.CharField()
    number = serializers.IntegerField(allow_null=True, help_text="Lectures only")
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        help_text='Prefix as written, e.g. "Tutorial" (events), "Deadline for" (deadlines)'
    )
    note = serializers.CharField(help_text='e.g. "(Optional)"')
    cancelled = serializers.BooleanField(
        help_text="Lectures and events: kept in the agenda but not held (STATUS:CANCELLED)"
    )
    speaker = serializers.CharField()
    starts_at = EditionDateTimeField(
        allow_null=True, help_text="Lectures and events; null when the edition has no time"
    )
    due_at = EditionDateTimeField(allow_null=True, help_text="Deadlines only")
    links = LinkOutputSerializer(many=True)
    assignment = serializers.IntegerField(
        source="assignment_id", allow_null=True, help_text="Deadlines: the assignment's id"
    )
    sequence = serializers.IntegerField(help_text="Grows on every change of the item")
    html_url = serializers.SerializerMethodField(help_text="The item's day on the edition page")

    def get_html_url(self, item) -> str:
        edition = self.context["edition_slug"]
        path = reverse("agenda:edition", kwargs={"slug": edition})
        return absolute_for(self.context.get("request"), f"{path}#day-{item.date.isoformat()}")


class ScheduleOutputSerializer(serializers.Serializer):
    edition = serializers.SlugField()
    timezone = serializers.CharField(help_text="IANA zone of every date and time")
    count = serializers.IntegerField()
    items = ScheduleItemOutputSerializer(many=True)


class EditionOutputSerializer(serializers.ModelSerializer):
    course_code = serializers.CharField(source="course.code")
    title = serializers.CharField(source="course.title")
    schedule_url = serializers.SerializerMethodField()
    calendar_url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField(help_text="The edition's page")

    class Meta:
        model = Edition
        fields = [
            "slug",
            "course_code",
            "title",
            "term",
            "academic_year",
            "timezone",
            "status",
            "schedule_url",
            "calendar_url",
            "html_url",
        ]

    def _absolute(self, url: str) -> str:
        return absolute_for(self.context.get("request"), url)

    def get_html_url(self, edition) -> str:
        return self._absolute(reverse("agenda:edition", kwargs={"slug": edition.slug}))

    def get_schedule_url(self, edition) -> str:
        return self._absolute(reverse("api:edition-schedule", kwargs={"slug": edition.slug}))

    def get_calendar_url(self, edition) -> str:
        return self._absolute(reverse("edition-calendar", kwargs={"slug": edition.slug}))


class LectureOutputSerializer(serializers.ModelSerializer):
    starts_at = serializers.SerializerMethodField()
    links = ModelLinkOutputSerializer(many=True)

    class Meta:
        model = Lecture
        fields = [
            "id",
            "kind",
            "number",
            "title",
            "note",
            "date",
            "starts_at",
            "archived",
            "cancelled",
            "links",
            "sequence",
        ]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_starts_at(self, lecture) -> str | None:
        """The edition's meeting time on the lecture's date, with the offset."""
        edition = self.context["edition"]
        if lecture.date is None or edition.meeting_time is None:
            return None
        return edition.local_datetime(lecture.date, edition.meeting_time).isoformat()


class PaperOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Give it as paper when handing in a reading report")
    authors = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="The paper's URL; empty when there is none")


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$", "example": "23:59:00"}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time with no offset, e.g. ``23:59:00``. Not the ``time`` format, which in
    JSON Schema (RFC 3339 full-time) requires an offset: the schema gives the pattern."""


class AssignmentOutputSerializer(serializers.ModelSerializer):
    due_at = EditionDateTimeField()
    due_time = LocalTimeField(help_text="Local wall clock in the edition's zone")
    # A URL or "" (none): not URLField, whose schema ("" or a URI, oneOf) "" matches twice.
    handout_url = serializers.CharField(help_text="The handout's URL; empty when there is none")
    papers = PaperOutputSerializer(
        many=True, help_text="Papers to choose from (reading reports); empty otherwise"
    )
    accepted_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[(k, k) for k in FILE_KINDS]),
        help_text="What a hand-in may be (checked by content)",
    )
    html_url = serializers.SerializerMethodField(help_text="The assignment's page (students)")

    def get_html_url(self, assignment) -> str:
        path = reverse("submissions:assignment", kwargs={"pk": assignment.pk})
        return absolute_for(self.context.get("request"), path)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "kind",
            "title",
            "number",
            "due_date",
            "due_time",
            "due_at",
            "hard_deadline",
            "optional",
            "handout_url",
            "summary",
            "papers",
            "accepted_kinds",
            "max_file_mb",
            "max_pages",
            "sequence",
            "html_url",
        ]


class ErrorOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()
