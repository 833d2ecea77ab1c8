from django.apps import AppConfig


class AutograderConfig(AppConfig):
    name = "autograder"
    verbose_name = "Autograder"

    def ready(self):
        from django.db.models.signals import post_migrate

        from grading.services.staff import sync_after_migrate
        from submissions.signals import submission_created

        from . import panels  # noqa: F401 — registers the workspace panel and page section
        from .services import submission_created_received

        # The staff groups get this app's permissions once they exist.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="lectern-staff-ag")
        submission_created.connect(
            submission_created_received, dispatch_uid="autograder-submission-created"
        )
