from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"

    def ready(self):
        # Keep the cached group standings (submissions/cache.py) in step with every write to
        # what they are built from.
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save, pre_save

        from assignments.models import Assignment
        from courses.models import Edition

        from . import cache
        from .models import Extension, GroupMembership, ProposalReview, StudentGroup, Submission

        receivers = [
            (Edition, cache.on_edition_change),
            (Assignment, cache.on_assignment_change),
            (StudentGroup, cache.on_group_change),
            (GroupMembership, cache.on_group_part_change),
            (Submission, cache.on_submission_change),
            (Extension, cache.on_group_part_change),
            (ProposalReview, cache.on_group_part_change),
        ]
        for model, receiver in receivers:
            uid = f"submissions-cache-{model._meta.label}"
            post_save.connect(receiver, sender=model, dispatch_uid=uid)
            post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete")
        for model in (Assignment, GroupMembership, Submission, Extension, ProposalReview):
            pre_save.connect(
                cache.on_parent_move,
                sender=model,
                dispatch_uid=f"submissions-cache-{model._meta.label}-move",
            )
        post_save.connect(
            cache.on_user_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="submissions-cache-user",
        )
