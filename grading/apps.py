from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GradingConfig(AppConfig):
    name = "grading"

    def ready(self):
        from assignments.signals import assignments_changed

        from . import panels  # noqa: F401 — registers the workspace's hand-in panel
        from .services.finals import assignments_changed_received
        from .services.staff import sync_after_migrate

        # After this app's permissions exist (auth's own post_migrate handler runs first).
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="lectern-staff-groups")
        # Deadlines and maximum scores are inputs of the stored final grades.
        assignments_changed.connect(
            assignments_changed_received, dispatch_uid="grading-assignments-changed"
        )
