from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GradingConfig(AppConfig):
    name = "grading"

    def ready(self):
        from .permissions import sync_after_migrate

        # After this app's permissions exist (auth's own post_migrate handler runs first).
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="lectern-staff-groups")
