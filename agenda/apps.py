from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "agenda"

    def ready(self):
        # Keep the schedule cache in step with every write to what the schedule shows.
        from django.db.models.signals import post_delete, post_save

        from assignments.models import Assignment, Paper
        from courses.models import Edition, Event, EventLink, Lecture, LectureLink

        from .cache import on_agenda_change

        for model in (Edition, Lecture, LectureLink, Event, EventLink, Assignment, Paper):
            post_save.connect(on_agenda_change, sender=model, dispatch_uid=f"agenda-{model}")
            post_delete.connect(on_agenda_change, sender=model, dispatch_uid=f"agenda-d-{model}")
