from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "submissions"

    def ready(self):
        # Keep the cached group standings (submissions/cache.py) in step with every write to
        # what they are built from.
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save, pre_save

        from . import cache

        for label, watched in cache.WATCHED.items():
            model = self.apps.get_model(label)
            uid = f"submissions-cache-{label}"
            post_save.connect(cache.on_change, sender=model, dispatch_uid=uid)
            post_delete.connect(cache.on_change, sender=model, dispatch_uid=f"{uid}-delete")
            if watched.parent != "pk":
                pre_save.connect(cache.on_parent_move, sender=model, dispatch_uid=f"{uid}-move")
        post_save.connect(
            cache.on_user_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="submissions-cache-user",
        )
