"""Output of the autograder's API. Decimals are strings; what the viewer may not see yet
(results before the deadline, per the bundle's visibility) is ``null`` or empty."""

from __future__ import annotations

from rest_framework import serializers

from .models import AutogradeRun
from .selectors import Result

TEST_STATUSES = ["passed", "failed", "error", "timeout"]


class TestResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=TEST_STATUSES)
    points = serializers.CharField(help_text="Points obtained")
    max_points = serializers.CharField()
    message = serializers.CharField(allow_blank=True, help_text="The test's message, and why")


class AutogradeResultSerializer(serializers.Serializer):
    submission = serializers.IntegerField()
    version = serializers.IntegerField(help_text="The submission's version number")
    status = serializers.ChoiceField(choices=AutogradeRun.Status.values)
    visible = serializers.BooleanField(help_text="false: results are shown after the deadline")
    visible_from = serializers.DateTimeField(
        allow_null=True, help_text="When students see the results; null: at once"
    )
    score = serializers.CharField(allow_null=True, help_text="null until done and visible")
    max_score = serializers.CharField(allow_null=True)
    tests = TestResultSerializer(many=True)
    stdout = serializers.CharField(allow_blank=True, help_text="The notebook's output (tail)")
    stderr = serializers.CharField(allow_blank=True)
    output_cut = serializers.IntegerField(help_text="Bytes of output dropped beyond the cap")
    error = serializers.CharField(allow_blank=True, help_text="Why a run failed or timed out")
    environment = serializers.CharField()
    bundle_version = serializers.IntegerField()
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def payload(result: Result) -> dict:
        run = result.run
        shown = result.visible
        return {
            "submission": run.submission_id,
            "version": run.submission.version,
            "status": run.status,
            "visible": shown,
            "visible_from": result.visible_from,
            "score": None if run.score is None or not shown else f"{run.score.normalize():f}",
            "max_score": None
            if run.max_score is None or not shown
            else f"{run.max_score.normalize():f}",
            "tests": run.tests if shown else [],
            "stdout": run.stdout_tail if shown else "",
            "stderr": run.stderr_tail if shown else "",
            "output_cut": run.output_cut if shown else 0,
            "error": run.error if shown else "",
            "environment": run.environment,
            "bundle_version": run.bundle_version,
            "queued_at": run.queued_at,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
        }
