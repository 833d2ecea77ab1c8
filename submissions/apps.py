from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"

    def ready(self):
        # A student's name shows on their groupmates' dashboards (submissions/cache.py):
        # accounts announces a changed profile, this app forgets those groups' standings.
        from accounts.signals import user_changed

        from .services import groups_of_user_changed

        user_changed.connect(groups_of_user_changed, dispatch_uid="submissions-user-changed")
